"""POST /api/token/: swap a username and password (and, with two-factor sign-in, a code) for an
API token.

A token stands for both factors: it is issued here only after the code, or by an administrator
(`manage.py issue_token`). QA leads and administrators without an authenticator app get none
here, so a password alone never opens the API to them. Each request issues a new token, kept
only as a digest and expiring after settings.API_TOKEN_TTL hours (accounts/tokens.py).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.tokens import api_token_issue
from accounts.two_factor import confirmed_device, two_factor_token_check
from core.api import error_responses, validated
from core.errors import DomainError


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
    token = serializers.CharField(
        help_text='Send as "Authorization: Token <token>". Shown once: only a digest is kept.'
    )
    expiry = serializers.DateTimeField(
        help_text="When the token stops working; ask for a new one before then."
    )


class TokenThrottle(AnonRateThrottle):
    # Slows password guessing; the rate lives here so settings need no throttle section.
    rate = "20/minute"


class TokenView(APIView):
    """A new API token for the user on each request; older ones keep working until they expire."""

    authentication_classes = []
    permission_classes = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=TokenInput,
        responses={200: TokenOutput, **error_responses(400, 429)},
        auth=[],
        operation_id="token_create",
    )
    def post(self, request, *args, **kwargs):
        user = validated(TokenInput, request)["user"]
        try:
            instance, token = api_token_issue(user=user, device=confirmed_device(user))
        except DomainError as error:
            raise serializers.ValidationError({"code": [error.message]}) from error
        return Response(TokenOutput({"token": token, "expiry": instance.expiry}).data)
