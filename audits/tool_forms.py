"""Forms for the QA lead's tool pages. They parse input and report the shared rules of
core.tool_definitions on their fields, every problem at once; the services check again."""

from typing import cast

from django import forms

from core.models import AuditTool, Domain
from core.tool_definitions import (
    CODE_MAX_LENGTH,
    DESCRIPTOR_MAX,
    GRADE_NAMES,
    GUIDANCE_MAX,
    NAME_MAX,
    TITLE_MAX,
    DomainSpec,
    ToolSpec,
    domain_errors,
    tool_field_errors,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, help_text: str, missing: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": missing, "invalid_choice": missing},
    )


def _text(label: str, limit: int, *, rows: int = 0, help_text: str = "") -> forms.CharField:
    # Not required here: the shared rules say what is missing, beside every other problem.
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=False,
        widget=widget,
        help_text=help_text,
        max_length=limit * 2,  # a far longer paste is refused before the rules read it
        error_messages={"max_length": f"Keep this to {limit:,} characters or fewer."},
    )


def _put(form: forms.Form, errors: dict[str, list[str]], renamed: dict[str, str]) -> None:
    for name, messages in errors.items():
        field = renamed.get(name, name)
        for message in messages:
            if field in form.fields and field not in form.errors:
                form.add_error(field, message)
            elif field not in form.fields:
                form.add_error(None, message)


class ToolForm(forms.Form):
    """A tool's own fields; the code only when it is created."""

    code = _text(
        "Code",
        CODE_MAX_LENGTH,
        help_text="Short and fixed for every version, used in files and the API: lower-case "
        "letters, digits, - and _, for example case-file.",
    )
    name = _text("Name", NAME_MAX, help_text="For example, Case file audit.")
    audit_type = forms.ChoiceField(
        label="Audit type",
        choices=AuditTool.AuditType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the audit type.",
            "invalid_choice": "Choose an audit type from the list.",
        },
    )
    offers_outstanding = _yes_no(
        "Is Outstanding offered?",
        "Many authorities grade only Good, Requires improvement and Inadequate.",
        "Choose whether Outstanding is offered.",
    )
    blind_moderation = _yes_no(
        "Blind moderation by default?",
        "Moderators grade before they see the auditor's grades. Each programme can change it.",
        "Choose whether moderation is blind by default.",
    )

    def __init__(self, *args, tool: AuditTool | None = None, **kwargs):
        self.tool = tool
        super().__init__(*args, **kwargs)
        if tool is not None:
            del self.fields["code"]

    def clean(self):
        data = super().clean() or {}
        spec = ToolSpec(
            code=self.tool.code if self.tool else data.get("code", ""),
            name=data.get("name", ""),
            audit_type=data.get("audit_type") or AuditTool.AuditType.CASE_FILE,
        )
        _put(self, tool_field_errors(spec), {})
        return data


class ContinuesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.code})"


class DomainForm(forms.Form):
    """A domain of a draft: code, title, guidance, N/A, a descriptor per grade, lineage."""

    code = _text(
        "Code",
        CODE_MAX_LENGTH,
        help_text="Lower-case letters, digits, - and _, for example voice_of_child. Used as "
        "the column name in imports and the API.",
    )
    title = _text("Title", TITLE_MAX, help_text="For example, Voice of the child.")
    guidance = _text(
        "Guidance for auditors",
        GUIDANCE_MAX,
        rows=4,
        help_text="Optional. Shown under the domain's title on the audit form.",
    )
    na_allowed = forms.BooleanField(
        label="N/A is allowed: the domain may not apply to every case",
        required=False,
        help_text="For example, Review on a case that has had none.",
    )
    descriptor_O = _text(f"What {GRADE_NAMES['O']} looks like", DESCRIPTOR_MAX, rows=2)
    descriptor_G = _text(f"What {GRADE_NAMES['G']} looks like", DESCRIPTOR_MAX, rows=2)
    descriptor_RI = _text(f"What {GRADE_NAMES['RI']} looks like", DESCRIPTOR_MAX, rows=2)
    descriptor_I = _text(f"What {GRADE_NAMES['I']} looks like", DESCRIPTOR_MAX, rows=2)
    continues = ContinuesField(
        label="Which domains of the previous version does it continue?",
        queryset=Domain.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Trends carry on from the domains you tick. Tick one for a domain kept or "
        "renamed; tick the same one on both halves of a split; tick two to merge them; tick "
        "none for a new domain.",
        error_messages={"invalid_choice": "Choose domains of the previous version."},
    )

    def __init__(self, *args, tool: AuditTool, domain: Domain | None = None, **kwargs):
        self.tool = tool
        self.domain = domain
        super().__init__(*args, **kwargs)
        if not tool.offers_outstanding:
            del self.fields["descriptor_O"]
        if tool.previous_id is None:
            del self.fields["continues"]
        else:
            previous = Domain.objects.filter(tool_id=tool.previous_id).order_by("position")
            cast(forms.ModelMultipleChoiceField, self.fields["continues"]).queryset = previous
        others = tool.domains.exclude(pk=domain.pk) if domain else tool.domains.all()
        self.taken_codes = list(others.values_list("code", flat=True))

    def spec(self) -> DomainSpec:
        data = self.cleaned_data
        return DomainSpec(
            code=data.get("code", "").strip(),
            title=data.get("title", ""),
            guidance=data.get("guidance", ""),
            na_allowed=bool(data.get("na_allowed")),
            descriptors={
                grade: data.get(f"descriptor_{grade}", "") for grade in ("O", "G", "RI", "I")
            },
            continues=tuple(d.code for d in data.get("continues") or ()),
        )

    def clean(self):
        data = super().clean()
        previous = None
        if "continues" in self.fields:
            previous = [d.code for d in self.fields["continues"].queryset]  # type: ignore[attr-defined]
        errors = domain_errors(
            self.spec(),
            offers_outstanding=self.tool.offers_outstanding,
            taken_codes=self.taken_codes,
            previous_codes=previous,
        )
        renamed = {f"descriptors.{g}": f"descriptor_{g}" for g in ("O", "G", "RI", "I")}
        _put(self, errors, renamed)
        return data


def domain_initial(domain: Domain) -> dict:
    initial = {
        "code": domain.code,
        "title": domain.title,
        "guidance": domain.guidance,
        "na_allowed": domain.na_allowed,
        "continues": list(domain.continues.all()),
    }
    for grade, text in domain.descriptors().items():
        initial[f"descriptor_{grade}"] = text
    return initial


class ToolFileForm(forms.Form):
    file = forms.FileField(
        label="Upload a tool file",
        help_text="A tool exported from this service: JSON (.json) or Excel (.xlsx). A new "
        "code makes version 1; a code you have already makes its next version. Either way it "
        "arrives as a draft for you to check, preview and publish.",
        error_messages={
            "required": "Select a JSON or XLSX tool file.",
            "empty": "The selected file is empty.",
            "invalid": "Select a JSON or XLSX tool file.",
        },
    )
