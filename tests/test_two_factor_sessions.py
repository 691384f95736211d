"""Two-factor set-up belongs to the session doing it, and turning it on ends the others.

Issue 10, findings 3 and 14: with the password alone, another session must learn nothing of a
set-up in progress (its QR code or its secret), and must not stay signed in on the password
once two-factor sign-in is on. Signed in through the real forms, never force_login.
"""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_two_factor import (
    NEW_APP,
    PASSWORD,
    SETUP,
    VERIFY,
    code,
    is_signed_in_fully,
    secret_on_page,
    sign_in,
    with_recovery_codes,
)

pytestmark = pytest.mark.django_db

QR = "/account/two-factor/setup/qr.svg"


def test_qr_is_refused_to_a_session_that_must_first_enter_a_code(qa_lead):
    """The attack: the victim replaces a phone; the attacker, with the password only, reads the
    QR code of the new app and, once the victim confirms it, holds the second factor too."""
    old, _ = with_recovery_codes(qa_lead)
    victim, attacker = Client(), Client()
    sign_in(victim, qa_lead)
    assert victim.post(VERIFY, {"code": code(old.bin_key)}).status_code == 302
    new_key = secret_on_page(victim.get(NEW_APP))
    assert victim.get(QR).status_code == 200  # the victim's own set-up shows its QR code

    sign_in(attacker, qa_lead)  # the password alone: the next step is the code
    stolen = attacker.get(QR)
    assert stolen.status_code == 404
    assert stolen["Content-Type"] != "image/svg+xml"

    # Once the victim confirms the new app, the attacker's session still needs a code from it.
    victim.post(NEW_APP, {"password": PASSWORD, "code": code(new_key)})
    assert TOTPDevice.objects.get(user=qa_lead, confirmed=True).bin_key == new_key
    assert not is_signed_in_fully(attacker)


def test_qr_is_refused_to_a_session_that_is_not_setting_up(auditor):
    setting_up, other = Client(), Client()
    sign_in(setting_up, auditor)
    sign_in(other, auditor)
    secret_on_page(setting_up.get(SETUP))
    assert setting_up.get(QR).status_code == 200
    assert other.get(QR).status_code == 404, "this session never opened the set-up page"


def test_each_set_up_session_gets_its_own_secret(qa_lead):
    """Two sessions setting up at once (the owner and someone with the password) never share a
    secret, so the one who confirms holds a key no one else has seen."""
    owner, intruder = Client(), Client()
    sign_in(owner, qa_lead)
    sign_in(intruder, qa_lead)
    owner_key = secret_on_page(owner.get(SETUP))
    intruder_key = secret_on_page(intruder.get(SETUP))
    assert owner_key != intruder_key
    assert secret_on_page(owner.get(SETUP)) == owner_key, "stable within the session"
    assert owner.get(QR).content != intruder.get(QR).content

    done = owner.post(SETUP, {"code": code(owner_key)})
    assert done.status_code == 200
    assert TOTPDevice.objects.get(user=qa_lead).bin_key == owner_key
    # The intruder's set-up went with the confirmation; it can neither confirm nor read a QR.
    assert intruder.get(QR).status_code in (302, 404)
    assert intruder.post(SETUP, {"code": code(intruder_key)}).status_code == 302
    assert TOTPDevice.objects.get(user=qa_lead).bin_key == owner_key


def test_turning_two_factor_on_signs_out_the_persons_other_sessions(auditor):
    here, elsewhere = Client(), Client()
    sign_in(here, auditor)
    sign_in(elsewhere, auditor)
    assert is_signed_in_fully(elsewhere)

    key = secret_on_page(here.get(SETUP))
    assert here.post(SETUP, {"code": code(key)}).status_code == 200

    assert is_signed_in_fully(here), "the session that turned it on stays signed in"
    response = elsewhere.get("/audits/mine/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert elsewhere.get("/api/audits/").status_code in (401, 403)
    # Signing in again there asks for the code.
    sign_in(elsewhere, auditor)
    assert elsewhere.get("/audits/mine/")["Location"].startswith(VERIFY)
