"""Audit tools: every role reads the published versions (a QA lead drafts too); a QA lead
creates a tool (version 1) and its later versions from a whole definition. The rules of a
definition are core.tool_definitions' (the pages and the tool file use the same ones)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audits import selectors
from core import permissions
from core.api import ApiViewSet, StrictInput, error_responses, list_errors, validated
from core.errors import DomainError
from core.models import AuditTool, Domain
from core.services import tools as services
from core.tool_definitions import (
    CODE_JSON_PATTERN,
    CODE_MAX_LENGTH,
    DESCRIPTOR_MAX,
    DOMAINS_MAX,
    GUIDANCE_MAX,
    NAME_MAX,
    TITLE_MAX,
    DomainSpec,
    ToolSpec,
    code_error,
)


class GradeChoiceOutput(serializers.Serializer):
    value = serializers.CharField()
    # The metaclass takes declared fields off the class, so this does not shadow Field.label;
    # the stubs cannot tell.
    label = serializers.CharField()  # type: ignore[assignment]


class DomainOutput(serializers.ModelSerializer):
    descriptors = serializers.SerializerMethodField(
        help_text="What each grade looks like in this domain, keyed by grade (O, G, RI, I)."
    )

    class Meta:
        model = Domain
        fields = ["id", "code", "title", "position", "guidance", "descriptors", "na_allowed"]
        fields += ["continues"]
        extra_kwargs = {
            "continues": {
                "help_text": "Ids of the previous version's domains this one continues: one "
                "for a domain kept or renamed, the same one on both halves of a split, two "
                "or more for a merge, none for a new domain."
            }
        }

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_descriptors(self, domain: Domain) -> dict[str, str]:
        offered = {value for value, _label in domain.tool.grade_choices()}
        return {grade: text for grade, text in domain.descriptors().items() if grade in offered}


class ToolOutput(serializers.ModelSerializer):
    grade_scale = serializers.SerializerMethodField(
        help_text="The grades this tool offers, best first (Outstanding only if offered)."
    )
    domains = DomainOutput(many=True, read_only=True)
    published = serializers.SerializerMethodField(
        help_text="False while the version is a draft (only QA leads see drafts)."
    )

    class Meta:
        model = AuditTool
        fields = ["id", "code", "name", "version", "audit_type", "offers_outstanding"]
        fields += ["blind_moderation", "previous", "published", "published_at", "grade_scale"]
        fields += ["domains"]

    @extend_schema_field(GradeChoiceOutput(many=True))
    def get_grade_scale(self, tool: AuditTool) -> list[dict[str, str]]:
        return [{"value": value, "label": label} for value, label in tool.grade_choices()]

    def get_published(self, tool: AuditTool) -> bool:
        return tool.is_published()


@extend_schema_field({"type": "string", "pattern": CODE_JSON_PATTERN, "maxLength": CODE_MAX_LENGTH})
class CodeField(serializers.CharField):
    """A tool or domain code, checked against the one pattern (core.tool_definitions)."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        problem = code_error(value)
        if problem:
            raise ValidationError(problem)
        return value


def _descriptor(grade: str) -> serializers.CharField:
    return serializers.CharField(
        max_length=DESCRIPTOR_MAX,
        allow_blank=True,
        required=False,
        help_text=f"What {grade} looks like in this domain (needed for every grade offered).",
    )


class DescriptorsInput(StrictInput):
    O = _descriptor("Outstanding")  # noqa: E741 - the grade's own short name
    G = _descriptor("Good")
    RI = _descriptor("Requires improvement")
    I = _descriptor("Inadequate")  # noqa: E741


class DomainInput(StrictInput):
    code = CodeField(help_text="Unique within the version; the key of grades in audits.")
    title = serializers.CharField(max_length=TITLE_MAX)
    guidance = serializers.CharField(max_length=GUIDANCE_MAX, allow_blank=True, required=False)
    na_allowed = serializers.BooleanField(required=False, default=False)
    descriptors = DescriptorsInput()


DRAFT_HELP = "True to keep the version a draft (QA leads finish it on the tool pages)."


class ToolFieldsInput(StrictInput):
    name = serializers.CharField(max_length=NAME_MAX)
    audit_type = serializers.ChoiceField(
        choices=AuditTool.AuditType.choices, required=False, default="case_file"
    )
    offers_outstanding = serializers.BooleanField(required=False, default=True)
    blind_moderation = serializers.BooleanField(required=False, default=False)
    draft = serializers.BooleanField(required=False, default=False, help_text=DRAFT_HELP)
    domains = serializers.ListField(
        child=DomainInput(),
        min_length=1,
        max_length=DOMAINS_MAX,
        error_messages={"min_length": "Give the tool at least one domain."},
        help_text="The domains in the order auditors grade them.",
    )


class ToolCreateInput(ToolFieldsInput):
    code = CodeField(help_text="The tool's code, the same for every version.")


