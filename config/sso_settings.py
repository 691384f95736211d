"""Settings of single sign-on (OpenID Connect, mozilla-django-oidc) and of the council's details
shown on the public pages (accessibility statement, privacy notice, cookies), read from
environment variables through django-environ (config/environment.py), as every setting is.
Imported at the end of config/settings.py.

Single sign-on is on when OIDC_RP_CLIENT_ID is set; then every endpoint it needs must be set
too, or the service refuses to start: what is missing or invalid here (SSO_PROBLEMS) goes into
the settings' one refusal message, with any other missing variable. Without it, people sign in with
a local password (and two-factor), as councils without a provider and break-glass
administrators always do. accounts/oidc.py explains the rules.
"""

import json
from urllib.parse import urlsplit

from config.environment import env

# Refused at the end of config/settings.py, in its one message, DEBUG or not.
SSO_PROBLEMS: list[str] = []


# ---------------------------------------------------------------- the council's details
# Shown on /accessibility-statement/, /privacy/ and /cookies/. Unset, the pages still read as
# plain sentences ("the council that runs this service"); a council sets all four.
COUNCIL_NAME = env.str("COUNCIL_NAME", default="").strip()
COUNCIL_DPO_EMAIL = env.str("COUNCIL_DPO_EMAIL", default="").strip()
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="").strip()
# How long the council keeps audit records, in words ("6 years after the audit").
RECORDS_RETENTION_PERIOD = env.str("RECORDS_RETENTION_PERIOD", default="").strip()
# Messages ("Two-factor sign-in is on.") live in the session, never in a cookie of their own:
# the service sets the session and CSRF cookies and nothing else (the cookies page says so).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# ---------------------------------------------------------------- single sign-on (OIDC)
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="").strip()
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="").strip()
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="").strip()
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="").strip()
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="").strip()
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="").strip()
# Optional: with it, signing out of the service signs out of the provider too.
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_OP_END_SESSION_ENDPOINT", default="").strip()
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256").strip()
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile").strip()
# "email": a person is their account with that e-mail address (the subject is then stored
# and must stay the same); "subject": only the provider's subject identifier is matched.
OIDC_MATCH_BY = env.str("OIDC_MATCH_BY", default="email").strip().lower()
# Create an account at the first sign-in of someone in a mapped group; off, only people who
# already have an account may sign in.
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=True)
# The claim that lists a person's groups (Microsoft Entra ID: "groups", object ids or names).
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups").strip()
# The provider asks for the second factor (its conditional access or MFA policy), so a
# sign-in through it is not asked for the service's own code. Set 0 to ask for both.
OIDC_SKIP_LOCAL_TWO_FACTOR = env.bool("OIDC_SKIP_LOCAL_TWO_FACTOR", default=True)
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# Group -> roles, service areas and team (core/services/roles.py reads it).
OIDC_GROUP_ROLES: dict = {}
try:
    _group_roles = json.loads(env.str("OIDC_GROUP_ROLES", default="") or "{}")
except json.JSONDecodeError as error:
    SSO_PROBLEMS.append(f"OIDC_GROUP_ROLES is not valid JSON: {error}")
else:
    if isinstance(_group_roles, dict):
        OIDC_GROUP_ROLES = _group_roles
    else:
        SSO_PROBLEMS.append("OIDC_GROUP_ROLES must be a JSON object: group -> roles")
if OIDC_MATCH_BY not in ("email", "subject"):
    SSO_PROBLEMS.append("OIDC_MATCH_BY must be email or subject")

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
        SSO_PROBLEMS.append(
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
