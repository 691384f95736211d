"""Two-factor sign-in (TOTP, django-otp): offered to everyone, required for QA leads and
administrators.

Sign-in has two steps. The password (Django's LoginView, counted by django-axes) signs the
person in; then, for anyone with a confirmed authenticator app and for everyone who must have
one, TwoFactorMiddleware (accounts/middleware.py) allows nothing but these pages and sign-out until
a code verifies the session. django-otp's OTPMiddleware reads that verification from the session
on every request, so deleting the device in the admin ends it at once.

Codes are checked by django-otp under a row lock: a code at or before the last accepted one is
refused (so a code works once), and each wrong code doubles the wait before the next try
(OTP_TOTP_THROTTLE_FACTOR). The log names the user's id and the event, never a code.

Recovery codes are for someone who has lost their phone: turning the app on makes 10 single-use
codes, shown once on the page that answers that POST (never kept in the session, never cached)
and stored only as keyed digests (core.models.RecoveryCodeDevice). One signs in in place of
the app's code; each refused one doubles the wait as the app's codes do. A fresh code from the
app makes new ones in place of the old; turning the app off, or an administrator removing it,
removes them with it. Someone with a new phone, or who signed in with a recovery code because
the app is lost, sets up the new app themselves: their password again and a code from the new
app replace the old app and all the old recovery codes (two_factor_replace_app).

API tokens stand for both factors: POST /api/token/ asks for the code from anyone with an
authenticator app and gives QA leads and administrators without one no token at all; otherwise
tokens come from an administrator (`manage.py issue_token`). It takes only the app's code,
never a recovery code. Token requests are therefore not asked for a code again; only session
requests to the API are (403 until verified).
"""

import datetime as dt
import logging
import math
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.oidc import SSO_SESSION_KEY
from accounts.tokens import api_tokens_revoke
from core.errors import DomainError
from core.models import RECOVERY_CODE_COUNT, RecoveryCode, RecoveryCodeDevice
from core.permissions import TWO_FACTOR_REQUIRED, require, two_factor_required

logger = logging.getLogger(__name__)

# Whether the signed-in user has a confirmed device, noted at sign-in so that the middleware
# needs no query on each request of a person who does not use two-factor sign-in.
HAS_DEVICE_KEY = "two_factor_device"
# The unconfirmed device this session is setting up: one per session, never shared.
SETUP_DEVICE_KEY = "two_factor_setup_device"
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# At or below this many unused recovery codes, the person is told to make new ones.
RECOVERY_CODES_LOW = 3
SETUP, VERIFY = "setup", "verify"


# ---------------------------------------------------------------- who needs what


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def setup_device(request) -> TOTPDevice | None:
    """This session's set-up in progress (its QR code shown, no code entered yet), if any.

    A set-up belongs to the session that started it: another session of the same person (or
    of someone who has only their password) never sees its secret."""
    pk = request.session.get(SETUP_DEVICE_KEY)
    if pk is None:
        return None
    return TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first()


def setup_qr_device(request) -> TOTPDevice | None:
    """The device whose QR code this session may see: its own set-up, and only while it is
    setting up. Someone with a confirmed app must have entered a code from it first (they are
    replacing it); otherwise the password alone would read the new app's secret."""
    device = setup_device(request)
    if device is None:
        return None
    if confirmed_device(request.user) is not None and not request.user.is_verified():
        return None
    return device


def _has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def note_device_at_sign_in(sender, request, user, **kwargs):
    """user_logged_in receiver: remember for this session whether a code will be asked."""
    has_device = _has_device(user)
    request.session[HAS_DEVICE_KEY] = has_device
    if has_device or two_factor_required(user):
        logger.info("sign-in: password accepted, code needed user_id=%s", user.pk)