class ToolVersionInput(ToolFieldsInput):
    name = serializers.CharField(
        max_length=NAME_MAX, required=False, help_text="Left out: as the latest version."
    )
    audit_type = serializers.ChoiceField(
        choices=AuditTool.AuditType.choices,
        required=False,
        help_text="Left out: as the latest version.",
    )
    offers_outstanding = serializers.BooleanField(
        required=False, help_text="Left out: as the latest version."
    )
    blind_moderation = serializers.BooleanField(
        required=False, help_text="Left out: as the latest version."
    )
    maps = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=CODE_MAX_LENGTH)),
        required=False,
        default=dict,
        help_text="New domain code -> the codes of the latest version's domains it continues "
        '(e.g. {"plan": ["plan"], "permanence": ["plan"]} splits plan; {"voice_review": '
        '["voice", "review"]} merges two). A domain left out (or mapped to []) continues '
        "the old domain with its own code if there is one, else it is new.",
    )

    def validate(self, attrs):
        codes = {d["code"] for d in attrs.get("domains", [])}
        unknown = {key: ["No domain with this code in domains."] for key in attrs["maps"]}
        unknown = {key: messages for key, messages in unknown.items() if key not in codes}
        if unknown:
            raise ValidationError({"maps": unknown})
        return attrs


def _domain_specs(domains: list[dict], maps: dict[str, list[str]] | None = None) -> list:
    return [
        DomainSpec(
            code=d["code"],
            title=d["title"],
            guidance=d.get("guidance", ""),
            na_allowed=d.get("na_allowed", False),
            descriptors=d["descriptors"],
            continues=tuple((maps or {}).get(d["code"], ())),
        )
        for d in domains
    ]


def api_field_errors(error: DomainError, domains: list[DomainSpec]) -> dict:
    """A definition's errors (core.tool_definitions' keys) as the API's nested fields: domain
    i's under domains.<i>, each domain's lineage under maps.<its code>."""
    body: dict = {}
    for key, messages in error.field_errors.items():
        parts = key.split(".")
        if parts[0] != "domains" or len(parts) < 3:
            body[key] = messages
            continue
        index = int(parts[1])
        if parts[2] == "continues":
            body.setdefault("maps", {})[domains[index].code] = messages
            continue
        # Keyed by the domain's index, as DRF keys a list's own errors.
        target = body.setdefault("domains", {}).setdefault(str(index), {})
        for part in parts[2:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = messages
    return body


def _refused(error: DomainError, domains: list[DomainSpec]) -> ValidationError:
    if not error.field_errors:
        return ValidationError({"detail": error.message})
    return ValidationError(api_field_errors(error, domains))


class ToolViewSet(ApiViewSet):
    """Audit tools, every version, with their domains in order and grade scale. A QA lead
    creates a tool: version 1, published unless `draft` is true."""

    queryset = AuditTool.objects.none()  # for the schema and router only; reads use selectors
    form_serializers = {"POST": ToolCreateInput}

    @extend_schema(responses={200: ToolOutput(many=True), **list_errors()})
    def list(self, request):
        return self.paginated(selectors.tool_list(user=request.user), ToolOutput)

    @extend_schema(responses={200: ToolOutput, **error_responses(404)})
    def retrieve(self, request, pk: int):
        return Response(ToolOutput(selectors.tool_detail(user=request.user, tool_id=pk)).data)

    @extend_schema(
        request=ToolCreateInput, responses={201: ToolOutput, **error_responses(400, 403)}
    )
    def create(self, request):
        permissions.require(
            permissions.tools_configure_allowed(user=request.user), permissions.TOOLS_REFUSED
        )
        data = validated(ToolCreateInput, request)
        domains = _domain_specs(data["domains"])
        spec = ToolSpec(
            code=data["code"],
            name=data["name"],
            audit_type=data["audit_type"],
            offers_outstanding=data["offers_outstanding"],
            blind_moderation=data["blind_moderation"],
            domains=domains,
        )
        try:
            tool = services.tool_create(actor=request.user, spec=spec, publish=not data["draft"])
        except DomainError as error:
            raise _refused(error, domains) from error
        tool = selectors.tool_detail(user=request.user, tool_id=tool.pk)
        return Response(ToolOutput(tool).data, status=status.HTTP_201_CREATED)


class ToolVersionView(APIView):
    """The next version of a tool, from its whole list of domains and how they map to the
    latest version's (published unless `draft` is true)."""

    permission_classes = ApiViewSet.permission_classes
    parser_classes = ApiViewSet.parser_classes

    def get_serializer(self, *args, **kwargs):
        # For the browsable API's form only; the view never calls it itself.
        return ToolVersionInput()

    @extend_schema(
        operation_id="tools_versions_create",
        request=ToolVersionInput,
        responses={201: ToolOutput, **error_responses(400, 403, 404, 409)},
    )
    def post(self, request, code: str):
        permissions.require(
            permissions.tools_configure_allowed(user=request.user), permissions.TOOLS_REFUSED
        )
        latest = selectors.tool_latest_any(code=code)
        if latest is None:
            return Response({"detail": "No tool with this code."}, status=404)
        data = validated(ToolVersionInput, request)
        domains = _domain_specs(data["domains"], data["maps"])
        spec = ToolSpec(
            code=code,
            name=data.get("name", latest.name),
            audit_type=data.get("audit_type", latest.audit_type),
            offers_outstanding=data.get("offers_outstanding", latest.offers_outstanding),
            blind_moderation=data.get("blind_moderation", latest.blind_moderation),
            domains=domains,
        )
        try:
            tool = services.tool_version_create(
                actor=request.user, tool=latest, spec=spec, publish=not data["draft"]
            )
        except DomainError as error:
            if error.status_code != 400:
                raise
            raise _refused(error, domains) from error
        tool = selectors.tool_detail(user=request.user, tool_id=tool.pk)
        return Response(ToolOutput(tool).data, status=status.HTTP_201_CREATED)
