"""Two-factor sign-in (TOTP, django-otp): offered to every user, required for QA leads and
administrators; a code works once; wrong codes slow the next try; events logged without codes.
Recovery codes: shown once, stored as digests, each signs in once in place of the app's code.

These tests sign in through the real forms (password, then code), never force_login, so the
enforcement in accounts/middleware.py is exercised as a person meets it.
"""

import base64
import datetime as dt
import functools
import hashlib
import hmac
import logging
import re
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import recovery_code_check, recovery_codes_replace, two_factor_token_check
from core.errors import DomainError
from core.models import RecoveryCode, RecoveryCodeDevice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SETUP = "/account/two-factor/setup/"
VERIFY = "/account/two-factor/verify/"
RECOVERY = "/account/two-factor/verify/recovery-code/"
NEW_CODES = "/account/two-factor/recovery-codes/"
ACCOUNT = "/account/two-factor/"


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


def codes_on_page(response) -> list[str]:
    """The recovery codes a page shows, as printed (xxxxx-xxxxx)."""
    return re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.content.decode())


def with_recovery_codes(user) -> tuple[TOTPDevice, list[str]]:
    """A confirmed app and the 10 recovery codes shown when it was turned on."""
    device = confirmed_device(user)
    return device, recovery_codes_replace(device=device)


def shows_none_of(response, codes: list[str]) -> bool:
    return holds_none_of(response.content.decode(), codes)


def holds_none_of(text: str, codes: list[str]) -> bool:
    text = text.lower()
    return not any(c in text or c.replace("-", "") in text for c in codes)


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
    assert done.status_code == 200 and b"Save your recovery codes" in done.content
    assert len(codes_on_page(done)) == 10
    assert b'href="/account/two-factor/" role="button" draggable="false" class="govuk-button"' in (
        done.content
    )
    device.refresh_from_db()
    assert device.confirmed
    account = client.get("/account/two-factor/")
    assert b"is <strong>on</strong>" in account.content
    assert b"Recovery codes: 10 of 10 left" in account.content
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
    assert done.status_code == 200 and len(codes_on_page(done)) == 10
    assert b'<a href="/audits/" role="button"' in done.content  # Continue goes on to /audits/
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
    caplog.set_level(logging.INFO, logger="accounts.two_factor")
    device = confirmed_device(auditor)
    sign_in(client, auditor)
    bad, good = wrong_code(device.bin_key), code(device.bin_key)
    client.post(VERIFY, {"code": bad})
    device.refresh_from_db()
    device.throttle_reset()
    client.post(VERIFY, {"code": good})
    messages = [r.getMessage() for r in caplog.records if r.name == "accounts.two_factor"]
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


# ---------------------------------------------------------------- recovery codes


def test_recovery_codes_are_shown_once_at_setup_and_stored_only_as_digests(client, auditor):
    sign_in(client, auditor)
    key = secret_on_page(client.get(SETUP))
    done = client.post(SETUP, {"code": code(key)})
    html = done.content.decode()
    assert "<title>Save your recovery codes" in html and "Two-factor sign-in is on." in html
    assert "each code works once" in html.lower() and "somewhere safe" in html
    shown = codes_on_page(done)
    assert len(set(shown)) == 10
    assert done["Cache-Control"] == "no-store"  # nor kept by the browser
    for grouped in shown:
        assert re.fullmatch(r"[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}", grouped), grouped

    # Stored: one keyed digest per code, never the code, in any form.
    stored = list(
        RecoveryCode.objects.filter(device__user=auditor).values_list("digest", flat=True)
    )
    assert len(stored) == 10
    plain = [c.replace("-", "") for c in shown]
    for digest in stored:
        assert all(p not in digest and p.upper() not in digest.upper() for p in plain)
    key_bytes = django_settings.SECRET_KEY.encode()
    expected = {
        hmac.new(key_bytes, f"{auditor.pk}:{p}".encode(), hashlib.sha256).hexdigest() for p in plain
    }
    assert set(stored) == expected
    assert holds_none_of(str(dict(client.session.items())), shown)  # nor kept in the session

    # Never shown again: the setup page, sent again, the account page.
    again = client.get(SETUP, follow=True)
    assert again.redirect_chain[-1][0] == ACCOUNT and shows_none_of(again, shown)
    resent = client.post(SETUP, {"code": code(key)}, follow=True)
    assert shows_none_of(resent, shown) and codes_on_page(resent) == []
    assert RecoveryCode.objects.filter(device__user=auditor).count() == 10


