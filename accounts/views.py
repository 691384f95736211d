"""The two-factor sign-in pages: setting up the app, the code at sign-in, recovery codes, a new
app, turning it off. Every rule is in accounts/two_factor.py (its docstring explains the design);
these views read forms, call it and show the result."""

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.two_factor import (
    HAS_DEVICE_KEY,
    RECOVERY_CODES_LOW,
    SETUP,
    VERIFY,
    confirmed_device,
    next_step,
    recovery_codes_regenerate,
    setup_qr_device,
    step_url,
    two_factor_replace_app,
    two_factor_setup_confirm,
    two_factor_setup_start,
    two_factor_turn_off,
    two_factor_verify,
    two_factor_verify_recovery,
    url_with_next,
)
from core.errors import DomainError, add_service_errors
from core.models import RECOVERY_CODE_COUNT, RecoveryCodeDevice
from core.permissions import TWO_FACTOR_REQUIRED, require, two_factor_required


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


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        error_messages={
            "required": "Enter a recovery code",
            "max_length": "Enter the recovery code as 10 letters and numbers, like 7kx2m-q9wpt",
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = RecoveryCodeDevice.normalise(self.cleaned_data["code"])
        if not RecoveryCodeDevice.is_well_formed(code):
            raise forms.ValidationError(
                "Enter the recovery code as 10 letters and numbers, like 7kx2m-q9wpt"
            )
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


def _codes_left_message(remaining: int) -> str:
    left = {0: "no recovery codes", 1: "1 recovery code"}.get(
        remaining, f"{remaining} recovery codes"
    )
    if remaining > RECOVERY_CODES_LOW:
        return f"You signed in with a recovery code. You have {left} left."
    return format_html(
        'You signed in with a recovery code. You have {} left. <a class="govuk-link '
        'govuk-notification-banner__link" href="{}">Make new recovery codes</a>.',
        left,
        reverse("two_factor_recovery_codes"),
    )


def _show_recovery_codes(request, codes: list[str], continue_url: str):
    """The one page that ever shows the codes: the answer to the POST that made them."""
    return render(
        request,
        "account/two_factor_recovery_codes.html",
        {"codes": codes, "continue_url": continue_url},
    )


@login_required
def account(request):
    device = confirmed_device(request.user)
    recovery = RecoveryCodeDevice.objects.filter(authenticator=device).first() if device else None
    return render(
        request,
        "account/two_factor.html",
        {
            "device": device,
            "required": two_factor_required(request.user),
            "codes_left": recovery.remaining() if recovery else 0,
            "codes_made": RECOVERY_CODE_COUNT,
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
    device = two_factor_setup_start(request=request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor_setup_confirm(
                request=request, device=device, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, "Two-factor sign-in is on.")
            return _show_recovery_codes(
                request, codes, _next_path(request) or reverse("two_factor")
            )
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
    """The QR code of this session's set-up in progress, as an SVG image with no inline styles.

    Reachable before the code (a QA lead sets up at sign-in), so who may see it is decided in
    setup_qr_device: never another session's set-up, never a new app's before the code."""
    device = setup_qr_device(request)
    if device is None:
        raise Http404("No two-factor set-up in progress in this session.")
    out = io.BytesIO()
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    image.save(out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


def _unless_code_needed(request):
    """Where to send someone with no code to enter now (None if they have one to enter)."""
    step = next_step(request)
    if step == VERIFY and confirmed_device(request.user) is None:
        # The device was removed (an administrator reset a lost phone) since sign-in.
        request.session[HAS_DEVICE_KEY] = False
        step = next_step(request)
    if step == SETUP:
        return redirect(step_url(SETUP, _next_path(request)))
    if step is None:
        return _after_sign_in(request)
    return None


@login_required
def verify(request):
    elsewhere = _unless_code_needed(request)
    if elsewhere is not None:
        return elsewhere
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_verify(request=request, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            return _after_sign_in(request)
    next_path = _next_path(request)
    return render(
        request,
        "account/two_factor_verify.html",
        {
            "form": form,
            "next": next_path,
            "recovery_url": url_with_next("two_factor_recovery", next_path),
        },
    )


@login_required
def verify_recovery(request):
    elsewhere = _unless_code_needed(request)
    if elsewhere is not None:
        return elsewhere
    form = RecoveryCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            remaining = two_factor_verify_recovery(request=request, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.info(request, _codes_left_message(remaining))
            return _after_sign_in(request)
    next_path = _next_path(request)
    return render(
        request,
        "account/two_factor_recovery.html",
        {"form": form, "next": next_path, "back_url": step_url(VERIFY, next_path)},
    )


@login_required
def recovery_codes(request):
    if confirmed_device(request.user) is None:
        return redirect("two_factor")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = recovery_codes_regenerate(user=request.user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            return _show_recovery_codes(request, codes, reverse("two_factor"))
    return render(request, "account/two_factor_recovery_new.html", {"form": form})


@login_required
def turn_off(request):
    require(not two_factor_required(request.user), TWO_FACTOR_REQUIRED)
    if confirmed_device(request.user) is None:
        return redirect("two_factor")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor_turn_off(request=request, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("two_factor")
    return render(request, "account/two_factor_turn_off.html", {"form": form})


class NewAppForm(CodeForm):
    password = forms.CharField(
        label="Your password",
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "code"]


@login_required
def new_app(request):
    """A new phone, or a lost one after a recovery-code sign-in: set up the new app here."""
    if confirmed_device(request.user) is None:
        return redirect("two_factor_setup")
    device = two_factor_setup_start(request=request)
    form = NewAppForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor_replace_app(
                request=request,
                password=form.cleaned_data["password"],
                code=form.cleaned_data["code"],
            )
        except DomainError as error:
            add_service_errors(form, error, fallback="code")
        else:
            messages.success(
                request,
                "Your new authenticator app is set up. Codes from your old app no longer work.",
            )
            return _show_recovery_codes(request, codes, reverse("two_factor"))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request, "account/two_factor_new_app.html", {"form": form, "secret": _grouped(secret)}
    )
