"""Two-factor sign-in (TOTP, django-otp): offered to every user, required for QA leads and
administrators; a code works once; wrong codes slow the next try; events logged without codes.

These tests sign in through the real forms (password, then code), never force_login, so the
enforcement in config/middleware.py is exercised as a person meets it.
"""

import base64
import datetime as dt
import functools
import logging
import re
import time

import pytest
from django.db import connection
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.errors import DomainError
from config.two_factor import two_factor_token_check
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SETUP = "/account/two-factor/setup/"
VERIFY = "/account/two-factor/verify/"


def sign_in(client, user, next_path=""):
    data = {"username": user.username, "password": PASSWORD}
    if next_path:
        data["next"] = next_path
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, "the password step failed"
    return response


def sign_out(client):
    assert client.post("/accounts/logout/").status_code == 302


def code(key: bytes, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding the key shows, now or steps_ahead periods on."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def wrong_code(key: bytes) -> str:
    """A 6-digit code that is none of those the device would accept just now."""
    near = {code(key, s) for s in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444") if c not in near)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def secret_on_page(response) -> bytes:
    """The setup key as the page prints it (base32 in groups of 4), decoded to the key."""
    text = re.search(r'<code id="secret-key">([A-Z2-7 ]+)</code>', response.content.decode())
    assert text, "the setup page shows no key for manual entry"
    secret = text.group(1).replace(" ", "")
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def is_signed_in_fully(client, path="/audits/mine/") -> bool:
    return client.get(path).status_code == 200


def test_an_auditor_is_offered_it_and_is_then_asked_for_a_code_at_sign_in(client, auditor):
    sign_in(client, auditor)
    mine = client.get("/audits/mine/")
    assert mine.status_code == 200, "a password alone is enough for someone without it"
    assert b'href="/account/two-factor/"' in mine.content  # offered from the header

    account = client.get("/account/two-factor/")
    assert b"Two-factor sign-in is <strong>off</strong>" in account.content
    assert f'href="{SETUP}"'.encode() in account.content

    setup = client.get(SETUP)
    assert setup.status_code == 200
    key = secret_on_page(setup)
    device = TOTPDevice.objects.get(user=auditor)
    assert (device.confirmed, device.bin_key) == (False, key)
    assert secret_on_page(client.get(SETUP)) == key, "the key stays the same until confirmed"
    qr = client.get("/account/two-factor/setup/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content and b"style" not in qr.content  # CSP: no inline styles

    done = client.post(SETUP, {"code": code(key)})
    assert done.status_code == 302 and done["Location"] == "/account/two-factor/"
    device.refresh_from_db()
    assert device.confirmed
    assert b"is <strong>on</strong>" in client.get("/account/two-factor/").content
    assert is_signed_in_fully(client)

    sign_out(client)
    sign_in(client, auditor)
    asked = client.get("/audits/mine/")
    assert asked.status_code == 302 and asked["Location"] == f"{VERIFY}?next=%2Faudits%2Fmine%2F"
    page = client.get(asked["Location"])
    assert page.status_code == 200
    assert b"Enter your code" in page.content and b'autocomplete="one-time-code"' in page.content
    # The code used at setup is spent: the next period's code (within the app's drift) signs in.
    signed = client.post(VERIFY, {"code": code(key, 1), "next": "/audits/mine/"})
    assert signed.status_code == 302 and signed["Location"] == "/audits/mine/"
    assert is_signed_in_fully(client)


def test_a_wrong_code_shows_an_error_summary_linked_to_the_field(client, auditor):
    device = confirmed_device(auditor)
    sign_in(client, auditor)
    response = client.post(VERIFY, {"code": wrong_code(device.bin_key)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Enter your code" in html
    assert "There is a problem" in html
    assert '<a href="#id_code">The code is wrong or has been used.' in html
    assert 'id="id_code-error"' in html and 'aria-describedby="id_code-hint id_code-error"' in html
    assert not is_signed_in_fully(client)

    for typed, message in [("", "Enter the 6-digit code"), ("12ab56", "Enter the code as 6")]:
        response = client.post(VERIFY, {"code": typed})
        assert f'<a href="#id_code">{message}' in response.content.decode()
    assert not is_signed_in_fully(client)


def test_a_code_works_once(client, auditor):
    device = confirmed_device(auditor)
    used = code(device.bin_key)
    sign_in(client, auditor)
    assert client.post(VERIFY, {"code": used}).status_code == 302
    assert is_signed_in_fully(client)

    sign_out(client)
    sign_in(client, auditor)
    again = client.post(VERIFY, {"code": used})
    assert again.status_code == 200
    assert b"The code is wrong or has been used" in again.content
    assert not is_signed_in_fully(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a used code counts as a wrong one
    device.throttle_reset()  # instead of waiting the 1 second it asks for
    assert client.post(VERIFY, {"code": code(device.bin_key, 1)}).status_code == 302
    assert is_signed_in_fully(client)


def test_repeated_wrong_codes_are_throttled(client, auditor, settings):
    assert settings.OTP_TOTP_THROTTLE_FACTOR == 1  # production: waits of 1, 2, 4, 8 ... seconds
    # 30, 60, 120 ... seconds here, so a slow machine cannot outrun the wait.
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    device = confirmed_device(auditor)
    sign_in(client, auditor)

    first = client.post(VERIFY, {"code": wrong_code(device.bin_key)})
    assert b"The code is wrong or has been used" in first.content
    # Straight after a wrong code even the right one is refused, and the person is told to wait.
    right = client.post(VERIFY, {"code": code(device.bin_key)})
    assert right.status_code == 200
    assert re.search(rb"too many wrong codes\. Wait (2\d|30) seconds", right.content)
    assert not is_signed_in_fully(client)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a refused try while waiting does not count

    def wait(seconds):
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=device.throttling_failure_timestamp
            - dt.timedelta(seconds=seconds)
        )
        device.refresh_from_db()

    wait(31)
    client.post(VERIFY, {"code": wrong_code(device.bin_key)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    wait(31)  # the second wrong code doubled the wait to 60 seconds
    still = client.post(VERIFY, {"code": code(device.bin_key)})
    assert re.search(rb"too many wrong codes\. Wait (2\d|30) seconds", still.content)
    wait(30)
    assert client.post(VERIFY, {"code": code(device.bin_key)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert is_signed_in_fully(client)


def test_a_qa_lead_must_set_it_up_before_anything_else(client, qa_lead):
    sign_in(client, qa_lead, next_path="/audits/")
    for path in ("/audits/", "/reports/monthly/", "/account/two-factor/", "/moderation/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{SETUP}?next="), path
    api = client.get("/api/audits/")
    assert api.status_code == 403
    assert api.json()["detail"].startswith("Two-factor sign-in is required: set it up at")
    assert client.post("/api/programmes/", {}).status_code == 403

    setup = client.get(f"{SETUP}?next=/audits/")
    html = setup.content.decode()
    assert "must use two-factor sign-in" in html
    assert "All audits" not in html  # no links that would only bounce back here
    key = secret_on_page(setup)
    done = client.post(SETUP, {"code": code(key), "next": "/audits/"})
    assert done.status_code == 302 and done["Location"] == "/audits/"
    assert is_signed_in_fully(client, "/audits/")
    assert client.get("/api/audits/").status_code == 200

    sign_out(client)
    sign_in(client, qa_lead)
    assert client.get("/audits/")["Location"] == f"{VERIFY}?next=%2Faudits%2F"
    api = client.get("/api/audits/")
    assert (
        api.status_code == 403
        and "enter the code from your authenticator app" in api.json()["detail"]
    )
    # Only a path on this site is followed after the code.
    signed = client.post(VERIFY, {"code": code(key, 1), "next": "https://evil.example/"})
    assert signed.status_code == 302 and signed["Location"] == "/"
    assert client.get("/api/audits/").status_code == 200


def test_a_qa_lead_may_not_turn_it_off(client, qa_lead):
    device = confirmed_device(qa_lead)
    sign_in(client, qa_lead)
    client.post(VERIFY, {"code": code(device.bin_key)})
    account = client.get("/account/two-factor/")
    assert account.status_code == 200
    assert b"cannot be turned off" in account.content
    assert b"/account/two-factor/turn-off/" not in account.content
    assert client.get("/account/two-factor/turn-off/").status_code == 403
    refused = client.post("/account/two-factor/turn-off/", {"code": code(device.bin_key, 1)})
    assert refused.status_code == 403
    assert TOTPDevice.objects.filter(user=qa_lead, confirmed=True).count() == 1


def test_an_auditor_may_turn_it_off_with_a_fresh_code(client, auditor):
    device = confirmed_device(auditor)
    sign_in(client, auditor)
    client.post(VERIFY, {"code": code(device.bin_key)})
    page = client.get("/account/two-factor/turn-off/")
    assert page.status_code == 200 and b"Turn off two-factor sign-in" in page.content
    wrong = client.post("/account/two-factor/turn-off/", {"code": wrong_code(device.bin_key)})
    assert b'<a href="#id_code">The code is wrong' in wrong.content
    assert TOTPDevice.objects.filter(user=auditor).exists()
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above asked for a 1 second wait
    off = client.post("/account/two-factor/turn-off/", {"code": code(device.bin_key, 1)})
    assert off.status_code == 302 and off["Location"] == "/account/two-factor/"
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    sign_out(client)
    sign_in(client, auditor)
    assert is_signed_in_fully(client)


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_administrators_must_use_it(client, flag):
    admin = UserFactory(username=f"admin_{flag}", team=None, **{flag: True})
    sign_in(client, admin)
    for path in ("/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(SETUP), path


def test_removing_the_device_ends_the_verified_session(client, qa_lead):
    device = confirmed_device(qa_lead)
    sign_in(client, qa_lead)
    client.post(VERIFY, {"code": code(device.bin_key)})
    assert is_signed_in_fully(client, "/audits/")
    device.delete()  # an administrator resets a lost phone
    response = client.get("/audits/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(SETUP)


def test_the_api_token_needs_the_code_once_two_factor_is_on(api_client, auditor, qa_lead):
    def ask(user, **extra):
        body = {"username": user.username, "password": PASSWORD, **extra}
        return api_client.post("/api/token/", body, format="json")

    # A QA lead without an authenticator app gets no token for a password alone.
    refused = ask(qa_lead)
    assert refused.status_code == 400 and "Set up two-factor sign-in" in refused.json()["code"][0]

    device = confirmed_device(auditor)
    missing = ask(auditor)
    assert missing.status_code == 400 and "send the code" in missing.json()["code"][0]
    token = ask(auditor, code=code(device.bin_key))
    assert token.status_code == 200
    # A token stands for both factors: it was issued after the code.
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api_client.get("/api/audits/").status_code == 200


def test_events_are_logged_without_codes_or_passwords(client, auditor, caplog):
    caplog.set_level(logging.INFO, logger="config.two_factor")
    device = confirmed_device(auditor)
    sign_in(client, auditor)
    bad, good = wrong_code(device.bin_key), code(device.bin_key)
    client.post(VERIFY, {"code": bad})
    device.refresh_from_db()
    device.throttle_reset()
    client.post(VERIFY, {"code": good})
    messages = [r.getMessage() for r in caplog.records if r.name == "config.two_factor"]
    assert messages == [
        f"sign-in: password accepted, code needed user_id={auditor.pk}",
        f"two-factor: wrong or used code user_id={auditor.pk}",
        f"two-factor: session verified user_id={auditor.pk}",
    ]
    logged = " ".join(messages)
    assert bad not in logged and good not in logged and PASSWORD not in logged
    assert auditor.username not in logged


def test_a_test_sign_in_stands_for_password_and_code(client, auditor):
    """The autouse fixture in tests/conftest.py: force_login verifies those who must have it."""
    lead = UserFactory(username="forced_lead", team=None, roles=["qa_lead"])
    client.force_login(lead)
    assert client.get("/audits/").status_code == 200
    assert TOTPDevice.objects.filter(user=lead, confirmed=True).exists()
    client.force_login(auditor)
    assert client.get("/audits/mine/").status_code == 200
    assert not TOTPDevice.objects.filter(user=auditor).exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: the device row lock between two real connections.",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_code_sent_twice_at_once_is_accepted_once():
    from tests.moderation.test_concurrency import race

    user = UserFactory(username="racing_auditor", roles=["auditor"])
    for _ in range(10):
        TOTPDevice.objects.filter(user=user).delete()
        device = confirmed_device(user)
        same = code(device.bin_key)
        check = functools.partial(two_factor_token_check, user=user, code=same)
        outcomes = race(check, check)
        # One is accepted (returns None), the other is refused as a used code.
        assert sorted(type(o).__name__ for o in outcomes) == ["DomainError", "NoneType"]
        refused = next(o for o in outcomes if isinstance(o, DomainError))
        assert "has been used" in refused.message
