"""Audits: list, read, assign or start, save a draft, submit, re-audit."""

import logging
from contextlib import contextmanager

from django.db import InterfaceError, OperationalError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from audits import selectors
from audits.api.actions import ActionOutput
from audits.filters import AuditFilter
from core import limits, permissions
from core.api import (
    IF_MATCH,
    ApiViewSet,
    CaseReferenceField,
    GradesField,
    MonthField,
    ReassignInput,
    ReassignOutput,
    StrictInput,
    error_responses,
    etag,
    list_errors,
    validated,
    validated_content,
    version_from,
    with_etag,
)
from core.errors import DATABASE_UNAVAILABLE, DomainError
from core.grades import DomainGradeChoice, Grade
from core.models import Audit, AuditTool, Case, DomainGrade, Programme, User
from core.services.access_log import audit_read_record
from core.services.assignments import audits_reassign
from core.services.audits import (
    NARRATIVE_FIELDS,
    AuditContent,
    audit_create,
    audit_reaudit_start,
    audit_save_draft,
)
from flows import audits as audit_flows
from moderation import access

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- output


class AuditListOutput(serializers.ModelSerializer):
    case = serializers.CharField(source="case.reference", read_only=True, help_text="Reference.")
    team = serializers.IntegerField(source="case.team_id", read_only=True)
    team_name = serializers.CharField(source="case.team.name", read_only=True)
    service_area = serializers.IntegerField(source="case.team.service_area_id", read_only=True)
    service_area_name = serializers.CharField(source="case.team.service_area.name", read_only=True)
    auditor = serializers.CharField(
        source="auditor.username",
        read_only=True,
        allow_null=True,
        help_text="The auditor's username; null while unassigned (taken off its auditor by a "
        "QA lead, given to nobody yet).",
    )
    tool = serializers.CharField(source="tool.code", read_only=True, help_text="Tool code.")
    tool_version = serializers.IntegerField(source="tool.version", read_only=True)
    month = MonthField(read_only=True)

    class Meta:
        model = Audit
        fields = [
            "id",
            "case",
            "team",
            "team_name",
            "service_area",
            "service_area_name",
            "auditor",
            "tool",
            "tool_version",
            "programme",
            "month",
            "kind",
            "status",
            "overall",
            "escalated",
            "due_date",
            "submitted_at",
            "version",
            "re_audit_of",
        ]


class GradeOutput(serializers.ModelSerializer):
    domain = serializers.CharField(source="domain.code", read_only=True, help_text="Domain code.")
    title = serializers.CharField(source="domain.title", read_only=True)

    class Meta:
        model = DomainGrade
        fields = ["domain", "title", "grade", "evidence"]


class AuditDetailOutput(AuditListOutput):
    grades = GradeOutput(many=True, read_only=True)
    actions = ActionOutput(many=True, read_only=True)

    class Meta(AuditListOutput.Meta):
        fields = [
            *AuditListOutput.Meta.fields,
            "escalation_reason",
            *NARRATIVE_FIELDS,
            "resample_reason",
            "grades",
            "actions",
            "created_at",
            "updated_at",
        ]


# ---------------------------------------------------------------- input


def programme_or_error(programme_id: int) -> Programme:
    programme = selectors.programme_get(programme_id=programme_id)
    if programme is None:
        raise serializers.ValidationError("No programme with this id.")
    return programme


class GradeInput(StrictInput):
    grade = serializers.ChoiceField(
        choices=DomainGradeChoice.choices, allow_blank=True, help_text='"" clears the grade.'
    )
    evidence = serializers.CharField(allow_blank=True, max_length=limits.EVIDENCE)


class AuditContentInput(StrictInput):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text='The version you read (or send If-Match: "<version>"). A newer one gets 409.',
    )
    overall = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, required=False)
    escalated = serializers.BooleanField(
        required=False, help_text="Inadequate – escalation: only with overall I."
    )
    escalation_reason = serializers.CharField(
        allow_blank=True, max_length=limits.ESCALATION_REASON, required=False
    )
    working_well = serializers.CharField(
        allow_blank=True, max_length=limits.NARRATIVE, required=False
    )
    worried_about = serializers.CharField(
        allow_blank=True, max_length=limits.NARRATIVE, required=False
    )
    needs_to_happen = serializers.CharField(
        allow_blank=True, max_length=limits.NARRATIVE, required=False
    )
    family_feedback = serializers.CharField(
        allow_blank=True, max_length=limits.FAMILY_FEEDBACK, required=False
    )
    grades = GradesField(
        child=GradeInput(),
        required=False,
        help_text=(
            "Keyed by domain code, e.g. "
            '{"plan": {"grade": "RI", "evidence": "No timescales."}}. '
            "Each domain sent has its grade and evidence replaced; domains left out are kept."
        ),
    )


