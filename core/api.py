"""What every API view shares: authentication, the role check, pagination, months, errors."""

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import routers, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from core import permissions
from core.models import User
from core.months import MONTH_MESSAGE, MONTH_RANGE_MESSAGE, MONTH_SCHEMA, format_month, parse_month
from core.validation import (
    CASE_REFERENCE_JSON_PATTERN,
    CASE_REFERENCE_MAX_LENGTH,
    case_reference_error,
)


class HasRole(BasePermission):
    """The API is for staff holding at least one role; what they see is decided per object."""

    message = "You need a role (auditor, moderator, viewer or QA lead) to use this service."

    def has_permission(self, request, view):
        return permissions.has_any_role(request.user)


class Pagination(PageNumberPagination):
    """?page=N&page_size=M, both checked: a bad value is a 400 that says why, not a silent
    default; a page past the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()  # "?page=last" is not documented, so it is not accepted either

    def get_page_size(self, request):
        high = self.max_page_size
        return self._number(request, self.page_size_query_param, self.page_size, 1, high)

    def get_page_number(self, request, paginator):
        return self._number(request, self.page_query_param, 1, 1, None)

    @staticmethod
    def _number(request, name: str, default: int | None, low: int, high: int | None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        number = None
        if raw.isascii() and raw.isdigit():
            # Past a billion every page is past the end (404) and every size too big (400);
            # int() of thousands of digits would raise instead.
            number = int(raw) if len(raw) <= 9 else 10**9
        if number is None or number < low or (high is not None and number > high):
            limits = f"from {low} to {high}" if high else f"of {low} or more"
            raise ValidationError(
                {"detail": "Invalid page.", name: [f"Enter a whole number {limits}."]}
            )
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        limits = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(limits.get(parameter["name"], {}))
        return parameters


class EmptyQueryRefused(APIView):
    """A documented query parameter sent empty (?status=) is a 400: leaving it out is how to ask
    for any. A page's form sends its blank fields; an API client that does has a bug to hear of.
    Parameters the operation does not document are ignored, as DRF ignores them."""

    query_parameters: tuple[str, ...] = ()  # besides a list's filters and page parameters

    def documented_query_parameters(self) -> set[str]:
        names = set(self.query_parameters)
        if getattr(self, "action", None) == "list":
            names |= {"page", "page_size"}
            filterset = getattr(self, "filterset_class", None)
            if filterset is not None:
                names |= set(filterset.base_filters)
        return names

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not hasattr(self, request.method.lower()):
            return  # a method the view does not answer: its 405 comes first
        documented = self.documented_query_parameters()
        empty = sorted(
            name
            for name, values in request.query_params.lists()
            if name in documented and "" in values
        )
        if empty:
            message = "Leave this out, or give it a value."
            raise ValidationError(
                {"detail": "Some filters are not valid.", **{name: [message] for name in empty}}
            )


class ApiViewSet(EmptyQueryRefused, viewsets.GenericViewSet):
    # Authentication: REST_FRAMEWORK's defaults (config/settings.py), token first.
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
        chosen = forms.get(self.action) or forms.get(self.request.method or "")
        return chosen or serializers.Serializer

    def get_serializer(self, *args, **kwargs):
        return self.get_serializer_class()(context=self.get_serializer_context())

    def paginated(self, rows, output_class):
        page = self.paginate_queryset(rows)
        output = output_class(page, many=True, context={"request": self.request})
        return self.get_paginated_response(output.data)


class ApiRoot(routers.APIRootView):
    """The links to every collection, for the browsable API."""

    permission_classes = ApiViewSet.permission_classes


def validated(serializer_class, request, **context) -> dict:
    """The request body checked by an input serializer: 400 with a message per field if not."""
    serializer = serializer_class(data=request.data, context={"request": request, **context})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def validated_content(serializer_class, request, *, tool) -> dict:
    """validated() for a body with a GradesField: it may hold one entry per domain of `tool`."""
    return validated(serializer_class, request, domain_count=tool.domains.count())


class GradesField(serializers.DictField):
    """Grades keyed by domain code: no more entries than the tool has domains (the view puts
    domain_count in the context: validated_content), counted before any entry is validated,
    so a body of 200,000 keys is refused at once instead of tying up a worker."""

    def to_internal_value(self, data):
        limit = self.context.get("domain_count")
        if isinstance(data, dict) and limit is not None and len(data) > limit:
            raise serializers.ValidationError(
                f"{len(data):,} domains were sent but this tool has {limit}: send at most one "
                "entry per domain of the tool."
            )
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "string",
        "pattern": CASE_REFERENCE_JSON_PATTERN,
        "maxLength": CASE_REFERENCE_MAX_LENGTH,
        "example": "LCS-100123",
    }
)
class CaseReferenceField(serializers.CharField):
    """A case reference, checked against the one pattern (core/validation.py) as sent:
    not trimmed, so a space or line break is refused rather than quietly kept or dropped."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", None)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        problem = case_reference_error(value)
        if problem:
            raise ValidationError(problem)
        return value


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.Field):
    """A month as "YYYY-MM"; stored as its first day."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def to_internal_value(self, data):
        try:
            return parse_month(data)
        except ValueError as error:
            if str(error) == MONTH_RANGE_MESSAGE:
                raise ValidationError(MONTH_RANGE_MESSAGE) from None
            self.fail("invalid")

    def to_representation(self, value):
        return format_month(value)


# What each kind of input field takes, as JSON types. DRF is lenient: a CharField takes 1 as
# "1", an IntegerField "1" as 1, a BooleanField "yes" as true. The schema says otherwise, and a
# client sending the wrong type has a bug it should hear about.
JSON_TYPES: list[tuple[tuple[type, ...], tuple[type, ...], str]] = [
    ((serializers.BooleanField,), (bool,), "Enter true or false."),
    ((serializers.IntegerField,), (int,), "Enter a whole number."),
    ((serializers.DictField, serializers.Serializer), (dict,), "Enter an object."),
    ((serializers.ListField,), (list,), "Enter a list."),
    (
        (serializers.CharField, serializers.ChoiceField, serializers.DateField, MonthField),
        (str,),
        "Enter text.",
    ),
]


def json_type_error(field: serializers.Field, value) -> str | None:
    for fields, types, message in JSON_TYPES:
        if isinstance(field, fields):
            wrong = not isinstance(value, types) or (bool not in types and isinstance(value, bool))
            return message if wrong else None
    return None


class StrictInput(serializers.Serializer):
    """An input serializer that takes each value only as the JSON type its schema gives."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {
                name: [message]
                for name, field in self.fields.items()
                if not field.read_only and data.get(name) is not None
                for message in [json_type_error(field, data[name])]
                if message
            }
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


