"""Settings of single sign-on (OpenID Connect, mozilla-django-oidc) and of the council's details
shown on the public pages (accessibility statement, privacy notice, cookies), read from
environment variables. Imported at the end of config/settings.py.

Single sign-on is on when OIDC_RP_CLIENT_ID is set; then every endpoint it needs must be set
too, or the service refuses to start (naming what is missing). Without it, people sign in with
a local password (and two-factor), as councils without a provider and break-glass
administrators always do. accounts/oidc.py explains the rules.
"""

import json
import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ---------------------------------------------------------------- the council's details
# Shown on /accessibility-statement/, /privacy/ and /cookies/. Unset, the pages still read as
# plain sentences ("the council that runs this service"); a council sets all four.
COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "").strip()
COUNCIL_DPO_EMAIL = os.environ.get("COUNCIL_DPO_EMAIL", "").strip()
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "").strip()
# How long the council keeps audit records, in words ("6 years after the audit").
RECORDS_RETENTION_PERIOD = os.environ.get("RECORDS_RETENTION_PERIOD", "").strip()
# Messages ("Two-factor sign-in is on.") live in the session, never in a cookie of their own:
# the service sets the session and CSRF cookies and nothing else (the cookies page says so).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# ---------------------------------------------------------------- single sign-on (OIDC)
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "").strip()
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "").strip()
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "").strip()
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "").strip()
# Optional: with it, signing out of the service signs out of the provider too.
OIDC_OP_END_SESSION_ENDPOINT = os.environ.get("OIDC_OP_END_SESSION_ENDPOINT", "").strip()
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256").strip()
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile").strip()
# "email": a person is their account with that e-mail address (the subject is then stored
# and must stay the same); "subject": only the provider's subject identifier is matched.
OIDC_MATCH_BY = os.environ.get("OIDC_MATCH_BY", "email").strip().lower()
# Create an account at the first sign-in of someone in a mapped group; off, only people who
# already have an account may sign in.
OIDC_CREATE_USERS = _env_bool("OIDC_CREATE_USERS", True)
# The claim that lists a person's groups (Microsoft Entra ID: "groups", object ids or names).
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups").strip()
# The provider asks for the second factor (its conditional access or MFA policy), so a
# sign-in through it is not asked for the service's own code. Set 0 to ask for both.
OIDC_SKIP_LOCAL_TWO_FACTOR = _env_bool("OIDC_SKIP_LOCAL_TWO_FACTOR", True)
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))
try:
    # Group -> roles, service areas and team (core/services/roles.py reads it).
    OIDC_GROUP_ROLES = json.loads(os.environ.get("OIDC_GROUP_ROLES", "") or "{}")
except json.JSONDecodeError as error:
    raise ImproperlyConfigured(f"OIDC_GROUP_ROLES is not valid JSON: {error}") from error
if not isinstance(OIDC_GROUP_ROLES, dict):
    raise ImproperlyConfigured("OIDC_GROUP_ROLES must be a JSON object: group -> roles.")
if OIDC_MATCH_BY not in ("email", "subject"):
    raise ImproperlyConfigured("OIDC_MATCH_BY must be email or subject.")

OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    _missing = [
        name
        for name in (
            "OIDC_RP_CLIENT_SECRET",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_USER_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
            "OIDC_GROUP_ROLES",
        )
        if not globals()[name]
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are not: "
            + ", ".join(_missing)
        )

# mozilla-django-oidc's own settings, fixed here.
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's sign-out (id_token_hint)


def with_provider_sign_out(policy: dict, end_session_endpoint: str) -> dict:
    """The Content Security Policy allowing sign-out's form to end at the provider: signing out
    posts a form whose answer redirects there, and form-action governs that redirect too."""
    if not end_session_endpoint:
        return policy
    parts = urlsplit(end_session_endpoint)
    directives = dict(policy["DIRECTIVES"])
    directives["form-action"] = [*directives["form-action"], f"{parts.scheme}://{parts.netloc}"]
    return {**policy, "DIRECTIVES": directives}
