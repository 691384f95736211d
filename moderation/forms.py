"""Forms for the moderation pages. They only parse input: rules live in services."""

from typing import cast

from django import forms

from core.forms import NUMBER_WIDGET, CaseReferenceField
from core.grades import grade_choices
from core.limits import show_limits
from core.models import Programme, ServiceArea
from moderation.models import Moderation
from moderation.sampling import SampleRules
from moderation.services.moderating import ModerationContent


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        theme = f": {obj.theme}" if obj.theme else ""
        return f"{obj.month:%B %Y} – {obj.tool.name}{theme}"


class QueueFilterForm(forms.Form):
    """The queue's filters, read from the query string and handed to the selector."""

    programme = ProgrammeChoiceField(
        label="Programme",
        queryset=Programme.objects.select_related("tool").order_by("-month", "tool__code"),
        required=False,
        empty_label="All programmes and months",
        error_messages={"invalid_choice": "Select a programme from the list."},
    )
    service_area = forms.ModelChoiceField(
        label="Service area",
        queryset=ServiceArea.objects.order_by("name", "pk"),
        required=False,
        empty_label="All service areas",
        error_messages={"invalid_choice": "Select a service area from the list."},
    )


class ModerationForm(forms.Form):
    """Domain by domain the moderator's grade and rationale, then the judgement and summary.

    The reason fields for changing a grade exist only once a blind moderation is revealed.
    """

    overall = forms.ChoiceField(label="Overall judgement", widget=forms.RadioSelect, required=False)
    overall_revision_reason = forms.CharField(
        label="Why your overall judgement differs from the auditor's",
        help_text="Needed when your judgement is not the auditor's, as for a domain grade; "
        "after a blind reveal, also when you change the judgement you gave before it.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    escalated = forms.BooleanField(
        label="Inadequate – escalation: this case needs a management response",
        required=False,
        help_text="Only for an Inadequate judgement. The head of service will be asked to respond.",
    )
    escalation_reason = forms.CharField(
        label="Why does this case need a management response?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    summary = forms.CharField(
        label="Summary for the auditor",
        help_text="What was done well and what to do differently. The auditor reads this.",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, moderation: Moderation, domains, **kwargs):
        self.moderation = moderation
        self.domains = domains
        self.revealed = moderation.blind and moderation.revealed_at is not None
        if "initial" not in kwargs:
            kwargs["initial"] = self._initial(moderation)
        super().__init__(*args, **kwargs)
        tool = moderation.audit.tool
        grades = tool.grade_choices()
        cast(forms.ChoiceField, self.fields["overall"]).choices = grades
        rationale_hint = (
            "Needed where your grade differs from the auditor's: you will see theirs once you "
            "have graded and shown them."
            if moderation.auditor_grades_hidden()
            else "Needed when your grade differs from the auditor's."
        )
        names = []
        for domain in domains:
            choices = grade_choices(
                offers_outstanding=moderation.audit.tool.offers_outstanding,
                na_allowed=domain.na_allowed,
            )
            self.fields[f"grade_{domain.code}"] = forms.ChoiceField(
                label=domain.title,
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                help_text=domain.guidance,
            )
            self.fields[f"rationale_{domain.code}"] = forms.CharField(
                label=f"Rationale for your {domain.title} grade",
                help_text=rationale_hint,
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )
            names += [f"grade_{domain.code}", f"rationale_{domain.code}"]
            if self.revealed:
                self.fields[f"revision_reason_{domain.code}"] = forms.CharField(
                    label=f"Reason for changing your {domain.title} grade",
                    help_text="Only needed if you change the grade you gave before the reveal.",
                    widget=forms.Textarea(attrs={"rows": 2}),
                    required=False,
                )
                names.append(f"revision_reason_{domain.code}")
        if moderation.auditor_grades_hidden():
            # Nothing to compare with yet: the auditor's judgement is hidden.
            del self.fields["overall_revision_reason"]
        # The error summary follows the page: domains first, then the judgement and summary.
        self.order_fields(names)
        show_limits(self)

    def _initial(self, moderation: Moderation) -> dict:
        initial = {
            "overall": moderation.overall,
            "overall_revision_reason": moderation.overall_revision_reason,
            "escalated": moderation.escalated,
            "escalation_reason": moderation.escalation_reason,
            "summary": moderation.summary,
            "version": moderation.version,
        }
        for row in moderation.grades.select_related("domain"):
            code = row.domain.code
            initial[f"grade_{code}"] = row.grade
            initial[f"rationale_{code}"] = row.rationale
            initial[f"revision_reason_{code}"] = row.revision_reason
        return initial

    def sections(self, comparison: dict):
        """Each domain's fields with its descriptors and the auditor's grade (None if hidden)."""
        for domain in self.domains:
            code = domain.code
            yield {
                "domain": domain,
                "legend": f"Your grade for {domain.title}",
                "grade": self[f"grade_{code}"],
                "rationale": self[f"rationale_{code}"],
                "revision_reason": self[f"revision_reason_{code}"] if self.revealed else None,
                "hints": {k: v for k, v in domain.descriptors().items() if v},
                "auditor": comparison.get(code),
            }

    def content(self) -> ModerationContent:
        data = self.cleaned_data
        grades = {}
        for domain in self.domains:
            code = domain.code
            reason = data.get(f"revision_reason_{code}", "") if self.revealed else ""
            grades[code] = (data[f"grade_{code}"], data[f"rationale_{code}"], reason)
        return ModerationContent(
            overall=data["overall"],
            overall_revision_reason=data.get("overall_revision_reason", "")
            if "overall_revision_reason" in self.fields
            else None,
            escalated=data["escalated"],
            escalation_reason=data["escalation_reason"],
            summary=data["summary"],
            grades=grades,
        )


