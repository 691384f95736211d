"""Two-factor sign-in (TOTP, django-otp): offered to everyone, required for QA leads and
administrators.

Sign-in has two steps. The password (Django's LoginView, counted by django-axes) signs the
person in; then, for anyone with a confirmed authenticator app and for everyone who must have
one, TwoFactorMiddleware (config/middleware.py) allows nothing but these pages and sign-out until
a code verifies the session. django-otp's OTPMiddleware reads that verification from the session
on every request, so deleting the device in the admin ends it at once.

Codes are checked by django-otp under a row lock: a code at or before the last accepted one is
refused (so a code works once), and each wrong code doubles the wait before the next try
(OTP_TOTP_THROTTLE_FACTOR). The log names the user's id and the event, never a code.

API tokens stand for both factors: POST /api/token/ asks for the code from anyone with an
authenticator app and gives QA leads and administrators without one no token at all; otherwise
tokens come from an administrator (`manage.py issue_token`). Token requests are therefore not
asked for a code again; only session requests to the API are (403 until verified).
"""

import base64
import io
import logging
import math

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import DEVICE_ID_SESSION_KEY, verify_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from audits.errors import DomainError

logger = logging.getLogger(__name__)

# Whether the signed-in user has a confirmed device, noted at sign-in so that the middleware
# needs no query on each request of a person who does not use two-factor sign-in.
HAS_DEVICE_KEY = "two_factor_device"
DEVICE_NAME = "Authenticator app"
SETUP, VERIFY = "setup", "verify"


# ---------------------------------------------------------------- who needs what


def two_factor_required(user) -> bool:
    """QA leads and administrators may not use the service on a password alone."""
    return bool(user.is_superuser or user.is_staff or user.is_qa_lead)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def unconfirmed_device(user) -> TOTPDevice | None:
    """The device of a set-up in progress (its QR code shown, no code entered yet)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()


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
    url = reverse("two_factor_verify" if step == VERIFY else "two_factor_setup")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def exempt_paths() -> tuple[str, ...]:
    """What an unverified person may still reach: these pages, sign-out and static files."""
    return (
        reverse("logout"),
        reverse("two_factor_setup"),
        reverse("two_factor_qr"),
        reverse("two_factor_verify"),
    )


# ---------------------------------------------------------------- services


def two_factor_setup_start(*, user) -> TOTPDevice:
    """The user's unconfirmed device (the same secret on every visit until it is confirmed)."""
    device = unconfirmed_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


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


def two_factor_setup_confirm(*, request, device: TOTPDevice, code: str) -> TOTPDevice:
    """Turn two-factor sign-in on with the first right code, and verify this session."""
    device = _check_code(user=request.user, device=device, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    otp_login(request, device)
    request.session[HAS_DEVICE_KEY] = True
    logger.info("two-factor: turned on user_id=%s", request.user.pk)
    return device


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
    """For POST /api/token/: a password is enough only for someone without two-factor sign-in."""
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
    if two_factor_required(user):
        raise PermissionDenied("QA leads and administrators must use two-factor sign-in.")
    device = confirmed_device(user)
    if device is None:
        raise DomainError("Two-factor sign-in is already off.")
    _check_code(user=user, device=device, code=code)
    TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[HAS_DEVICE_KEY] = False
    logger.info("two-factor: turned off user_id=%s", user.pk)


# ---------------------------------------------------------------- pages


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 digits, like 123456")
        return code


def _next_path(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _after_sign_in(request):
    return redirect(_next_path(request) or resolve_url("home"))


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def account(request):
    return render(
        request,
        "account/two_factor.html",
        {
            "device": confirmed_device(request.user),
            "required": two_factor_required(request.user),
        },
    )


@login_required
def setup(request):
    user = request.user
    if confirmed_device(user) is not None:
        if next_step(request) == VERIFY:
            return redirect(step_url(VERIFY, _next_path(request)))
        messages.info(request, "Two-factor sign-in is already on.")
        return redirect("two_factor")
    device = two_factor_setup_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_setup_confirm(request=request, device=device, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, "Two-factor sign-in is on.")
            return redirect(_next_path(request) or "two_factor")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "account/two_factor_setup.html",
        {
            "form": form,
            "secret": _grouped(secret),
            "required": two_factor_required(user),
            "forced": next_step(request) == SETUP,
            "next": _next_path(request),
        },
    )


@login_required
def qr_code(request):
    """The QR code of the user's unconfirmed device, as an SVG image with no inline styles."""
    device = unconfirmed_device(request.user)
    if device is None:
        raise Http404("No two-factor set-up in progress.")
    out = io.BytesIO()
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    image.save(out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
def verify(request):
    step = next_step(request)
    if step is None:
        return _after_sign_in(request)
    if step == VERIFY and confirmed_device(request.user) is None:
        # The device was removed (an administrator reset a lost phone) since sign-in.
        request.session[HAS_DEVICE_KEY] = False
        step = next_step(request)
    if step == SETUP:
        return redirect(step_url(SETUP, _next_path(request)))
    if step is None:
        return _after_sign_in(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_verify(request=request, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            return _after_sign_in(request)
    return render(
        request, "account/two_factor_verify.html", {"form": form, "next": _next_path(request)}
    )


@login_required
def turn_off(request):
    if two_factor_required(request.user):
        raise PermissionDenied("QA leads and administrators must use two-factor sign-in.")
    if confirmed_device(request.user) is None:
        return redirect("two_factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_turn_off(request=request, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("two_factor")
    return render(request, "account/two_factor_turn_off.html", {"form": form})
