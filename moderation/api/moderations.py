"""Moderations: the sample, claims, the moderator's grades, completion, rework, feedback."""

from contextlib import contextmanager

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core import limits
from core.errors import DomainError
from core.grades import DomainGradeChoice, Grade
from core.services.access_log import audit_read_record
from flows import moderation as moderation_flows
from moderation import permissions, selectors
from moderation.access import audit_for_user
from moderation.api.common import (
    IF_MATCH,
    ApiViewSet,
    EmptyInput,
    GradesField,
    MonthField,
    StrictInput,
    error_responses,
    etag,
    list_errors,
    validated,
    validated_content,
    version_from,
)
from moderation.api.escalations import EscalationOutput
from moderation.filters import ModerationFilter
from moderation.models import Moderation
from moderation.services.claims import moderation_claim, moderation_release
from moderation.services.moderating import (
    ModerationContent,
    moderation_acknowledge,
    moderation_reveal,
    moderation_save_draft,
)
from moderation.services.sample import (
    HAND_REASON_MAX,
    HAND_REASON_TOO_LONG,
    moderation_add,
    moderation_remove,
)

# ---------------------------------------------------------------- output


class ModerationListOutput(serializers.ModelSerializer):
    case = serializers.CharField(source="audit.case.reference", read_only=True)
    revision = serializers.IntegerField(source="audit.revision", read_only=True)
    team_name = serializers.CharField(source="audit.case.team.name", read_only=True)
    service_area = serializers.IntegerField(
        source="audit.case.team.service_area_id", read_only=True
    )
    service_area_name = serializers.CharField(
        source="audit.case.team.service_area.name", read_only=True
    )
    auditor = serializers.CharField(source="audit.auditor.username", read_only=True)
    tool = serializers.CharField(source="audit.tool.code", read_only=True, help_text="Tool code.")
    programme = serializers.IntegerField(
        source="audit.programme_id", read_only=True, allow_null=True
    )
    month = MonthField(source="audit.month", read_only=True)
    moderator = serializers.CharField(
        source="moderator.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The claimant's username; null while waiting.",
    )
    overall = serializers.CharField(read_only=True, help_text="The moderator's overall judgement.")
    selection = serializers.SerializerMethodField(
        help_text='Why the audit was chosen; "sample" (no rule named) while a blind moderation '
        "hides the auditor's grades from you."
    )
    selection_note = serializers.SerializerMethodField(
        help_text="Why it was chosen, in words; neutral while the grades are hidden from you."
    )

    class Meta:
        model = Moderation
        fields = ["id", "audit", "case", "revision", "team_name", "service_area"]
        fields += ["service_area_name", "auditor", "tool", "programme", "month", "status"]
        fields += ["selection", "selection_note", "source", "moderator", "blind", "overall"]
        fields += ["escalated", "version", "created_at", "claimed_at", "completed_at"]
        fields += ["acknowledged_at"]

    def _reason(self, moderation: Moderation) -> selectors.SelectionReason:
        # Once per row for both fields (selectors.for_reader keeps it on the row).
        if not hasattr(moderation, "reason"):
            request = self.context.get("request")
            selectors.for_reader([moderation], user=request.user if request else None)
        return moderation.reason

    @extend_schema_field(serializers.ChoiceField(choices=Moderation.Selection.choices))
    def get_selection(self, moderation: Moderation) -> str:
        return self._reason(moderation).selection

    @extend_schema_field(
        {"type": "string", "maxLength": Moderation._meta.get_field("selection_note").max_length}
    )
    def get_selection_note(self, moderation: Moderation) -> str:
        return self._reason(moderation).note


class ComparisonOutput(serializers.Serializer):
    domain = serializers.CharField(source="code", help_text="Domain code.")
    title = serializers.CharField()
    grade = serializers.CharField(help_text="The moderator's grade; blank until graded.")
    rationale = serializers.CharField()
    blind_grade = serializers.CharField(help_text="Blind moderation: the grade before the reveal.")
    revision_reason = serializers.CharField()
    auditor_grade = serializers.CharField(
        allow_null=True, help_text="null while a blind moderation hides the auditor's grades."
    )
    auditor_evidence = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=["agreed", "upgraded", "downgraded", "changed"],
        allow_null=True,
        help_text="How the moderator's grade moved from the auditor's; null until both exist.",
    )
    steps = serializers.IntegerField(allow_null=True, help_text="Grades moved, e.g. G to I is 2.")