class ReworkForm(forms.Form):
    rework_comment = forms.CharField(
        label="What does the auditor need to rework?",
        help_text="The audit goes back to the auditor as a new revision; this submission is kept.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what the auditor needs to rework."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limits(self)


def _whole_number(
    label: str, *, required: bool = True, min_value: int = 0, **kwargs
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=min_value,
        required=required,
        widget=NUMBER_WIDGET,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": f"The {label.lower()} must be a whole number, like 12.",
            "min_value": f"The {label.lower()} must be {min_value} or more.",
            "max_value": f"The {label.lower()} must be %(limit_value)s or fewer.",
        },
        **kwargs,
    )


class SampleDrawForm(forms.Form):
    """The rules of a draw: a target (number or %), the rule-based picks, widening and seed."""

    target = _whole_number(
        "Number of audits",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Enter a number of audits or a percentage of those returned, not both.",
    )
    percent = _whole_number(
        "Percentage of returned audits", required=False, min_value=1, max_value=100
    )
    include_good_or_better = forms.BooleanField(
        label="Every Outstanding or Good judgement", required=False
    )
    include_escalations = forms.BooleanField(label="Every escalation", required=False)
    widen_downgrades = _whole_number("Downgraded audits", min_value=1, max_value=100)
    widen_window = _whole_number("Of the last moderated audits", min_value=1, max_value=100)
    seed = _whole_number(
        "Seed",
        max_value=2**31 - 1,
        help_text="The same seed draws the same sample. Note it to draw this sample again.",
    )

    def rules(self) -> SampleRules:
        data = self.cleaned_data
        return SampleRules(
            target=data["target"],
            percent=data["percent"],
            include_good_or_better=data["include_good_or_better"],
            include_escalations=data["include_escalations"],
            widen_downgrades=data["widen_downgrades"],
            widen_window=data["widen_window"],
        )


class AddToSampleForm(forms.Form):
    reference = CaseReferenceField(
        help_text="A case with a submitted audit in this programme, for example LCS-100123.",
        error_messages={"required": "Enter the case reference."},
    )
    reason = forms.CharField(
        label="Why add this audit?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter why this audit is added."},
    )


class RemoveFromSampleForm(forms.Form):
    reason = forms.CharField(
        label="Why remove this audit from the sample?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why this audit is removed."},
    )


class EscalationResponseForm(forms.Form):
    response = forms.CharField(
        label="Management response",
        help_text="What will happen on this child's case, by whom and by when.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the management response."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limits(self)