def next_step(request) -> str | None:
    """SETUP or VERIFY if the signed-in user must do that before anything else; else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    if request.session.get(SSO_SESSION_KEY) and settings.OIDC_SKIP_LOCAL_TWO_FACTOR:
        return None  # the council's provider asked for the second factor (accounts/oidc.py)
    has_device = request.session.get(HAS_DEVICE_KEY)
    if has_device is None:  # a session from before two-factor sign-in existed
        has_device = _has_device(user)
        request.session[HAS_DEVICE_KEY] = has_device
    if has_device:
        return VERIFY
    if two_factor_required(user):
        return SETUP
    return None


def step_url(step: str, next_path: str = "") -> str:
    return url_with_next("two_factor_verify" if step == VERIFY else "two_factor_setup", next_path)


def url_with_next(url_name: str, next_path: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def exempt_paths() -> tuple[str, ...]:
    """What an unverified person may still reach: these pages, sign-out, the public pages
    (accessibility, privacy, cookies) and static files."""
    return (
        reverse("logout"),
        reverse("accessibility_statement"),
        reverse("privacy"),
        reverse("cookies"),
        reverse("two_factor_setup"),
        reverse("two_factor_qr"),
        reverse("two_factor_verify"),
        reverse("two_factor_recovery"),
    )


# ---------------------------------------------------------------- services


def two_factor_setup_start(*, request) -> TOTPDevice:
    """This session's unconfirmed device: the same secret on every visit of this session until
    it is confirmed, a fresh one for any other session."""
    device = setup_device(request)
    if device is None:
        # Set-ups abandoned longer ago than any session lasts can never be finished.
        stale = timezone.now() - dt.timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT)
        TOTPDevice.objects.filter(user=request.user, confirmed=False, created_at__lt=stale).delete()
        device = TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
        request.session[SETUP_DEVICE_KEY] = device.pk
    return device


def sessions_end_others(*, request) -> int:
    """Sign the person out of every session but this one; the number ended.

    The session table has no user column, so each live session is decoded: this runs only
    when someone turns two-factor sign-in on, and sessions last at most a working day."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = (
        store.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .exclude(session_key=request.session.session_key)
        .values_list("session_key", "session_data")
    )
    user_id = str(request.user.pk)
    ended = 0
    for key, data in rows.iterator():
        if str(store().decode(data).get(SESSION_KEY)) == user_id:
            store(session_key=key).delete()
            ended += 1
    return ended


def _check_code(*, user, device: TOTPDevice, code: str) -> TOTPDevice:
    """The device, locked and updated, if the code is right and not used before; else an error."""
    device = TOTPDevice.objects.filter(pk=device.pk).first() or device
    allowed, details = device.verify_is_allowed()
    if not allowed and details and details.get("locked_until"):
        wait = max(1, math.ceil((details["locked_until"] - timezone.now()).total_seconds()))
        logger.warning("two-factor: code refused, throttled user_id=%s", user.pk)
        raise DomainError(
            f"You have entered too many wrong codes. Wait {wait} seconds, then enter the "
            "code your app shows now."
        )
    # verify_token locks the device row and commits the throttle count even when the code is
    # wrong, so this must not run inside a transaction that the error would roll back.
    verified = verify_token(user, device.persistent_id, code)
    if verified is not None:
        return verified
    logger.warning("two-factor: wrong or used code user_id=%s", user.pk)
    raise DomainError(
        "The code is wrong or has been used. Enter the code your authenticator app shows now."
    )


