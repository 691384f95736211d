"""POST /api/token/: swap a username and password (and, with two-factor sign-in, a code) for an
API token.

A token stands for both factors: it is issued here only after the code, or by an administrator
(`manage.py issue_token`). QA leads and administrators without an authenticator app get none
here, so a password alone never opens the API to them.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser
from rest_framework.throttling import AnonRateThrottle

from config.two_factor import two_factor_token_check

from ..errors import DomainError
from .common import error_responses


class TokenInput(AuthTokenSerializer):
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="The 6-digit code from the authenticator app, for users with two-factor sign-in.",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        try:
            two_factor_token_check(user=attrs["user"], code="".join(attrs.get("code", "").split()))
        except DomainError as error:
            raise serializers.ValidationError({"code": [error.message]}) from error
        return attrs


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text='Send as "Authorization: Token <token>".')


class TokenThrottle(AnonRateThrottle):
    # Slows password guessing; the rate lives here so settings need no throttle section.
    rate = "20/minute"


class TokenView(ObtainAuthToken):
    """The user's API token: the same one each time until `issue_token --rotate` replaces it."""

    authentication_classes = []
    parser_classes = [JSONParser]
    throttle_classes = [TokenThrottle]
    serializer_class = TokenInput

    @extend_schema(
        request=TokenInput,
        responses={200: TokenOutput, **error_responses(400, 429)},
        auth=[],
        operation_id="token_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
