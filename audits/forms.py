"""Forms for the auditor's pages. They only parse input: rules live in services."""

from typing import cast

from django import forms
from django.utils import timezone

from audits.selectors import active_staff
from core.filters import PersonChoiceField
from core.grades import Grade, grade_choices
from core.limits import show_limits
from core.models import Audit, Domain, User
from core.services.actions import action_owner_errors
from core.services.audits import NARRATIVE_FIELDS, AuditContent
from core.validation import action_due_date_error

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y", "%d-%m-%Y"]


class AuditForm(forms.Form):
    """One section per domain (grade + evidence), then the judgement and narrative."""

    overall = forms.ChoiceField(
        label="Overall judgement",
        choices=Grade.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    escalated = forms.BooleanField(
        label="Inadequate – escalation: this case needs a management response",
        required=False,
        help_text="Only for an audit judged Inadequate. Senior managers will be asked to respond.",
    )
    escalation_reason = forms.CharField(
        label="Why does this case need a management response?",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    working_well = forms.CharField(
        label="What is working well?", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    worried_about = forms.CharField(
        label="What are we worried about?", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    needs_to_happen = forms.CharField(
        label="What needs to happen?", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    family_feedback = forms.CharField(
        label="What did the child, parents or carers say about the help they received?",
        help_text="Optional. Record what was said, not names.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, audit: Audit, domains: list[Domain], **kwargs):
        self.audit = audit
        self.domains = domains
        if "initial" not in kwargs:
            kwargs["initial"] = self._initial(audit)
        super().__init__(*args, **kwargs)
        grades = audit.tool.grade_choices()
        cast(forms.ChoiceField, self.fields["overall"]).choices = grades
        for domain in domains:
            choices = grade_choices(
                offers_outstanding=audit.tool.offers_outstanding, na_allowed=domain.na_allowed
            )
            self.fields[f"grade_{domain.code}"] = forms.ChoiceField(
                label=domain.title,
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
                help_text=domain.guidance,
            )
            self.fields[f"evidence_{domain.code}"] = forms.CharField(
                label=f"Evidence for {domain.title}",
                widget=forms.Textarea(attrs={"rows": 4}),
                required=False,
            )
        # The error summary follows the page: domains first, then the judgement and findings.
        domain_fields = [f"{kind}_{d.code}" for d in domains for kind in ("grade", "evidence")]
        self.order_fields(domain_fields)
        show_limits(self)

    @staticmethod
    def _initial(audit: Audit) -> dict:
        initial = {
            name: getattr(audit, name)
            for name in ("overall", "escalated", "escalation_reason", *NARRATIVE_FIELDS)
        }
        initial["version"] = audit.version
        for row in audit.grades.select_related("domain"):
            initial[f"grade_{row.domain.code}"] = row.grade
            initial[f"evidence_{row.domain.code}"] = row.evidence
        return initial

    def sections(self):
        """Each domain with its bound fields and grade descriptors, in the tool's order."""
        for domain in self.domains:
            yield {
                "domain": domain,
                "legend": f"Grade for {domain.title}",
                "grade": self[f"grade_{domain.code}"],
                "evidence": self[f"evidence_{domain.code}"],
                "hints": {k: v for k, v in domain.descriptors().items() if v},
            }

    def content(self) -> AuditContent:
        data = self.cleaned_data
        return AuditContent(
            overall=data["overall"],
            escalated=data["escalated"],
            escalation_reason=data["escalation_reason"],
            **{name: data[name] for name in NARRATIVE_FIELDS},
            grades={
                d.code: (data[f"grade_{d.code}"], data[f"evidence_{d.code}"]) for d in self.domains
            },
        )


class ActionForm(forms.Form):
    description = forms.CharField(
        label="What needs to happen",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter what needs to happen."},
    )
    owner_person = PersonChoiceField(
        label="Owner",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a member of staff",
        help_text="Who in the service follows it up until it is done.",
        error_messages={"invalid_choice": "Choose a member of staff from the list."},
    )
    owner = forms.CharField(
        label="Or someone outside the service",
        max_length=120,
        required=False,
        help_text="Only if no one in the list owns it: a role or name, for example "
        "'Health visitor', never the child's.",
        error_messages={"max_length": "The owner must be 120 characters or fewer."},
    )
    due_date = forms.DateField(
        label="Due date",
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2027",
        error_messages={
            "required": "Enter the date the action is due.",
            "invalid": "Enter the due date as a real date, for example 27/3/2027.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        show_limits(self)
        owner = cast(forms.ModelChoiceField, self.fields["owner_person"])
        owner.queryset = active_staff()

    def clean(self):
        data = super().clean() or {}
        if "owner_person" not in self.errors and "owner" not in self.errors:
            owner_errors = action_owner_errors(
                owner_person=data.get("owner_person"), owner=data.get("owner") or ""
            )
            for name, messages in owner_errors.items():
                for message in messages:
                    self.add_error(name, message)
        return data

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        error = action_due_date_error(due, today=timezone.localdate())
        if error:
            raise forms.ValidationError(error)
        return due
