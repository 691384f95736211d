"""What every API view shares: authentication, the role check, pagination, months, errors."""

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import routers, serializers, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission

from .. import permissions
from ..filters import MONTH_MESSAGE, MONTH_SCHEMA, format_month, parse_month


class HasRole(BasePermission):
    """The API is for staff holding at least one role; what they see is decided per object."""

    message = "You need a role (auditor, moderator, viewer or QA lead) to use this service."

    def has_permission(self, request, view):
        return permissions.has_any_role(request.user)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiViewSet(viewsets.GenericViewSet):
    # Token first: an anonymous request gets 401 with "WWW-Authenticate: Token", not a 403.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [HasRole]
    pagination_class = Pagination
    # JSON only: a form-encoded body would read a missing checkbox (escalated) as false.
    parser_classes = [JSONParser]
    # Ids in URLs are integers, so /api/audits/abc/ is a 404 and never reaches the database.
    lookup_value_converter = "int"

    # The browsable API draws its raw-data form from "the" serializer; give it the input one
    # for that action (or HTTP method). Views themselves never call get_serializer().
    form_serializers: dict[str, type[serializers.Serializer]] = {}

    def get_serializer_class(self):
        forms = self.form_serializers
        return forms.get(self.action) or forms.get(self.request.method) or serializers.Serializer

    def get_serializer(self, *args, **kwargs):
        return self.get_serializer_class()(context=self.get_serializer_context())

    def paginated(self, rows, output_class):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(output_class(page, many=True).data)


class ApiRoot(routers.APIRootView):
    """The links to every collection, for the browsable API."""

    authentication_classes = ApiViewSet.authentication_classes
    permission_classes = ApiViewSet.permission_classes


def validated(serializer_class, request, **context) -> dict:
    """The request body checked by an input serializer: 400 with a message per field if not."""
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.Field):
    """A month as "YYYY-MM"; stored as its first day."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def to_internal_value(self, data):
        try:
            return parse_month(data)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return format_month(value)


class ErrorOutput(serializers.Serializer):
    """An error: `detail` says what went wrong; invalid input adds a list of messages per field
    (grades nested by domain code: {"grades": {"plan": {"grade": ["..."]}}})."""

    detail = serializers.CharField()


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    meaning = {
        400: "Invalid input: a message per field.",
        403: "You may see this but not do this.",
        404: "Not found, or not yours to see.",
        409: "The object is not in a state that allows this, or was changed since you read it.",
    }
    return {code: OpenApiResponse(ErrorOutput, description=meaning[code]) for code in codes}
