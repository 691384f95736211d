"""Single sign-on through the council's OpenID Connect provider (mozilla-django-oidc).

The library runs the authorization code flow (with PKCE and a nonce) and checks the ID token's
signature against the provider's keys; this module adds the checks it leaves out (the token's
audience is this service, its issuer the configured provider, the userinfo is about the same
subject) and decides who may come in:

- A person is matched by e-mail (OIDC_MATCH_BY=email, the default: their account's address,
  case-insensitive; the provider's subject is then stored and must stay the same, and finds
  them if their address changes) or by subject (OIDC_MATCH_BY=subject: only the stored one).
  No match: an account is created when OIDC_CREATE_USERS is on (the default), else the
  person is refused.
- Roles, service areas and team come from the provider's groups (core/services/roles.py, the
  one rule), set at every sign-in and recorded. Someone none of whose groups is mapped is
  refused, and loses whatever roles they had.
- Administrators (staff or superuser accounts) never sign in this way: they are the
  break-glass accounts, with a local password and two-factor code, that must work when the
  provider does not.
- The provider asks for the second factor, so a single sign-on session is not asked for the
  service's own code (OIDC_SKIP_LOCAL_TWO_FACTOR, default on; accounts/two_factor.next_step).

A refusal is a page saying why (accounts/oidc_views.py), never a 500; the log names the
reason and the user's id, never a name or an e-mail address.
"""

import logging

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from core.models import User
from core.services.roles import (
    FROM_PROVIDER,
    access_from_groups,
    group_grants,
    person_create_from_provider,
    person_update_from_provider,
    user_access_set,
)

logger = logging.getLogger(__name__)

# Set on the session of a single sign-on: sign-out then also ends the provider's session, and
# the service's own two-factor code is not asked (OIDC_SKIP_LOCAL_TWO_FACTOR).
SSO_SESSION_KEY = "signed_in_with_sso"


class SignInRefused(Exception):
    """Why a person the provider vouched for may not come in: the page shows the message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


NO_MAPPED_GROUP = (
    "Your council account is not in any group that gives a role in this service. If you need "
    "to use it, ask your QA lead to have you added to the right group."
)
NO_ACCOUNT = (
    "There is no account in this service for your council account, and accounts are not "
    "made at sign-in. Ask your QA lead to have an account made for you."
)
NO_EMAIL = "Your council account did not give an e-mail address, so it cannot be matched."
MANY_ACCOUNTS = (
    "More than one account in this service has your e-mail address. Ask the service’s "
    "administrators to remove the duplicate."
)
OTHER_SUBJECT = (
    "The account with your e-mail address is linked to a different council account. Ask the "
    "service’s administrators to check it."
)
DEACTIVATED = "Your account in this service has been deactivated."
ADMINISTRATOR = (
    "Administrator accounts sign in with their own password and two-factor code, not with a "
    "council account."
)
MAPPING_BROKEN = (
    "The service’s list of which groups give which roles is wrong, so nobody can sign in with "
    "a council account until it is fixed. Tell the service’s administrators."
)


def is_single_sign_on(request, credentials: dict | None = None) -> bool:
    """django-axes' AXES_WHITELIST_CALLABLE: the provider's answer is not a password guess.
    Axes counts failed passwords per username and address; a refused single sign-on has no
    username, so counting it would lock everyone at that address out after five."""
    return credentials is not None and "nonce" in credentials


def check_group_mapping(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check (manage.py check, migrate, runserver): OIDC_GROUP_ROLES names only the
    service's roles and has the right shape, so a typo stops the deploy, not the sign-ins."""
    try:
        group_grants()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="accounts.E001")]
    return []


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _match(claims: dict) -> User | None:
    subject = _claim(claims, "sub")
    if settings.OIDC_MATCH_BY == "subject":
        return User.objects.filter(oidc_subject=subject).first()
    email = _claim(claims, "email")
    if not email or claims.get("email_verified") is False:
        raise SignInRefused("no_email", NO_EMAIL)
    users = list(User.objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise SignInRefused("many_accounts", MANY_ACCOUNTS)
    if not users:
        # Their e-mail address changed at the provider: the subject still says who they are.
        return User.objects.filter(oidc_subject=subject).first()
    user = users[0]
    if user.oidc_subject and user.oidc_subject != subject:
        raise SignInRefused("other_subject", OTHER_SUBJECT)
    return user


def _username(claims: dict) -> str:
    """The new account's username: the e-mail address (or the preferred username), unless
    taken; then one from the subject, which is unique."""
    for candidate in (_claim(claims, "email"), _claim(claims, "preferred_username")):
        fits = candidate and len(candidate) <= 150
        if fits and not User.objects.filter(username__iexact=candidate).exists():
            return candidate
    return f"sso-{_claim(claims, 'sub')}"[:150]


def sign_in_person(claims: dict) -> User:
    """The account this verified person signs in as, their roles set from their groups; or
    SignInRefused saying why not."""
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    try:
        access = access_from_groups([g for g in groups if isinstance(g, str)])
    except ImproperlyConfigured as error:
        logger.error("sso: the group mapping is wrong: %s", error)
        raise SignInRefused("mapping_broken", MAPPING_BROKEN) from error
    user = _match(claims)
    if user is not None and (user.is_staff or user.is_superuser):
        raise SignInRefused("administrator", ADMINISTRATOR)
    if user is not None and not user.is_active:
        raise SignInRefused("deactivated", DEACTIVATED)
    if user is None and not access.roles:
        raise SignInRefused("no_mapped_group", NO_MAPPED_GROUP)
    if user is None and not settings.OIDC_CREATE_USERS:
        raise SignInRefused("no_account", NO_ACCOUNT)
    details = {
        "email": _claim(claims, "email"),
        "first_name": _claim(claims, "given_name")[:150],
        "last_name": _claim(claims, "family_name")[:150],
        "subject": _claim(claims, "sub"),
    }
    with transaction.atomic():
        if user is None:
            user = person_create_from_provider(username=_username(claims), **details)
            logger.info("sso: account created user_id=%s", user.pk)
        else:
            user = person_update_from_provider(user=user, **details)
        changes = user_access_set(user=user, access=access, actor=None, reason=FROM_PROVIDER)
    if changes:
        logger.info("sso: %s role changes from the provider user_id=%s", len(changes), user.pk)
    if not access.roles:
        raise SignInRefused("no_mapped_group", NO_MAPPED_GROUP)
    return user


class CouncilOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with this service's rules (the module's docstring). Listed
    in AUTHENTICATION_BACKENDS always; without OIDC_RP_CLIENT_ID it authenticates nobody."""

    def __init__(self, *args, **kwargs):
        self.enabled = oidc_enabled()
        if self.enabled:
            super().__init__(*args, **kwargs)

    def authenticate(self, request, **kwargs):
        if not self.enabled or request is None or "nonce" not in kwargs:
            return None  # a password sign-in, or single sign-on is off
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is not for this service (aud).")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token is not from the configured provider (iss).")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims with the userinfo endpoint's added (groups may be in
        either: Microsoft Entra ID puts them in the ID token only)."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo is about another subject than the ID token.")
        return {**payload, **userinfo}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not _claim(claims, "sub"):
            raise SuspiciousOperation("The ID token has no subject.")
        try:
            return sign_in_person(claims)
        except SignInRefused as refusal:
            # Read by the callback view, which shows the reason.
            self.request.sso_refusal = refusal
            logger.info("sso: sign-in refused reason=%s", refusal.code)
            return None