class OverallOutput(serializers.Serializer):
    auditor_overall = serializers.CharField(allow_null=True)
    auditor_escalated = serializers.BooleanField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=["agreed", "upgraded", "downgraded", "changed"], allow_null=True
    )
    steps = serializers.IntegerField(allow_null=True)


class ModerationDetailOutput(ModerationListOutput):
    auditor_grades_hidden = serializers.BooleanField(
        read_only=True, help_text="Blind and not yet revealed: the auditor's grades are left out."
    )
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, allow_null=True, default=None
    )
    overall_comparison = serializers.SerializerMethodField()
    grades = serializers.SerializerMethodField()
    escalation = serializers.SerializerMethodField(
        help_text="The escalation this moderation raised or confirmed."
    )

    class Meta(ModerationListOutput.Meta):
        fields = [
            *ModerationListOutput.Meta.fields,
            "auditor_grades_hidden",
            "revealed_at",
            "blind_overall",
            "overall_revision_reason",
            "escalation_reason",
            "summary",
            "rework_comment",
            "removed_reason",
            "acknowledged_by",
            "overall_comparison",
            "grades",
            "escalation",
        ]

    @extend_schema_field(OverallOutput)
    def get_overall_comparison(self, moderation: Moderation) -> dict:
        return OverallOutput(selectors.moderation_overall_comparison(moderation)).data

    @extend_schema_field(ComparisonOutput(many=True))
    def get_grades(self, moderation: Moderation) -> list:
        return ComparisonOutput(selectors.moderation_comparison(moderation), many=True).data

    @extend_schema_field(EscalationOutput(allow_null=True))
    def get_escalation(self, moderation: Moderation) -> dict | None:
        escalation = selectors.moderation_escalation(moderation)
        return EscalationOutput(escalation).data if escalation else None


# ---------------------------------------------------------------- input


class ModeratedGradeInput(StrictInput):
    grade = serializers.ChoiceField(
        choices=DomainGradeChoice.choices, allow_blank=True, help_text='"" clears the grade.'
    )
    rationale = serializers.CharField(allow_blank=True, max_length=limits.RATIONALE, default="")
    revision_reason = serializers.CharField(
        allow_blank=True,
        max_length=limits.REVISION_REASON,
        default="",
        help_text="Blind moderation: why the grade changed after the reveal.",
    )


VERSION_HELP = 'The version you read (or send If-Match: "<version>"). A newer one gets 409.'


class ModerationContentInput(StrictInput):
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)
    overall = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, required=False)
    overall_revision_reason = serializers.CharField(
        allow_blank=True, max_length=limits.OVERALL_REVISION_REASON, required=False
    )
    escalated = serializers.BooleanField(
        required=False, help_text="Inadequate – escalation: only with overall I."
    )
    escalation_reason = serializers.CharField(
        allow_blank=True, max_length=limits.ESCALATION_REASON, required=False
    )
    summary = serializers.CharField(
        allow_blank=True,
        max_length=limits.SUMMARY,
        required=False,
        help_text="Feedback for the auditor.",
    )
    grades = GradesField(
        child=ModeratedGradeInput(),
        required=False,
        help_text=(
            "Keyed by domain code, e.g. "
            '{"plan": {"grade": "RI", "rationale": "No timescales."}}. '
            "Each domain sent has its grade, rationale and revision reason replaced; "
            "domains left out are kept."
        ),
    )


class ModerationAddInput(StrictInput):
    audit = serializers.IntegerField(min_value=1, help_text="A submitted audit's id.")
    reason = serializers.CharField(
        allow_blank=True,
        max_length=HAND_REASON_MAX,  # stored as the selection note
        error_messages={"max_length": HAND_REASON_TOO_LONG},
        help_text="Why it is added; shown beside it.",
    )


