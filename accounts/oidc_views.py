"""The single sign-on pages: start, the provider's answer (callback), a refusal that says
why, sign-out (of the provider too), the sign-in page's button, and the group mapping a QA
lead reads. The rules are in accounts/oidc.py and core/services/roles.py."""

import logging
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST
from mozilla_django_oidc import views as oidc_views

from accounts.oidc import SSO_SESSION_KEY, oidc_enabled
from core.permissions import CONFIGURE_REFUSED, configure_allowed, require
from core.services.roles import group_grants, mapping_rows, role_changes_recent

logger = logging.getLogger(__name__)

PROVIDER_TROUBLE = (
    "The council’s sign-in service did not answer as expected, so you are not signed in. "
    "Try again in a few minutes. If it keeps happening, tell the council’s IT service desk."
)


class SignInView(auth_views.LoginView):
    """The password sign-in, with the council account's button above it when single sign-on
    is configured."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "sso_enabled": oidc_enabled()}


def _refused(request, message: str, status: int = 403):
    """Why not, and a way to sign out of the council account (to try another one): the
    provider's session is still on, so starting again would bring the same answer."""
    context = {"message": message, "provider_sign_out": _provider_sign_out_url(request)}
    return render(request, "registration/sso_refused.html", context, status=status)


class AuthenticateView(oidc_views.OIDCAuthenticationRequestView):
    """Sends the browser to the council's provider (with state, nonce and PKCE)."""

    def __init__(self, *args, **kwargs):
        if oidc_enabled():
            super().__init__(*args, **kwargs)

    def get(self, request):
        if not oidc_enabled():
            raise Http404("Single sign-on is not set up.")
        return super().get(request)


class CallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """The provider's answer: sign the person in, or say why not."""

    def get(self, request):
        if not oidc_enabled():
            raise Http404("Single sign-on is not set up.")
        try:
            return super().get(request)
        except (
            requests.RequestException,
            jwt.PyJWTError,
            SuspiciousOperation,
            ValueError,
        ) as error:
            # The provider is down or answered with something that does not check out (an
            # expired state, a token not for us): not signed in, and never a 500.
            logger.warning("sso: callback failed: %s", type(error).__name__)
            return _refused(request, PROVIDER_TROUBLE, status=502)

    def login_failure(self):
        refusal = getattr(self.request, "sso_refusal", None)
        if refusal is not None:
            return _refused(self.request, refusal.message)
        if self.request.GET.get("error"):
            logger.info("sso: the provider answered error=%s", self.request.GET["error"][:40])
        return _refused(self.request, PROVIDER_TROUBLE, status=502)

    def login_success(self):
        response = super().login_success()
        self.request.session[SSO_SESSION_KEY] = True
        return response


def _provider_sign_out_url(request) -> str | None:
    """The provider's end-session address (with this session's ID token, if it has one), when
    the provider has one."""
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


@require_POST
def sign_out(request):
    """Ends this session (the cookie is worthless afterwards) and, after a single sign-on
    with OIDC_OP_END_SESSION_ENDPOINT set, the provider's session too."""
    provider = _provider_sign_out_url(request) if request.session.get(SSO_SESSION_KEY) else None
    auth.logout(request)
    return HttpResponseRedirect(provider or reverse("login"))


@login_required
def sign_in_groups(request):
    """Which of the provider's groups gives which role, area and team (QA leads read it; the
    administrators change it in OIDC_GROUP_ROLES), and the latest changes it made."""
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    broken = ""
    rows: list[dict] = []
    try:
        group_grants()
        rows = mapping_rows()
    except ImproperlyConfigured as error:  # shown, so that the lead can report it
        broken = str(error)
    return render(
        request,
        "account/sign_in_groups.html",
        {
            "enabled": oidc_enabled(),
            "rows": rows,
            "broken": broken,
            "match_by": settings.OIDC_MATCH_BY,
            "create_users": settings.OIDC_CREATE_USERS,
            "skip_two_factor": settings.OIDC_SKIP_LOCAL_TWO_FACTOR,
            "groups_claim": settings.OIDC_GROUPS_CLAIM,
            "changes": role_changes_recent(),
        },
    )
