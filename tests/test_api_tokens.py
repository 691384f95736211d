"""API tokens (issue 10, finding 5): kept only as digests, expiring, and refused once the
person's credentials or duties change: a password change, deactivation, two-factor sign-in
turned on, a role that needs it. Each refusal is a 401 that says why, never a 500.

Changes made in the Django admin have no service to revoke from, so every rule is also
checked when a token is used; these tests change the user as the admin would (a plain save).
"""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.models import Role
from tests.test_two_factor import PASSWORD, SETUP, code, secret_on_page, sign_in

pytestmark = pytest.mark.django_db


def ask_for_token(user, **extra) -> str:
    body = {"username": user.username, "password": PASSWORD, **extra}
    response = APIClient().post("/api/token/", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def issued_by_command(username: str) -> str:
    out = io.StringIO()
    call_command("issue_token", username, stdout=out)
    return out.getvalue().strip()


def call_with(token: str, path: str = "/api/audits/"):
    return APIClient().get(path, headers={"Authorization": f"Token {token}"})


def refusal(token: str) -> str:
    response = call_with(token)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    return response.json()["detail"]


def test_tokens_are_kept_only_as_digests(auditor):
    tokens = [ask_for_token(auditor), issued_by_command("auditor")]
    for token in tokens:
        assert call_with(token).status_code == 200
    # No table holds a token as it was handed out.
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the database)
            text = repr(cursor.fetchall())
            for token in tokens:
                assert token not in text, f"{table} holds a token in plain text"


def test_a_token_expires_after_api_token_ttl_hours(auditor, settings):
    settings.API_TOKEN_TTL = 2
    token = ask_for_token(auditor)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=59)):
        assert call_with(token).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2, minutes=1)):
        assert "expired" in refusal(token)


def test_the_token_answer_says_when_it_expires(api_client, auditor, settings):
    settings.API_TOKEN_TTL = 5
    body = {"username": auditor.username, "password": PASSWORD}
    answer = api_client.post("/api/token/", body, format="json").json()
    expiry = dt.datetime.fromisoformat(answer["expiry"])
    assert abs(expiry - (timezone.now() + dt.timedelta(hours=5))) < dt.timedelta(minutes=1)


def test_a_token_stops_working_when_the_password_changes(auditor):
    token = ask_for_token(auditor)
    auditor.set_password("a-new-password-for-the-auditor")
    auditor.save()
    assert "password" in refusal(token)
    assert refusal(token)  # revoked: still a clear 401 afterwards


def test_a_token_stops_working_when_the_person_is_deactivated(auditor):
    token = issued_by_command("auditor")
    auditor.is_active = False
    auditor.save()
    assert "deactivated" in refusal(token)
    # Switched back on, the old token stays revoked.
    auditor.is_active = True
    auditor.save()
    assert refusal(token)


def test_a_token_stops_working_when_two_factor_sign_in_is_turned_on(auditor):
    token = ask_for_token(auditor)
    client = Client()
    sign_in(client, auditor)
    key = secret_on_page(client.get(SETUP))
    assert client.post(SETUP, {"code": code(key)}).status_code == 200
    assert refusal(token)
    # A token asked for with the code works.
    assert call_with(ask_for_token(auditor, code=code(key, 1))).status_code == 200


def test_a_token_issued_before_two_factor_was_on_is_refused_however_it_was_turned_on(auditor):
    """An administrator adding the device in the admin has no service to revoke through."""
    token = issued_by_command("auditor")
    TOTPDevice.objects.create(user=auditor, name="Authenticator app", confirmed=True)
    assert "two-factor" in refusal(token).lower()


def test_a_new_role_that_needs_two_factor_refuses_a_token_issued_without_it(auditor):
    token = issued_by_command("auditor")
    auditor.groups.add(Group.objects.get(name=Role.QA_LEAD))
    assert "two-factor" in refusal(token).lower()


def test_a_qa_lead_token_is_refused_once_the_app_it_was_issued_with_is_replaced(qa_lead):
    device = TOTPDevice.objects.create(user=qa_lead, name="Authenticator app", confirmed=True)
    token = ask_for_token(qa_lead, code=code(device.bin_key))
    assert call_with(token).status_code == 200
    issued = issued_by_command("qa_lead")
    assert call_with(issued).status_code == 200
    device.delete()
    TOTPDevice.objects.create(user=qa_lead, name="Authenticator app", confirmed=True)
    assert refusal(token) and refusal(issued)


@pytest.mark.parametrize(
    "header", ["Token", "Token nonsense", "Token a b", "Token " + "f" * 64, "Token \u00e9t\u00e9"]
)
def test_a_wrong_token_is_a_clear_401(header):
    response = APIClient().get("/api/audits/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_issue_token_refuses_a_qa_lead_without_an_app(qa_lead):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="two-factor"):
        call_command("issue_token", "qa_lead", stdout=io.StringIO())
