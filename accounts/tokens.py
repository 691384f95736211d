"""API tokens: issued, checked and revoked here (the token itself is django-rest-knox's: a random
string handed out once, kept only as a SHA-512 digest, with an expiry).

A token stands for the credentials it was issued on, and is revoked when they change:
- a password change: each token keeps a keyed stamp of the password hash, as Django's sessions
  do, so a password changed anywhere (the admin, `changepassword`) ends it;
- deactivation;
- two-factor sign-in turned on, or a role that requires it, when the token was issued on the
  password alone; a token issued after an app's code goes with that app (on_delete).
The services revoke at once where the change is theirs (two_factor_setup_confirm); changes made
in the Django admin have no service, so every rule is checked again each time a token is used
(api_token_refusal), and a refused token is deleted with a 401 that says why.
"""

import datetime as dt
import logging
from hmac import compare_digest

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.crypto import hash_token
from knox.settings import CONSTANTS

from core.errors import DomainError
from core.models import ApiToken
from core.permissions import two_factor_required

logger = logging.getLogger(__name__)

PASSWORD_STAMP_SALT = "audits.api_tokens.password_stamp"


def password_stamp(user, secret=None) -> str:
    """A keyed digest of the user's password hash: it changes whenever the password does."""
    return salted_hmac(
        PASSWORD_STAMP_SALT, user.password, secret=secret, algorithm="sha256"
    ).hexdigest()


def _password_unchanged(token: ApiToken) -> bool:
    secrets = [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        compare_digest(token.password_stamp, password_stamp(token.user, secret))
        for secret in secrets
    )


def api_token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=settings.API_TOKEN_TTL)


def api_token_issue(*, user, device: TOTPDevice | None) -> tuple[ApiToken, str]:
    """A new token for the user, issued after `device`'s code (None: on the password alone, for
    someone without two-factor sign-in). The token itself is returned once and never kept."""

    if not user.is_active:
        raise DomainError("This account is deactivated: no API token can be issued.")
    if device is None and two_factor_required(user):
        raise DomainError(
            "Set up two-factor sign-in on the website before asking for an API token."
        )
    ApiToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, token = ApiToken.objects.create(
        user, expiry=api_token_ttl(), device=device, password_stamp=password_stamp(user)
    )
    logger.info("api token: issued user_id=%s expiry=%s", user.pk, instance.expiry.isoformat())
    return instance, token


def api_tokens_revoke(*, user, reason: str) -> int:
    """Revoke every token of the user; the number revoked."""
    revoked, _ = ApiToken.objects.filter(user=user).delete()
    if revoked:
        logger.info("api token: %s revoked user_id=%s reason=%s", revoked, user.pk, reason)
    return revoked


def api_token_revoke(*, token: ApiToken, reason: str) -> None:
    """Revoke one token (it was refused when used)."""
    ApiToken.objects.filter(pk=token.pk).delete()
    logger.info("api token: revoked user_id=%s reason=%s", token.user_id, reason)


def api_token_find(*, token: str) -> ApiToken | None:
    """The stored token whose digest matches, with its user and app; None if there is none."""
    candidates = ApiToken.objects.filter(
        token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]
    ).select_related("user", "device")
    digest = hash_token(token)
    return next((c for c in candidates if compare_digest(digest, c.digest)), None)


def api_token_refusal(*, token: ApiToken) -> str | None:
    """Why this token may no longer be used (a message for its holder), or None if it may."""

    user = token.user
    if token.expiry is not None and token.expiry <= timezone.now():
        return "This API token has expired. Ask for a new one: POST /api/token/."
    if not user.is_active:
        return "This account is deactivated: its API tokens no longer work."
    if not _password_unchanged(token):
        return (
            "The password was changed after this API token was issued, so it no longer works. "
            "Ask for a new one: POST /api/token/."
        )
    if token.device is not None:
        if token.device.confirmed:
            return None
        return "The authenticator app this API token was issued with is no longer set up."
    if two_factor_required(user):
        return (
            "Your role requires two-factor sign-in, and this API token was issued without it. "
            "Set up two-factor sign-in on the website, then ask for a new token with a code."
        )
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return (
            "Two-factor sign-in was turned on after this API token was issued, so it no longer "
            "works. Ask for a new one with a code from your app: POST /api/token/."
        )
    return None