def two_factor_setup_confirm(*, request, device: TOTPDevice, code: str) -> list[str]:
    """Turn two-factor sign-in on with the first right code, verify this session, and return
    the new recovery codes (to be shown once)."""
    device = _check_code(user=request.user, device=device, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        # Every other set-up in progress goes, whichever session started it.
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        codes = recovery_codes_replace(device=device)
        # Tokens issued on the password alone no longer stand for this person.
        api_tokens_revoke(user=request.user, reason="two-factor sign-in turned on")
    # A new session key for the raised trust, and no session left on the password alone.
    request.session.cycle_key()
    request.session.pop(SETUP_DEVICE_KEY, None)
    ended = sessions_end_others(request=request)
    otp_login(request, device)
    request.session[HAS_DEVICE_KEY] = True
    logger.info("two-factor: turned on user_id=%s other_sessions_ended=%s", request.user.pk, ended)
    return codes


def two_factor_verify(*, request, code: str) -> TOTPDevice:
    """The second step of sign-in: a right code verifies this session."""
    device = confirmed_device(request.user)
    if device is None:
        raise DomainError("Set up two-factor sign-in first.")
    device = _check_code(user=request.user, device=device, code=code)
    otp_login(request, device)
    logger.info("two-factor: session verified user_id=%s", request.user.pk)
    return device


def two_factor_token_check(*, user, code: str) -> None:
    """For POST /api/token/: a password is enough only for someone without two-factor sign-in.

    Only the authenticator app's code is taken, never a recovery code: those are for signing
    in to the website when the app is lost, and a token outlives the session they verify."""
    device = confirmed_device(user)
    if device is None:
        if two_factor_required(user):
            raise DomainError(
                "Set up two-factor sign-in on the website before asking for an API token."
            )
        return
    if not code:
        raise DomainError('Two-factor sign-in is on: send the code from your app as "code".')
    _check_code(user=user, device=device, code=code)
    logger.info("two-factor: API token code accepted user_id=%s", user.pk)


def two_factor_turn_off(*, request, code: str) -> None:
    """Remove the user's authenticator app, once a fresh code shows they still hold it."""
    user = request.user
    require(not two_factor_required(user), TWO_FACTOR_REQUIRED)
    device = confirmed_device(user)
    if device is None:
        raise DomainError("Two-factor sign-in is already off.")
    _check_code(user=user, device=device, code=code)
    with transaction.atomic():
        # The recovery codes would go with the app anyway (on_delete); said here to be seen.
        RecoveryCodeDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[HAS_DEVICE_KEY] = False
    logger.info("two-factor: turned off user_id=%s", user.pk)


def recovery_codes_replace(*, device: TOTPDevice) -> list[str]:
    """New recovery codes for the owner of this app, in place of any they had."""
    codes = [RecoveryCodeDevice.new_code() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user_id=device.user_id).exclude(
            authenticator=device
        ).delete()
        recovery, _ = RecoveryCodeDevice.objects.get_or_create(
            user_id=device.user_id, authenticator=device, defaults={"name": RECOVERY_DEVICE_NAME}
        )
        # Locked as verify_token locks it: a code checked meanwhile meets old codes or new.
        RecoveryCodeDevice.objects.select_for_update().filter(pk=recovery.pk).first()
        recovery.codes.all().delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(device=recovery, digest=recovery.digests(code)[0]) for code in codes
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_codes_regenerate(*, user, code: str) -> list[str]:
    """New recovery codes in place of the old ones, once a fresh code shows the app is at hand."""
    device = confirmed_device(user)
    if device is None:
        raise DomainError("Turn on two-factor sign-in first.")
    device = _check_code(user=user, device=device, code=code)
    codes = recovery_codes_replace(device=device)
    logger.info("two-factor: new recovery codes user_id=%s", user.pk)
    return codes


def recovery_code_check(*, user, code: str) -> tuple[RecoveryCodeDevice, int]:
    """The recovery device and how many codes are left, if the code is right and unused (it is
    then used up); else an error saying why."""
    device = RecoveryCodeDevice.objects.filter(user=user).first()
    if device is None:
        raise DomainError(
            "You have no recovery codes. Ask your system administrator to reset two-factor sign-in."
        )
    # Like the app's codes, this commits the throttle count even when the code is wrong, so it
    # must not run inside a transaction that the error would roll back.
    if device.verify_token(code):
        remaining = device.remaining()
        logger.info("two-factor: recovery code used user_id=%s remaining=%s", user.pk, remaining)
        return device, remaining
    if device.refusal == device.THROTTLED:
        wait = max(1, math.ceil((device.locked_until - timezone.now()).total_seconds()))
        logger.warning("two-factor: recovery code refused, throttled user_id=%s", user.pk)
        raise DomainError(
            f"You have entered too many wrong codes. Wait {wait} seconds, then enter a "
            "recovery code."
        )
    if device.refusal == device.USED:
        logger.warning("two-factor: used recovery code refused user_id=%s", user.pk)
        raise DomainError(
            "That recovery code has been used. Each code works once: enter one you have not used."
        )
    logger.warning("two-factor: wrong recovery code user_id=%s", user.pk)
    raise DomainError(
        "That is not one of your recovery codes. Check it against the codes you saved."
    )


def two_factor_verify_recovery(*, request, code: str) -> int:
    """The second step of sign-in with a recovery code instead of the app; the codes left."""
    device, remaining = recovery_code_check(user=request.user, code=code)
    otp_login(request, device)
    return remaining


def two_factor_replace_app(*, request, password: str, code: str) -> list[str]:
    """Put a new authenticator app in place of the old one (a new phone, or a lost one after a
    recovery-code sign-in): the password again, and a right code from the new app. The old
    app's codes and every old recovery code stop working; the new recovery codes are returned
    (to be shown once). Someone who has neither app nor recovery codes needs an administrator.
    """
    user = request.user
    if confirmed_device(user) is None:
        raise DomainError("Two-factor sign-in is off: set it up instead.")
    require(user.is_verified(), "Enter a code from your app or a recovery code first.")
    # authenticate() goes through django-axes, so wrong passwords here count towards a lockout.
    if authenticate(request, username=user.get_username(), password=password) is None:
        logger.warning("two-factor: new app refused, wrong password user_id=%s", user.pk)
        message = "Your password is wrong. Enter the password you signed in with."
        raise DomainError(message, field_errors={"password": [message]})
    device = setup_device(request)
    if device is None:
        raise DomainError("Scan the QR code again: the set-up was not found.")
    try:
        device = _check_code(user=user, device=device, code=code)
    except DomainError as error:
        raise DomainError(error.message, field_errors={"code": [error.message]}) from error
    with transaction.atomic():
        # The old app goes, and its recovery codes with it (on_delete), before the new one is
        # confirmed: at no moment does the person have two apps.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        codes = recovery_codes_replace(device=device)
    request.session.pop(SETUP_DEVICE_KEY, None)
    otp_login(request, device)
    request.session[HAS_DEVICE_KEY] = True
    logger.info("two-factor: new app set up user_id=%s", user.pk)
    return codes