class ModerationRemoveInput(StrictInput):
    reason = serializers.CharField(allow_blank=True, max_length=5000)


class ModerationReturnInput(StrictInput):
    version = serializers.IntegerField(min_value=1, required=False, help_text=VERSION_HELP)
    comment = serializers.CharField(
        max_length=limits.REWORK_COMMENT,
        help_text="What the auditor needs to rework.",
        error_messages={
            "blank": "Enter what the auditor needs to rework.",
            "required": "Enter what the auditor needs to rework.",
        },
    )


# ---------------------------------------------------------------- helpers

GRADE_PARTS = ("revision_reason", "rationale", "grade")  # longest first: prefixes overlap


def nest_grade_errors(field_errors: dict[str, list[str]]) -> dict:
    """The services' flat keys (grade_plan, rationale_plan, revision_reason_plan: the HTML
    form's field names) as the API's nested shape: {"grades": {"plan": {"grade": [...]}}}."""
    nested: dict = {}
    for key, messages in field_errors.items():
        part = next((p for p in GRADE_PARTS if key.startswith(f"{p}_")), None)
        if part is None:
            nested[key] = messages
            continue
        code = key[len(part) + 1 :]
        nested.setdefault("grades", {}).setdefault(code, {})[part] = messages
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


CONTENT_FIELDS = ("overall", "overall_revision_reason", "escalated", "escalation_reason", "summary")


def content_from(data: dict) -> ModerationContent | None:
    """The content sent, or None when only the version was."""
    if not set(data) - {"version"}:
        return None
    grades = {
        code: (g["grade"], g["rationale"], g["revision_reason"])
        for code, g in data.get("grades", {}).items()
    }
    fields = {name: data[name] for name in CONTENT_FIELDS if name in data}
    return ModerationContent(**fields, grades=grades)


def detail_response(request, moderation_id: int, code: int = status.HTTP_200_OK) -> Response:
    moderation = selectors.moderation_detail_for_user(
        user=request.user, moderation_id=moderation_id
    )
    # Every answer after a claim, save, reveal, completion or return carries the audit's
    # content: each is a read, recorded like GET.
    audit_read_record(user=request.user, audit=moderation.audit, channel="api", what="moderation")
    return moderation_response(request, moderation, code)


def moderation_response(
    request, moderation: Moderation, code: int = status.HTTP_200_OK
) -> Response:
    output = ModerationDetailOutput(moderation, context={"request": request})
    response = Response(output.data, status=code)
    response["ETag"] = f'"{moderation.version}"'
    return response


def _read(request, pk: int) -> Moderation:
    return permissions.moderation_for_user(user=request.user, moderation_id=pk)


# ---------------------------------------------------------------- view

# Nothing to send but the request itself; documented as "any object" so clients send {}.
NO_BODY = OpenApiTypes.OBJECT
ALL_ERRORS = error_responses(400, 403, 404, 409)


def _read_sent_nothing(request, pk: int) -> Moderation:
    """The moderation, once the body (if any) is checked to be a JSON object: a list or a
    number is a client's mistake, not a claim."""
    moderation = _read(request, pk)
    validated(EmptyInput, request)
    return moderation