def test_signing_in_with_a_recovery_code_verifies_the_session_once_per_code(client, auditor):
    device, codes = with_recovery_codes(auditor)
    sign_in(client, auditor)
    asked = client.get("/audits/mine/")
    verify = client.get(asked["Location"]).content.decode()
    link = f'href="{RECOVERY}?next=%2Faudits%2Fmine%2F">Use a recovery code instead</a>'
    assert link in verify
    page = client.get(f"{RECOVERY}?next=/audits/mine/")
    assert page.status_code == 200 and b"<title>Enter a recovery code" in page.content
    assert b"All audits" not in page.content  # no links that would only bounce back here

    # Any case, with spaces for the hyphen or none at all.
    typed = codes[0].upper().replace("-", " ")
    signed = client.post(RECOVERY, {"code": typed, "next": "/audits/mine/"})
    assert signed.status_code == 302 and signed["Location"] == "/audits/mine/"
    assert client.session["otp_device_id"] == RecoveryCodeDevice.objects.get().persistent_id
    mine = client.get("/audits/mine/")
    assert mine.status_code == 200
    assert b"You signed in with a recovery code. You have 9 recovery codes left." in mine.content
    assert client.get("/api/audits/").status_code == 200
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1
    assert b"Recovery codes: 9 of 10 left" in client.get(ACCOUNT).content

    sign_out(client)
    sign_in(client, auditor)
    again = client.post(RECOVERY, {"code": codes[0]})
    assert again.status_code == 200
    assert b'<a href="#id_code">That recovery code has been used.' in again.content
    assert not is_signed_in_fully(client)
    RecoveryCodeDevice.objects.get().throttle_reset()  # the used code asked for a 1 second wait
    assert client.post(RECOVERY, {"code": codes[1].replace("-", "")}).status_code == 302
    assert is_signed_in_fully(client)


def test_the_banner_says_how_many_codes_are_left_and_asks_for_new_ones_when_few(client, auditor):
    device, codes = with_recovery_codes(auditor)
    rows = RecoveryCode.objects.order_by("pk")  # in the order the codes were shown

    def use_one_leaving(left: int) -> str:
        # Codes other than the last `left + 1` are spent by marking them; the next is typed.
        typed = codes[-(left + 1)]
        spent = list(rows.values_list("pk", flat=True))[: -(left + 1)]
        RecoveryCode.objects.filter(pk__in=spent).update(used_at=timezone.now())
        sign_in(client, auditor)
        response = client.post(RECOVERY, {"code": typed, "next": "/audits/mine/"}, follow=True)
        sign_out(client)
        banner = re.search(
            r'<div class="govuk-notification-banner__content">(.*?)</div>',
            response.content.decode(),
            re.S,
        )
        assert banner, "no banner after the recovery code"
        return banner.group(1)

    four = use_one_leaving(4)
    assert "You have 4 recovery codes left." in four and NEW_CODES not in four
    three = use_one_leaving(3)
    assert "You have 3 recovery codes left." in three
    assert f'href="{NEW_CODES}">Make new recovery codes</a>' in three
    assert "You have 1 recovery code left." in use_one_leaving(1)
    none = use_one_leaving(0)
    assert "You have no recovery codes left." in none and NEW_CODES in none