class AuditCreateInput(StrictInput):
    case = CaseReferenceField(help_text="The case reference.")
    auditor = serializers.CharField(
        max_length=150, required=False, help_text="Username; leave out to audit the case yourself."
    )
    programme = serializers.IntegerField(min_value=1, required=False, help_text="Programme id.")
    tool = serializers.CharField(
        max_length=50,
        required=False,
        help_text="Tool code (latest version); leave out to use the programme's tool.",
    )
    kind = serializers.ChoiceField(choices=Audit.Kind.choices, default=Audit.Kind.FULL)
    due_date = serializers.DateField(required=False, allow_null=True)
    resample_reason = serializers.CharField(
        allow_blank=True,
        max_length=5000,
        default="",
        help_text="Required when the case was audited in the last 12 months.",
    )

    def validate_case(self, reference: str) -> Case:
        user = self.context["request"].user
        case = selectors.case_by_reference_for_user(user=user, reference=reference)
        if case is None:
            raise serializers.ValidationError("No case with this reference.")
        return case

    def validate_auditor(self, username: str) -> User:
        auditor = selectors.auditor_by_username(username=username)
        if auditor is None:
            raise serializers.ValidationError("No auditor with this username.")
        return auditor

    def validate_programme(self, programme_id: int) -> Programme:
        return programme_or_error(programme_id)

    def validate_tool(self, code: str) -> AuditTool:
        tool = selectors.tool_latest(code=code)
        if tool is None:
            raise serializers.ValidationError("No published tool with this code.")
        return tool

    def validate_kind(self, kind: str) -> str:
        if kind == Audit.Kind.RE_AUDIT:
            raise serializers.ValidationError("Start a re-audit from the audit it follows up.")
        return kind

    def validate(self, attrs):
        if "tool" not in attrs:
            if "programme" not in attrs:
                raise ValidationError({"tool": ["Give a tool, or a programme to take it from."]})
            attrs["tool"] = attrs["programme"].tool
        attrs.setdefault("auditor", self.context["request"].user)
        return attrs


class ReauditInput(StrictInput):
    programme = serializers.IntegerField(
        min_value=1, required=False, help_text="Programme id; leave out for an ad hoc re-audit."
    )

    def validate_programme(self, programme_id: int) -> Programme:
        return programme_or_error(programme_id)


# ---------------------------------------------------------------- helpers


def nest_grade_errors(field_errors: dict[str, list[str]]) -> dict:
    """The services' flat keys (grade_plan, evidence_plan: the HTML form's field names) as the
    API's nested shape: {"grades": {"plan": {"grade": [...], "evidence": [...]}}}."""
    nested: dict = {}
    for key, messages in field_errors.items():
        part, _, code = key.partition("_")
        if part in ("grade", "evidence") and code:
            nested.setdefault("grades", {}).setdefault(code, {})[part] = messages
        else:
            nested[key] = messages
    return nested


@contextmanager
def grade_errors_nested():
    try:
        yield
    except DomainError as exc:
        if exc.status_code != 400:
            raise
        raise ValidationError(
            {"detail": exc.message, **nest_grade_errors(exc.field_errors)}
        ) from exc


class DatabaseUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = DATABASE_UNAVAILABLE
    default_code = "database_unavailable"


@contextmanager
def database_unavailable_as_503():
    """A connection dropped mid-write: the transaction rolled back whole, so say so (503)."""
    try:
        yield
    except (OperationalError, InterfaceError) as error:
        logger.warning("Database unavailable writing an audit: %s", type(error))
        raise DatabaseUnavailable() from error


def content_from(data: dict) -> AuditContent:
    fields = ("overall", "escalated", "escalation_reason", *NARRATIVE_FIELDS)
    grades = {code: (g["grade"], g["evidence"]) for code, g in data.get("grades", {}).items()}
    return AuditContent(**{f: data[f] for f in fields if f in data}, grades=grades)


def detail_response(request, audit_id: int, code: int = status.HTTP_200_OK) -> Response:
    audit = selectors.audit_detail_for_user(user=request.user, audit_id=audit_id)
    return audit_response(audit, code)


def audit_response(audit: Audit, code: int = status.HTTP_200_OK) -> Response:
    return with_etag(Response(AuditDetailOutput(audit).data, status=code), audit.version)


# ---------------------------------------------------------------- view