class ModerationViewSet(ApiViewSet):
    """Moderations you may read: all of them (moderators and QA leads); once completed, those
    of your own audits, of the people you line-manage and of your service areas (viewer)."""

    queryset = Moderation.objects.none()  # for the schema and router only; reads use selectors
    filterset_class = ModerationFilter  # documents the query parameters; the selector applies them
    form_serializers = {
        "POST": EmptyInput,
        "create": ModerationAddInput,
        "PATCH": ModerationContentInput,
        "reveal": ModerationContentInput,
        "complete": ModerationContentInput,
        "return_for_rework": ModerationReturnInput,
        "remove": ModerationRemoveInput,
    }

    @extend_schema(responses={200: ModerationListOutput(many=True), **list_errors()})
    def list(self, request):
        moderations = selectors.moderation_list_for_user(
            user=request.user, filters=request.query_params
        )
        return self.paginated(moderations, ModerationListOutput)

    @extend_schema(
        parameters=[etag(200)], responses={200: ModerationDetailOutput, **error_responses(404)}
    )
    def retrieve(self, request, pk: int):
        moderation = selectors.moderation_detail_for_user(user=request.user, moderation_id=pk)
        audit_read_record(
            user=request.user, audit=moderation.audit, channel="api", what="moderation"
        )
        return moderation_response(request, moderation)

    @extend_schema(
        request=ModerationAddInput,
        parameters=[etag(201)],
        responses={201: ModerationDetailOutput, **ALL_ERRORS},
        description="A QA lead adds a submitted audit to the sample by hand, with a reason.",
    )
    def create(self, request):
        data = validated(ModerationAddInput, request)
        audit = audit_for_user(user=request.user, audit_id=data["audit"])
        moderation = moderation_add(actor=request.user, audit=audit, reason=data["reason"])
        return detail_response(request, moderation.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ModerationRemoveInput,
        parameters=[etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="A QA lead takes an audit nobody has claimed out of the sample.",
    )
    @action(detail=True, methods=["post"])
    def remove(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated(ModerationRemoveInput, request)
        moderation_remove(actor=request.user, moderation=moderation, **data)
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationContentInput,
        parameters=[IF_MATCH, etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="The claimant saves a draft. Send only what changed, with the version read.",
    )
    def partial_update(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated_content(ModerationContentInput, request, tool=moderation.audit.tool)
        version = version_from(request, data)
        with grade_errors_nested():
            moderation_save_draft(
                actor=request.user,
                moderation=moderation,
                version=version,
                content=content_from(data) or ModerationContent(),
            )
        return detail_response(request, pk)

    @extend_schema(
        request=NO_BODY,
        parameters=[etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="A moderator claims a waiting audit (never one they wrote). Of two "
        "moderators claiming at once one wins; the other gets 409 naming the claimant.",
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk: int):
        moderation = _read_sent_nothing(request, pk)
        moderation_claim(actor=request.user, moderation=moderation)
        return detail_response(request, pk)

    @extend_schema(
        request=NO_BODY,
        parameters=[etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Give a claimed audit back to the queue (the claimant, or a QA lead); "
        "the grades entered so far are kept.",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk: int):
        moderation = _read_sent_nothing(request, pk)
        moderation_release(actor=request.user, moderation=moderation)
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationContentInput,
        parameters=[IF_MATCH, etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Blind moderation: save any content sent, fix the grades given so far and "
        "show the auditor's grades. Every domain and the overall judgement must be graded.",
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated_content(ModerationContentInput, request, tool=moderation.audit.tool)
        version = version_from(request, data)
        with grade_errors_nested():
            moderation_reveal(
                actor=request.user,
                moderation=moderation,
                version=version,
                content=content_from(data),
            )
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationContentInput,
        parameters=[IF_MATCH, etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Complete (saving any content sent first). Anything missing gets 400 with "
        "a message per field; after completion the moderation never changes.",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated_content(ModerationContentInput, request, tool=moderation.audit.tool)
        version = version_from(request, data)
        with grade_errors_nested():
            moderation_flows.moderation_complete(
                actor=request.user,
                moderation=moderation,
                version=version,
                content=content_from(data),
            )
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationReturnInput,
        parameters=[IF_MATCH, etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Return a poorly evidenced audit for rework: the submission stays as it "
        "was and the auditor reworks a new revision, which rejoins the sample when resubmitted.",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_rework(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated(ModerationReturnInput, request)
        version = version_from(request, data)
        moderation_flows.moderation_return_for_rework(
            actor=request.user, moderation=moderation, version=version, comment=data["comment"]
        )
        return detail_response(request, pk)

    @extend_schema(
        request=NO_BODY,
        parameters=[etag(200)],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="The audit's auditor confirms they have read the moderation's feedback.",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk: int):
        moderation = _read_sent_nothing(request, pk)
        moderation_acknowledge(actor=request.user, moderation=moderation)
        return detail_response(request, pk)