def test_each_wrong_recovery_code_has_its_own_message(client, auditor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    device, codes = with_recovery_codes(auditor)
    sign_in(client, auditor)
    for typed, message in [
        ("", "Enter a recovery code"),
        ("12345", "Enter the recovery code as 10 letters and numbers"),
        ("0" * 60, "Enter the recovery code as 10 letters and numbers"),
        ("abcde-fghjk" if "abcde-fghjk" not in codes else "zzzzz-zzzzz", "That is not one of"),
        (codes[0], "You have entered too many wrong codes. Wait"),
    ]:
        response = client.post(RECOVERY, {"code": typed})
        assert response.status_code == 200, typed
        html = response.content.decode()
        assert "<title>Error: Enter a recovery code" in html
        assert "There is a problem" in html
        assert f'<a href="#id_code">{message}' in html, typed
        assert 'aria-describedby="id_code-hint id_code-error"' in html
    assert not is_signed_in_fully(client)
    # Nothing typed wrongly in form reached the device; the wrong code counted once.
    assert RecoveryCodeDevice.objects.get().throttling_failure_count == 1
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0


def test_a_person_with_no_recovery_codes_is_told_so(client, auditor):
    confirmed_device(auditor)  # turned on before recovery codes existed
    sign_in(client, auditor)
    response = client.post(RECOVERY, {"code": "7kx2m-q9wpt"})
    assert b'<a href="#id_code">You have no recovery codes.' in response.content
    assert not is_signed_in_fully(client)


def test_repeated_wrong_recovery_codes_are_throttled(client, auditor, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30  # 30, 60, 120 ... seconds, as for the app's codes
    device, codes = with_recovery_codes(auditor)
    recovery = RecoveryCodeDevice.objects.get(user=auditor)
    wrong = "zzzzz-zzzzz" if "zzzzz-zzzzz" not in codes else "yyyyy-yyyyy"
    sign_in(client, auditor)

    first = client.post(RECOVERY, {"code": wrong})
    assert b"That is not one of your recovery codes" in first.content
    right = client.post(RECOVERY, {"code": codes[0]})
    assert re.search(rb"too many wrong codes\. Wait (2\d|30) seconds", right.content)
    recovery.refresh_from_db()
    assert recovery.throttling_failure_count == 1  # a refused try while waiting does not count
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0

    def wait(seconds):
        RecoveryCodeDevice.objects.filter(pk=recovery.pk).update(
            throttling_failure_timestamp=recovery.throttling_failure_timestamp
            - dt.timedelta(seconds=seconds)
        )
        recovery.refresh_from_db()

    wait(31)
    client.post(RECOVERY, {"code": wrong})
    recovery.refresh_from_db()
    assert recovery.throttling_failure_count == 2
    wait(31)  # the second wrong code doubled the wait to 60 seconds
    still = client.post(RECOVERY, {"code": codes[0]})
    assert re.search(rb"too many wrong codes\. Wait (2\d|30) seconds", still.content)
    wait(30)
    assert client.post(RECOVERY, {"code": codes[0]}).status_code == 302
    recovery.refresh_from_db()
    assert recovery.throttling_failure_count == 0
    assert is_signed_in_fully(client)


def test_new_recovery_codes_need_a_fresh_app_code_and_replace_the_old(client, auditor):
    device, old = with_recovery_codes(auditor)
    old_digests = set(RecoveryCode.objects.values_list("digest", flat=True))
    sign_in(client, auditor)
    client.post(VERIFY, {"code": code(device.bin_key)})
    account = client.get(ACCOUNT)
    assert b"Recovery codes: 10 of 10 left" in account.content
    assert f'href="{NEW_CODES}"'.encode() in account.content
    page = client.get(NEW_CODES)
    assert page.status_code == 200 and b"<title>Make new recovery codes" in page.content

    for typed, message in [
        ("", "Enter the 6-digit code"),
        ("k7m2p", "Enter the code as 6 digits"),
        (wrong_code(device.bin_key), "The code is wrong or has been used."),
        (old[0], "Enter the code as 6 digits"),  # a recovery code is no app code
    ]:
        refused = client.post(NEW_CODES, {"code": typed})
        html = refused.content.decode()
        assert "<title>Error: Make new recovery codes" in html, typed
        assert f'<a href="#id_code">{message}' in html, typed
        assert codes_on_page(refused) == []
    assert set(RecoveryCode.objects.values_list("digest", flat=True)) == old_digests

    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above asked for a 1 second wait
    fresh = code(device.bin_key, 1)
    made = client.post(NEW_CODES, {"code": fresh})
    assert made.status_code == 200 and b"Save your recovery codes" in made.content
    new = codes_on_page(made)
    assert len(set(new)) == 10 and not set(new) & set(old)
    assert b'<a href="/account/two-factor/" role="button"' in made.content
    assert RecoveryCode.objects.count() == 10
    assert not set(RecoveryCode.objects.values_list("digest", flat=True)) & old_digests
    # Sent again (a reload), the spent app code makes no more codes and shows none.
    resent = client.post(NEW_CODES, {"code": fresh})
    assert b"The code is wrong or has been used" in resent.content and shows_none_of(resent, new)
    assert b"Recovery codes: 10 of 10 left" in client.get(ACCOUNT).content

    sign_out(client)
    sign_in(client, auditor)
    old_one = client.post(RECOVERY, {"code": old[0]})
    assert b"That is not one of your recovery codes" in old_one.content
    RecoveryCodeDevice.objects.get().throttle_reset()
    assert client.post(RECOVERY, {"code": new[0]}).status_code == 302
    assert is_signed_in_fully(client)


def test_new_recovery_codes_need_an_app(client, auditor):
    sign_in(client, auditor)
    response = client.get(NEW_CODES)
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    assert client.post(NEW_CODES, {"code": "123456"})["Location"] == ACCOUNT
    assert not RecoveryCodeDevice.objects.exists()


def test_turning_it_off_deletes_the_recovery_codes(client, auditor):
    device, codes = with_recovery_codes(auditor)
    sign_in(client, auditor)
    client.post(RECOVERY, {"code": codes[0]})
    assert is_signed_in_fully(client)
    page = client.get("/account/two-factor/turn-off/")
    assert page.status_code == 200
    off = client.post("/account/two-factor/turn-off/", {"code": code(device.bin_key)})
    assert off.status_code == 302
    assert not RecoveryCodeDevice.objects.exists() and not RecoveryCode.objects.exists()
    sign_out(client)
    sign_in(client, auditor)
    assert is_signed_in_fully(client)  # no code asked, and none of the old ones would work
    assert client.get(RECOVERY)["Location"] == "/"


def test_removing_the_app_removes_the_codes_and_ends_a_session_they_verified(client, qa_lead):
    device, codes = with_recovery_codes(qa_lead)
    sign_in(client, qa_lead)
    client.post(RECOVERY, {"code": codes[0]})
    assert is_signed_in_fully(client, "/audits/")
    device.delete()  # an administrator resets a lost phone
    assert not RecoveryCode.objects.exists()
    response = client.get("/audits/")
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"].startswith(SETUP)


def test_the_api_token_takes_no_recovery_code(api_client, auditor):
    device, codes = with_recovery_codes(auditor)
    body = {"username": auditor.username, "password": PASSWORD, "code": codes[0]}
    refused = api_client.post("/api/token/", body, format="json")
    assert refused.status_code == 400
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0


def test_recovery_events_are_logged_without_codes(client, auditor, caplog):
    caplog.set_level(logging.INFO, logger="accounts.two_factor")
    device, codes = with_recovery_codes(auditor)
    recovery = RecoveryCodeDevice.objects.get()
    wrong = "zzzzz-zzzzz" if "zzzzz-zzzzz" not in codes else "yyyyy-yyyyy"
    sign_in(client, auditor)
    client.post(RECOVERY, {"code": wrong})
    recovery.throttle_reset()
    client.post(RECOVERY, {"code": codes[0]})
    sign_out(client)
    sign_in(client, auditor)
    client.post(RECOVERY, {"code": codes[0]})
    messages = [r.getMessage() for r in caplog.records if r.name == "accounts.two_factor"]
    assert messages == [
        f"sign-in: password accepted, code needed user_id={auditor.pk}",
        f"two-factor: wrong recovery code user_id={auditor.pk}",
        f"two-factor: recovery code used user_id={auditor.pk} remaining=9",
        f"sign-in: password accepted, code needed user_id={auditor.pk}",
        f"two-factor: used recovery code refused user_id={auditor.pk}",
    ]
    logged = " ".join(r.getMessage() for r in caplog.records).lower()
    for typed in [*codes, wrong]:
        assert typed not in logged and typed.replace("-", "") not in logged
    assert PASSWORD not in logged


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs PostgreSQL: the row locks between two real connections.",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_recovery_code_sent_twice_at_once_is_accepted_once():
    from tests.moderation.test_concurrency import race

    user = UserFactory(username="racing_recovery", roles=["auditor"])
    for _ in range(10):
        TOTPDevice.objects.filter(user=user).delete()
        device, codes = with_recovery_codes(user)
        check = functools.partial(recovery_code_check, user=user, code=codes[0])
        outcomes = race(check, check)
        # One is accepted (the device and the codes left), the other refused as used.
        assert sorted(type(o).__name__ for o in outcomes) == ["DomainError", "tuple"]
        accepted = next(o for o in outcomes if isinstance(o, tuple))
        assert accepted[1] == 9
        refused = next(o for o in outcomes if isinstance(o, DomainError))
        assert "has been used" in refused.message
        assert RecoveryCode.objects.filter(device__user=user, used_at__isnull=False).count() == 1


def test_the_admin_shows_how_many_recovery_codes_are_left_never_a_code(client, auditor):
    device, codes = with_recovery_codes(auditor)
    recovery = RecoveryCodeDevice.objects.get()
    client.force_login(
        UserFactory(username="admin_user", team=None, is_staff=True, is_superuser=True)
    )
    listing = client.get("/admin/audits/recoverycodedevice/")
    assert listing.status_code == 200 and auditor.username.encode() in listing.content
    detail = client.get(f"/admin/audits/recoverycodedevice/{recovery.pk}/change/")
    assert detail.status_code == 200 and b"Codes left" in detail.content
    digests = list(RecoveryCode.objects.values_list("digest", flat=True))
    for response in (listing, detail):
        assert shows_none_of(response, codes)
        assert not any(d.encode() in response.content for d in digests)


# ---------------------------------------------------------------- a new app

NEW_APP = "/account/two-factor/new-app/"


def test_a_qa_lead_who_lost_the_app_signs_in_with_a_recovery_code_and_sets_up_a_new_one(
    client, qa_lead
):
    old, codes = with_recovery_codes(qa_lead)
    sign_in(client, qa_lead)
    assert client.post(RECOVERY, {"code": codes[0]}).status_code == 302
    account = client.get(ACCOUNT).content.decode()
    assert f'href="{NEW_APP}"' in account

    page = client.get(NEW_APP)
    assert page.status_code == 200 and b"<title>Set up a new authenticator app" in page.content
    new_key = secret_on_page(page)
    assert new_key != old.bin_key
    assert client.get("/account/two-factor/setup/qr.svg")["Content-Type"] == "image/svg+xml"

    done = client.post(NEW_APP, {"password": PASSWORD, "code": code(new_key)})
    assert done.status_code == 200
    new_codes = codes_on_page(done)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert b"Your new authenticator app is set up." in done.content
    device = TOTPDevice.objects.get(user=qa_lead)
    assert device.confirmed and device.bin_key == new_key and device.pk != old.pk
    assert RecoveryCode.objects.filter(device__user=qa_lead, used_at=None).count() == 10

    # The old app and the old recovery codes are gone; the new ones work.
    sign_out(client)
    sign_in(client, qa_lead)
    refused = client.post(RECOVERY, {"code": codes[1]})
    assert b"That is not one of your recovery codes." in refused.content
    assert client.post(VERIFY, {"code": code(old.bin_key, 1)}).status_code == 200
    assert not is_signed_in_fully(client)
    RecoveryCodeDevice.objects.filter(user=qa_lead).update(throttling_failure_count=0)
    TOTPDevice.objects.filter(user=qa_lead).update(throttling_failure_count=0)
    assert client.post(VERIFY, {"code": code(new_key, 1)}).status_code == 302
    assert is_signed_in_fully(client)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, ["Enter your password", "Enter the 6-digit code from your authenticator app"]),
        ({"password": "wrong-password", "code": "NEW"}, ["Your password is wrong."]),
        ({"password": PASSWORD, "code": "123456"}, ["The code is wrong or has been used."]),
        ({"password": PASSWORD, "code": "12ab"}, ["Enter the code as 6 digits"]),
    ],
)
def test_a_new_app_needs_the_password_and_a_right_code_or_nothing_changes(
    client, qa_lead, data, errors
):
    old, codes = with_recovery_codes(qa_lead)
    sign_in(client, qa_lead)
    assert client.post(VERIFY, {"code": code(old.bin_key)}).status_code == 302
    new_key = secret_on_page(client.get(NEW_APP))
    if data.get("code") == "NEW":
        data = {**data, "code": code(new_key)}
    elif data.get("code") == "123456" and code(new_key) == "123456":
        data = {**data, "code": wrong_code(new_key)}
    response = client.post(NEW_APP, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Set up a new authenticator app" in html
    assert 'class="govuk-error-summary"' in html
    for message in errors:
        assert message in html
    field = "id_password" if "password" in errors[0].lower() else "id_code"
    assert f'<a href="#{field}">' in html
    assert TOTPDevice.objects.get(user=qa_lead, confirmed=True).pk == old.pk
    assert RecoveryCode.objects.filter(device__authenticator=old, used_at=None).count() == 10
    assert codes_on_page(response) == []


def test_the_new_app_page_is_for_verified_sessions_of_people_with_an_app(client, auditor, qa_lead):
    # Without an app: set it up instead.
    sign_in(client, auditor)
    assert client.get(NEW_APP)["Location"] == "/account/two-factor/setup/"
    sign_out(client)
    # With one, before the code: the code first.
    old, _ = with_recovery_codes(qa_lead)
    sign_in(client, qa_lead)
    response = client.get(NEW_APP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=qa_lead).count() == 1