class AuditViewSet(ApiViewSet):
    """Audits you may read: your own, your team's submitted ones, your service areas' (viewer),
    the submitted ones (moderator) or all (QA lead). Only an audit's auditor edits it."""

    queryset = Audit.objects.none()  # for the schema and router only; reads use selectors
    filterset_class = AuditFilter  # documents the query parameters; the selector applies them
    form_serializers = {
        "POST": AuditCreateInput,
        "PATCH": AuditContentInput,
        "submit": AuditContentInput,
        "reaudit": ReauditInput,
        "reassign": ReassignInput,
    }

    @extend_schema(responses={200: AuditListOutput(many=True), **list_errors()})
    def list(self, request):
        audits = selectors.audit_list_for_user(user=request.user, filters=request.query_params)
        return self.paginated(audits, AuditListOutput)

    @extend_schema(
        parameters=[etag(200, of="audit")],
        responses={200: AuditDetailOutput, **error_responses(404)},
    )
    def retrieve(self, request, pk: int):
        audit = selectors.audit_detail_for_user(user=request.user, audit_id=pk)
        audit_read_record(user=request.user, audit=audit, channel="api", what="audit")
        return audit_response(audit)

    @extend_schema(
        request=AuditCreateInput,
        responses={201: AuditDetailOutput, **error_responses(400, 403)},
        description="A QA lead assigns a case to an auditor; an auditor starts an ad hoc audit "
        "of a case of their own team (leave out `auditor`).",
    )
    def create(self, request):
        # The role first: a refusal after looking the auditor up would tell who exists.
        body = request.data if isinstance(request.data, dict) else {}
        permissions.require(
            permissions.audit_start_allowed(
                user=request.user, auditor_username=body.get("auditor")
            ),
            permissions.AUDIT_CREATE_REFUSED,
        )
        data = validated(AuditCreateInput, request)
        permissions.require(
            permissions.audit_create_allowed(
                user=request.user, case=data["case"], auditor=data["auditor"]
            ),
            permissions.AUDIT_CREATE_REFUSED,
        )
        audit = audit_create(actor=request.user, **data)
        return detail_response(request, audit.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=AuditContentInput,
        parameters=[IF_MATCH, etag(200, of="audit")],
        responses={200: AuditDetailOutput, **error_responses(400, 403, 404, 409, 503)},
        description="Save a draft. Send only what changed, with the version you read.",
    )
    def partial_update(self, request, pk: int):
        audit = access.audit_for_user(user=request.user, audit_id=pk, write=True)
        data = validated_content(AuditContentInput, request, tool=audit.tool)
        version = version_from(request, data)
        with database_unavailable_as_503(), grade_errors_nested():
            audit_save_draft(
                audit=audit, actor=request.user, version=version, content=content_from(data)
            )
        return detail_response(request, audit.pk)

    @extend_schema(
        request=AuditContentInput,
        parameters=[IF_MATCH, etag(200, of="audit")],
        responses={200: AuditDetailOutput, **error_responses(400, 403, 404, 409, 503)},
        description="Submit (saving any content sent first). An incomplete audit gets 400 with "
        "what is missing; after submission its grades never change.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk: int):
        audit = access.audit_for_user(user=request.user, audit_id=pk, write=True)
        data = validated_content(AuditContentInput, request, tool=audit.tool)
        version = version_from(request, data)
        content = content_from(data) if set(data) - {"version"} else None
        with database_unavailable_as_503(), grade_errors_nested():
            audit_flows.audit_submit(
                audit=audit, actor=request.user, version=version, content=content
            )
        return detail_response(request, audit.pk)

    @extend_schema(
        request=ReauditInput,
        parameters=[etag(201, of="audit")],
        responses={201: AuditDetailOutput, **error_responses(400, 403, 404, 409)},
        description="Start a re-audit of a submitted audit, as its auditor, from a copy of it.",
    )
    @action(detail=True, methods=["post"])
    def reaudit(self, request, pk: int):
        original = access.audit_for_user(user=request.user, audit_id=pk)
        permissions.require(
            permissions.audit_reaudit_allowed(user=request.user, audit=original),
            permissions.REAUDIT_REFUSED,
        )
        data = validated(ReauditInput, request)
        audit = audit_reaudit_start(actor=request.user, original=original, **data)
        return detail_response(request, audit.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ReassignInput,
        responses={200: ReassignOutput, **error_responses(400, 403)},
        description="A QA lead gives open audits (assigned or in progress) to another auditor, "
        "or to nobody (`to`: null; unassigned, written by nobody until given to someone), all "
        "or none, with a reason kept in each audit's history. A submitted audit stays its "
        "auditor's (400).",
    )
    @action(detail=False, methods=["post"])
    def reassign(self, request):
        # The role first: a refusal after looking the username up would tell who exists.
        permissions.require(
            permissions.reassign_allowed(user=request.user), permissions.REASSIGN_REFUSED
        )
        data = validated(ReassignInput, request)
        audits = audits_reassign(
            actor=request.user, audit_ids=data["ids"], to=data["to"], reason=data["reason"]
        )
        to = data["to"]
        return Response(
            {"reassigned": [audit.pk for audit in audits], "to": to.username if to else None}
        )
