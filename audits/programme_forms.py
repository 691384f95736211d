"""Forms for the QA lead's programme pages. They only parse input: rules live in services."""

import datetime as dt
from typing import cast

from django import forms

from audits.forms import DATE_FORMATS
from core.filters import MonthFormField
from core.forms import NUMBER_WIDGET, CaseReferenceField
from core.models import AuditTool, ServiceArea, User
from core.validation import TARGET_MAX

# GOV.UK asks for numbers in a text input: type="number" rounds, spins and hides errors.
MAX_SAMPLE = 200


def _whole_number(label: str, *, required: bool = True, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        required=required,
        widget=NUMBER_WIDGET,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": f"The {label.lower()} must be a whole number, like 12.",
            "min_value": f"The {label.lower()} must be 0 or more.",
            "max_value": f"The {label.lower()} must be %(limit_value)s or fewer.",
        },
        **kwargs,
    )


class ToolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (version {obj.version})"


class AuditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        team = f" – {obj.team.name}" if obj.team_id else ""
        return f"{obj.get_full_name() or obj.username}{team}"


class ProgrammeEditForm(forms.Form):
    """What can change once a programme is open: theme, targets and due date."""

    theme = forms.CharField(
        label="Theme",
        max_length=200,
        required=False,
        help_text="Optional. For example, Section 47 enquiries.",
        error_messages={"max_length": "The theme must be 200 characters or fewer."},
    )
    audit_target = _whole_number("Target number of audits", max_value=TARGET_MAX)
    moderation_target = _whole_number(
        "Moderation target",
        max_value=TARGET_MAX,
        help_text="How many of the returned audits to moderate.",
    )
    due_date = forms.DateField(
        label="Due date",
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text="For example, 30/11/2026",
        error_messages={
            "required": "Enter the due date.",
            "invalid": "Enter the due date as a real date, like 30/11/2026.",
        },
    )

    blind_moderation = forms.TypedChoiceField(
        label="Blind moderation",
        choices=[
            ("yes", "On: moderators grade before they see the auditor's grades"),
            ("no", "Off"),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,  # not sent: left as it is
        required=False,
        widget=forms.RadioSelect,
        help_text="A change applies to the audits in the moderation sample not yet claimed; "
        "a moderation already claimed keeps the setting it was claimed with.",
        error_messages={"invalid_choice": "Choose On or Off for blind moderation."},
    )

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        if due < dt.date(2000, 1, 1):
            raise forms.ValidationError("Enter a due date after 1 January 2000.")
        return due


class ProgrammeCreateForm(ProgrammeEditForm):
    """Opening a month's programme also fixes its month and tool."""

    month = MonthFormField(
        label="Month",
        help_text="For example, 2026-11",
        error_messages={
            "required": "Enter the month, like 2026-11.",
            "invalid": "Enter the month as YYYY-MM, like 2026-11.",
        },
    )
    tool = ToolChoiceField(
        label="Audit tool",
        queryset=AuditTool.objects.none(),
        empty_label="Choose an audit tool",
        error_messages={
            "required": "Select an audit tool.",
            "invalid_choice": "Select an audit tool from the list.",
        },
    )

    blind_moderation = forms.TypedChoiceField(
        label="Blind moderation",
        choices=[
            ("", "As the audit tool is set"),
            ("yes", "On: moderators grade before they see the auditor's grades"),
            ("no", "Off"),
        ],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose blind moderation from the list."},
    )

    field_order = ["month", "tool", "theme", "audit_target", "moderation_target", "due_date"]
    field_order += ["blind_moderation"]

    def __init__(self, *args, tools, **kwargs):
        super().__init__(*args, **kwargs)
        # Published versions only: a draft is still being set up. An older version stays
        # on offer for months recorded under it.
        cast(forms.ModelChoiceField, self.fields["tool"]).queryset = tools


class SampleForm(forms.Form):
    """How many cases to draw, from which seed and which part of the service."""

    size = _whole_number("Number of cases", max_value=MAX_SAMPLE)
    seed = _whole_number(
        "Seed",
        help_text="The same seed draws the same sample. Note it to draw this sample again.",
        max_value=2**31 - 1,
    )
    service_area = forms.ModelChoiceField(
        label="Service area",
        queryset=ServiceArea.objects.order_by("name", "pk"),
        required=False,
        empty_label="All service areas",
        help_text="Optional. Leave as all service areas for a spread across the service.",
        error_messages={"invalid_choice": "Select a service area from the list."},
    )

    # Cases already in the programme when the sample was drawn: a second press of "Assign"
    # would otherwise redraw around the first press's cases and assign a second sample.
    assigned = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_size(self):
        size = self.cleaned_data["size"]
        if size < 1:
            raise forms.ValidationError("The number of cases must be 1 or more.")
        return size


class AddCaseForm(forms.Form):
    """Assign one case, found by its reference, to an auditor."""

    reference = CaseReferenceField(
        help_text="The reference in the case-management system, for example LCS-100123.",
        error_messages={"required": "Enter the case reference."},
    )
    auditor = AuditorChoiceField(
        label="Auditor",
        queryset=User.objects.none(),
        empty_label="Choose an auditor",
        error_messages={
            "required": "Choose an auditor.",
            "invalid_choice": "Choose an auditor from the list.",
        },
    )
    resample_reason = forms.CharField(
        label="Reason to audit again",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only needed if the case was audited in the last 12 months.",
    )

    def __init__(self, *args, auditors, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["auditor"]).queryset = auditors
