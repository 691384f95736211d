"""Two-factor sign-in in headless Chromium: a QA lead's first sign-in leads to setup (the QR
code loads under the Content Security Policy; the key is typed in instead), a wrong code shows
the error summary, turning it on shows the recovery codes once, the next sign-in asks for a
code; another signs in with a recovery code instead, is told few are left, makes new ones and
sets up a new app; an auditor turns it on and off from the header. Every page passes axe-core.
"""

import base64
import time

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import RecoveryCode
from tests.browser.test_moderator_journey import current_code, sign_in, sign_out
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"


def code_from_key(page, steps_ahead: int = 0) -> str:
    """What an app shows after the person types the setup key printed on the page."""
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    totp = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def next_code(username: str) -> str:
    """The app's code for the time step after the last one the device accepted. Not "now plus
    30 s": a code accepted one step late leaves the device's drift at -1, and then a code two
    steps ahead of the server's clock is (rightly) refused."""
    device = TOTPDevice.objects.get(user__username=username)
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0)
    totp.time = device.t0 + (device.last_t + 1) * device.step
    return f"{totp.token():06d}"


def submit(page, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def test_two_factor_setup_sign_in_and_turning_off(live_server, page, axe, settings):
    # A wrong code makes the next try wait (tests/test_two_factor.py checks that); here the
    # person retypes at once, and a slow machine must not decide whether they wait.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    UserFactory(username="lee.qalead", team=None, roles=["qa_lead"])
    UserFactory(username="kim.auditor", roles=["auditor"])

    # A QA lead's first sign-in leads to setup, whatever page was asked for.
    page.goto(f"{live_server.url}/accounts/login/?next=/audits/")
    page.fill("#id_username", "lee.qalead")
    page.fill("#id_password", PASSWORD)
    submit(page, "Sign in")
    assert page.url.startswith(f"{live_server.url}/account/two-factor/setup/")
    assert page.locator("h1").inner_text() == "Set up two-factor sign-in"
    qr = page.get_by_role("img", name="QR code for your authenticator app to scan")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code did not load"
    axe.check(page, "2fa-01-setup-required")

    page.fill("#id_code", "000000" if code_from_key(page) != "000000" else "111111")
    submit(page, "Turn on two-factor sign-in")
    assert page.title().startswith("Error:")
    assert page.locator(".govuk-error-summary a").get_attribute("href") == "#id_code"
    axe.check(page, "2fa-02-setup-wrong-code")

    page.fill("#id_code", code_from_key(page))
    submit(page, "Turn on two-factor sign-in")
    # The recovery codes, shown this once; Continue goes on to the page first asked for.
    assert page.locator("h1").inner_text() == "Save your recovery codes"
    assert "Two-factor sign-in is on." in page.locator(".govuk-notification-banner").inner_text()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(set(codes)) == 10
    axe.check(page, "2fa-recovery-01-save-codes")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/audits/")
    assert not page.locator("#recovery-codes").count()
    sign_out(page)

    # The next sign-in asks for a code.
    page.goto(f"{live_server.url}/accounts/login/?next=/audits/")
    page.fill("#id_username", "lee.qalead")
    page.fill("#id_password", PASSWORD)
    submit(page, "Sign in")
    assert page.url.startswith(f"{live_server.url}/account/two-factor/verify/")
    assert page.locator("h1").inner_text() == "Enter your code"
    axe.check(page, "2fa-03-enter-your-code")
    page.fill("#id_code", "12345")
    submit(page, "Continue")
    assert page.title().startswith("Error: Enter your code")
    axe.check(page, "2fa-04-enter-your-code-error")
    # The setup code is spent; the app's next one is accepted.
    page.fill("#id_code", next_code("lee.qalead"))
    submit(page, "Continue")
    page.wait_for_url(f"{live_server.url}/audits/")
    sign_out(page)

    # The phone is lost: a recovery code instead. Six were used before, so three are left.
    rows = list(RecoveryCode.objects.filter(device__user__username="lee.qalead").order_by("pk"))
    RecoveryCode.objects.filter(pk__in=[r.pk for r in rows[1:7]]).update(used_at=timezone.now())
    page.goto(f"{live_server.url}/accounts/login/?next=/audits/")
    page.fill("#id_username", "lee.qalead")
    page.fill("#id_password", PASSWORD)
    submit(page, "Sign in")
    with page.expect_navigation():
        page.get_by_role("link", name="Use a recovery code instead").click()
    assert page.locator("h1").inner_text() == "Enter a recovery code"
    axe.check(page, "2fa-recovery-02-enter-recovery-code")
    submit(page, "Continue")
    assert page.title().startswith("Error: Enter a recovery code")
    assert page.locator(".govuk-error-summary a").get_attribute("href") == "#id_code"
    assert page.locator(".govuk-error-summary").inner_text().endswith("Enter a recovery code")
    axe.check(page, "2fa-recovery-03-enter-recovery-code-error")
    page.fill("#id_code", codes[0].upper().replace("-", " "))
    submit(page, "Continue")
    page.wait_for_url(f"{live_server.url}/audits/")
    banner = page.locator(".govuk-notification-banner")
    assert "You have 3 recovery codes left." in banner.inner_text()
    axe.check(page, "2fa-recovery-04-few-codes-left")

    # New codes, from the banner's link, need the app (here a new phone with the same key).
    with page.expect_navigation():
        banner.get_by_role("link", name="Make new recovery codes").click()
    assert page.locator("h1").inner_text() == "Make new recovery codes"
    axe.check(page, "2fa-recovery-05-make-new-codes")
    page.fill("#id_code", current_code("lee.qalead"))
    submit(page, "Make new recovery codes")
    assert page.locator("h1").inner_text() == "Save your recovery codes"
    new_codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(set(new_codes)) == 10 and not set(new_codes) & set(codes)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "Recovery codes: 10 of 10 left" in page.locator("main").inner_text()
    axe.check(page, "2fa-recovery-06-account-codes-left")

    # The lost phone is replaced: a new app, with the password again and the new app's code.
    with page.expect_navigation():
        page.get_by_role("button", name="Set up a new authenticator app").click()
    assert page.locator("h1").inner_text() == "Set up a new authenticator app"
    axe.check(page, "2fa-recovery-07-new-app")
    page.fill("#id_password", "not-my-password")
    page.fill("#id_code", code_from_key(page))
    submit(page, "Use the new app")
    assert page.title().startswith("Error: Set up a new authenticator app")
    assert page.locator(".govuk-error-summary a").get_attribute("href") == "#id_password"
    axe.check(page, "2fa-recovery-08-new-app-error")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_code", code_from_key(page, 1))
    submit(page, "Use the new app")
    assert page.locator("h1").inner_text() == "Save your recovery codes"
    newest = page.locator("#recovery-codes code").all_inner_texts()
    assert len(set(newest)) == 10 and not set(newest) & set(new_codes)
    assert TOTPDevice.objects.filter(user__username="lee.qalead").count() == 1
    sign_out(page)

    # An auditor turns it on from the header, and off again.
    sign_in(page, live_server, "kim.auditor", "/audits/mine/")
    with page.expect_navigation():
        page.get_by_role("link", name="Two-factor sign-in").click()
    assert page.locator("h1").inner_text() == "Two-factor sign-in"
    axe.check(page, "2fa-05-account-off")
    with page.expect_navigation():
        page.get_by_role("button", name="Set up two-factor sign-in").click()
    axe.check(page, "2fa-06-setup-offered")
    page.fill("#id_code", code_from_key(page))
    submit(page, "Turn on two-factor sign-in")
    assert page.locator("h1").inner_text() == "Save your recovery codes"
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert "is on" in page.locator("main").inner_text()
    axe.check(page, "2fa-07-account-on")
    with page.expect_navigation():
        page.get_by_role("button", name="Turn off two-factor sign-in").click()
    axe.check(page, "2fa-08-turn-off")
    page.fill("#id_code", next_code("kim.auditor"))
    submit(page, "Turn off two-factor sign-in")
    assert "Two-factor sign-in is off." in page.locator(".govuk-notification-banner").inner_text()
    assert not TOTPDevice.objects.filter(user__username="kim.auditor").exists()
    assert not RecoveryCode.objects.filter(device__user__username="kim.auditor").exists()
