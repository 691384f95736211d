"""The moderations API's input and output serializers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from core.api import GradesField, MonthField, StrictInput
from core.grades import DomainGradeChoice, Grade
from moderation import selectors
from moderation.api.escalations import EscalationOutput
from moderation.models import Moderation
from moderation.services.sample import HAND_REASON_MAX, HAND_REASON_TOO_LONG

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
        return moderation.reason  # type: ignore[attr-defined]  # set by for_reader

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
        return ComparisonOutput(  # type: ignore[return-value]  # many=True gives a ReturnList
            selectors.moderation_comparison(moderation), many=True
        ).data

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
