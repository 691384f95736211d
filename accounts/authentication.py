"""API token authentication: django-rest-knox's digests, with our rules for when a token that
exists may no longer be used (accounts/tokens.py). Every refusal is a 401 saying why."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from accounts.tokens import api_token_find, api_token_refusal, api_token_revoke

INVALID = (
    "This API token is not valid: it is wrong, or it has expired or been revoked. Ask for a "
    "new one: POST /api/token/."
)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`; `request.auth` is the ApiToken."""

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(INVALID) from None
        found = api_token_find(token=text)
        if found is None:
            raise AuthenticationFailed(INVALID)
        reason = api_token_refusal(token=found)
        if reason is not None:
            api_token_revoke(token=found, reason=reason.split(".")[0])
            raise AuthenticationFailed(reason)
        return found.user, found


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )
