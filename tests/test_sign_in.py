"""Sign-in: five failures for one username from one address lock that pair for 30 minutes,
even against the right password; another address is not locked; the counts live in the
shared cache (django-axes' cache handler), never in the database; every attempt and what the
lockout made of it is recorded without the password (core.models.SignInEvent); an
administrator or the command line lifts a lockout, and that is recorded too."""

import importlib
from io import StringIO

import pytest
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import SignInEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct-horse-battery"
Kind = SignInEvent.Kind


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def lock(client, username="auditor", address="10.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, username, "guess", address)
    assert sign_in(client, username, RIGHT, address).status_code == 429


def kinds(**filters) -> list[str]:
    return list(SignInEvent.objects.filter(**filters).order_by("pk").values_list("kind", flat=True))


def test_five_failures_lock_the_username_from_that_address(client, auditor):
    for _ in range(4):
        assert sign_in(client, "auditor", "guess").status_code == 200
    locked = sign_in(client, "auditor", "guess")
    assert locked.status_code == 429
    assert b"Sign-in is locked for 30 minutes" in locked.content
    # Locked: the right password is refused too, and no session is made.
    right = sign_in(client, "auditor", RIGHT)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same person from another address is not locked out.
    elsewhere = sign_in(client, "auditor", RIGHT, address="10.0.0.2")
    assert elsewhere.status_code == 302


def test_the_count_lives_in_the_lockout_cache_not_the_database(client, auditor):
    for _ in range(3):
        sign_in(client, "auditor", "guess")
    assert settings.AXES_HANDLER == "axes.handlers.cache.AxesCacheHandler"
    (key,) = get_client_cache_keys(AccessAttempt(username="auditor", ip_address="10.0.0.1"))
    assert caches["axes"].get(key) == 3
    # Its own cache: emptying the default cache (throttles) unlocks nobody.
    assert caches["default"].get(key) is None
    lock(client)
    caches["default"].clear()
    assert sign_in(client, "auditor", RIGHT).status_code == 429
    # django-axes' tables are no longer written.
    assert not AccessAttempt.objects.exists()
    assert not AccessFailureLog.objects.exists() and not AccessLog.objects.exists()


def test_a_success_before_the_limit_resets_the_count(client, auditor):
    for _ in range(4):
        sign_in(client, "auditor", "guess")
    assert sign_in(client, "auditor", RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "auditor", "guess").status_code == 200


def test_attempts_are_recorded_without_the_password(client, auditor):
    sign_in(client, "auditor", "guess-1234")
    failure = SignInEvent.objects.get()
    assert (failure.kind, failure.username, failure.ip_address) == (
        Kind.FAILED,
        "auditor",
        "10.0.0.1",
    )
    assert (failure.person, failure.failures, failure.path) == (auditor, 1, "/accounts/login/")
    sign_in(client, "auditor", RIGHT)
    success = SignInEvent.objects.get(kind=Kind.SIGNED_IN)
    assert (success.username, success.person, success.ip_address) == (
        "auditor",
        auditor,
        "10.0.0.1",
    )
    client.post("/accounts/logout/", REMOTE_ADDR="10.0.0.1")
    assert kinds() == [Kind.FAILED, Kind.SIGNED_IN, Kind.SIGNED_OUT]
    for event in SignInEvent.objects.all():
        assert RIGHT not in str(vars(event)) and "guess-1234" not in str(vars(event))


def test_a_username_that_names_nobody_is_recorded_as_typed(client, auditor):
    sign_in(client, "auditer", "guess", address="81.2.69.142")
    event = SignInEvent.objects.get()
    assert (event.username, event.person, event.ip_address) == ("auditer", None, "81.2.69.142")


def test_the_lockout_and_each_refusal_are_recorded(client, auditor):
    lock(client)
    sign_in(client, "auditor", "guess")
    assert kinds() == [Kind.FAILED] * 4 + [Kind.LOCKED, Kind.REFUSED, Kind.REFUSED]
    limit = settings.AXES_FAILURE_LIMIT
    assert SignInEvent.objects.get(kind=Kind.LOCKED).failures == limit
    assert list(SignInEvent.objects.filter(kind=Kind.REFUSED).values_list("failures", flat=True))
    assert set(SignInEvent.objects.values_list("ip_address", flat=True)) == {"10.0.0.1"}


def test_the_api_token_endpoint_counts_failures_too(api_client, auditor):
    for _ in range(5):
        api_client.post("/api/token/", {"username": "auditor", "password": "guess"}, format="json")
    response = api_client.post(
        "/api/token/", {"username": "auditor", "password": RIGHT}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()
    elsewhere = api_client.post(
        "/api/token/",
        {"username": "auditor", "password": RIGHT},
        format="json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert elsewhere.status_code == 200 and elsewhere.json()["token"]
    assert kinds(path="/api/token/", ip_address="127.0.0.1") == (
        [Kind.FAILED] * 4 + [Kind.LOCKED, Kind.REFUSED]
    )


def test_the_command_unlocks_every_address_and_records_who_asked(client, auditor, qa_lead):
    lock(client, address="10.0.0.1")
    lock(client, address="10.0.0.2")
    out = StringIO()
    call_command("unlock_sign_in", "auditor", actor="qa_lead", reason="Rang the desk.", stdout=out)
    assert out.getvalue().splitlines() == [
        "Sign-in unlocked for auditor from 10.0.0.1.",
        "Sign-in unlocked for auditor from 10.0.0.2.",
    ]
    assert sign_in(client, "auditor", RIGHT, address="10.0.0.2").status_code == 302
    unlocked = SignInEvent.objects.filter(kind=Kind.UNLOCKED)
    assert sorted(unlocked.values_list("ip_address", "actor", "reason")) == [
        ("10.0.0.1", qa_lead.pk, "Rang the desk."),
        ("10.0.0.2", qa_lead.pk, "Rang the desk."),
    ]


def test_the_command_unlocks_one_address_only_when_told(client, auditor):
    lock(client, address="10.0.0.1")
    lock(client, address="10.0.0.2")
    call_command("unlock_sign_in", "auditor", address="10.0.0.1", stdout=StringIO())
    assert sign_in(client, "auditor", RIGHT, address="10.0.0.2").status_code == 429
    client.logout()
    assert sign_in(client, "auditor", RIGHT, address="10.0.0.1").status_code == 302


def test_the_command_says_when_nobody_is_locked(client, auditor):
    with pytest.raises(CommandError, match="No sign-in lockout holds this username"):
        call_command("unlock_sign_in", "auditor")
    with pytest.raises(CommandError, match="No such person: nobody"):
        call_command("unlock_sign_in", "auditor", actor="nobody")
    assert not SignInEvent.objects.filter(kind=Kind.UNLOCKED).exists()


def test_axes_own_reset_command_works_on_the_cache(client, auditor):
    lock(client)
    out = StringIO()
    call_command("axes_reset_ip_username", "10.0.0.1", "auditor", stdout=out)
    assert out.getvalue().strip() == "1 attempts removed."
    assert sign_in(client, "auditor", RIGHT).status_code == 302


def test_an_administrator_unlocks_from_the_admin_and_it_is_recorded(client, auditor):
    lock(client)
    admin = UserFactory(username="admin", team=None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/audits/signinevent/", {"q": "10.0.0.1"})
    assert listing.status_code == 200
    assert b"Locked out" in listing.content and b"10.0.0.1" in listing.content
    assert b"10.0.0.2" not in client.get("/admin/audits/signinevent/?q=auditor").content
    locked = SignInEvent.objects.get(kind=Kind.LOCKED)
    response = client.post(
        "/admin/audits/signinevent/",
        {"action": "unlock", "_selected_action": [locked.pk]},
        follow=True,
    )
    assert b"Sign-in unlocked for auditor from 10.0.0.1." in response.content
    unlocked = SignInEvent.objects.get(kind=Kind.UNLOCKED)
    assert (unlocked.username, unlocked.ip_address, unlocked.actor) == (
        "auditor",
        "10.0.0.1",
        admin,
    )
    client.logout()
    assert sign_in(client, "auditor", RIGHT).status_code == 302


def test_only_a_superuser_is_offered_the_unlock(client, auditor):
    lock(client)
    staff = UserFactory(username="helpdesk", team=None, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename="view_signinevent"))
    client.force_login(staff)
    listing = client.get("/admin/audits/signinevent/")
    assert listing.status_code == 200 and b"Locked out" in listing.content
    assert b'value="unlock"' not in listing.content
    locked = SignInEvent.objects.get(kind=Kind.LOCKED)
    client.post("/admin/audits/signinevent/", {"action": "unlock", "_selected_action": [locked.pk]})
    assert not SignInEvent.objects.filter(kind=Kind.UNLOCKED).exists()
    client.logout()
    assert sign_in(client, "auditor", RIGHT).status_code == 429


def test_the_record_is_append_only(client, auditor):
    sign_in(client, "auditor", "guess")
    with pytest.raises(IntegrityError), transaction.atomic():
        SignInEvent.objects.update(username="someone-else")
    with pytest.raises(IntegrityError), transaction.atomic():
        SignInEvent.objects.all().delete()
    assert SignInEvent.objects.get().username == "auditor"


def test_the_migration_keeps_what_the_database_handler_logged(auditor):
    """Deploying the cache handler copies django-axes' failure and access logs across."""
    at = timezone.now()
    row = {"user_agent": "Firefox", "http_accept": "*/*", "path_info": "/accounts/login/"}
    AccessFailureLog.objects.create(username="auditor", ip_address="10.0.0.7", **row)
    AccessFailureLog.objects.create(username="gone", ip_address="10.0.0.8", locked_out=True, **row)
    AccessLog.objects.create(username="auditor", ip_address="10.0.0.7", logout_time=at, **row)
    migration = importlib.import_module("core.migrations.0017_ax_sign_in_events")
    migration.copy_axes_records(django_apps, None)
    copied = SignInEvent.objects.order_by("pk").values_list(
        "kind", "username", "person", "ip_address", "user_agent", "path"
    )
    assert list(copied) == [
        (Kind.FAILED, "auditor", auditor.pk, "10.0.0.7", "Firefox", "/accounts/login/"),
        (Kind.LOCKED, "gone", None, "10.0.0.8", "Firefox", "/accounts/login/"),
        (Kind.SIGNED_IN, "auditor", auditor.pk, "10.0.0.7", "Firefox", "/accounts/login/"),
        (Kind.SIGNED_OUT, "auditor", auditor.pk, "10.0.0.7", "Firefox", "/accounts/login/"),
    ]
    assert SignInEvent.objects.get(kind=Kind.SIGNED_OUT).at == at