class EmptyInput(StrictInput):
    """Nothing to send: the request itself is the instruction (send {} or no body)."""


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
        429: "Too many attempts: wait the number of seconds in Retry-After.",
        503: "The database could not be reached: nothing from this request was kept; try again.",
    }
    return {code: OpenApiResponse(ErrorOutput, description=meaning[code]) for code in codes}


def list_errors(*codes: int) -> dict[int, OpenApiResponse]:
    """A paginated list's errors: a bad page or page size is a 400, a page past the end a 404."""
    return {
        **error_responses(400, *codes),
        404: OpenApiResponse(ErrorOutput, description="No such page."),
    }


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag you read, e.g. "3"; instead of `version` in the body.',
)


def etag(*codes: int, of: str) -> OpenApiParameter:
    """The ETag response header of an object with a version (an audit, a moderation)."""
    return OpenApiParameter(
        "ETag",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=list(codes),
        description=f'The {of}\'s version in quotes, e.g. "3": send it back as If-Match.',
    )


def with_etag(response, version: int):
    """The response, with the version it shows as its ETag (read back by version_from)."""
    response["ETag"] = f'"{version}"'
    return response


def version_from(request, data: dict) -> int:
    """The version the client read: from the body, or an If-Match header holding the ETag."""
    header = request.headers.get("If-Match")
    from_header = None
    if header:
        match = re.fullmatch(r'\s*(?:W/)?"?([0-9]{1,9})"?\s*', header)
        if match is None:
            raise ValidationError({"version": ['If-Match must be the ETag you read, e.g. "3".']})
        from_header = int(match.group(1))
    if "version" in data and from_header is not None and data["version"] != from_header:
        raise ValidationError({"version": ["The version and If-Match header disagree."]})
    version = data.get("version", from_header)
    if version is None:
        raise ValidationError({"version": ["Send the version you read, or an If-Match header."]})
    return version


REASSIGN_MAX_IDS = 500


class ReassignInput(StrictInput):
    """Audits or moderations to give to someone else: the same body for both."""

    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=REASSIGN_MAX_IDS,
        help_text="The ids to reassign, all or none.",
    )
    to = serializers.CharField(
        max_length=150,
        allow_null=True,
        help_text="The username of who takes them over; null puts moderations back in the "
        "queue and leaves audits unassigned (until given to someone).",
    )
    reason = serializers.CharField(
        max_length=100, help_text="Why the work is moving; kept in each record's history."
    )

    def validate_to(self, username: str | None):
        if username is None:
            return None
        person = User.objects.filter(username=username).first()
        if person is None:
            raise ValidationError("No one has this username.")
        return person


class ReassignOutput(serializers.Serializer):
    reassigned = serializers.ListField(child=serializers.IntegerField())
    to = serializers.CharField(allow_null=True, help_text="Username, or null: nobody.")
