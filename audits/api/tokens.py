"""POST /api/token/: swap a username and password for an API token."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import JSONParser
from rest_framework.throttling import AnonRateThrottle

from .common import error_responses


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

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenOutput, **error_responses(400)},
        auth=[],
        operation_id="token_create",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
