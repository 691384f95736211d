"""The import page's forms: the tool version to show and import with, the file, the dry run."""

from django import forms
from django.core.validators import FileExtensionValidator

from core.models import AuditTool
from flows.importer.files import MAX_FILE_MB, MAX_ROWS


class ToolVersionField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} (code {obj.code}), version {obj.version}"


def _tool_version(**kwargs) -> ToolVersionField:
    return ToolVersionField(
        queryset=AuditTool.objects.published().order_by("code", "-version"),
        error_messages={"invalid_choice": "Choose a tool version from the list."},
        **kwargs,
    )


class ToolVersionForm(forms.Form):
    """GET: which version's columns and template the page shows."""

    tool = _tool_version(label="Tool version", required=False, empty_label="Choose a tool version")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            "A CSV (UTF-8) or Excel (.xlsx) file with one audit on each row, "
            f"at most {MAX_FILE_MB} MB and {MAX_ROWS:,} rows."
        ),
        validators=[
            FileExtensionValidator(
                ["csv", "xlsx"], message="The selected file must be a CSV or an XLSX file."
            )
        ],
        error_messages={
            "required": "Select a CSV or XLSX file.",
            "empty": "The selected file is empty.",
            "invalid": "Select a CSV or XLSX file.",
        },
    )
    tool_version = _tool_version(
        label="Recorded under",
        required=False,
        empty_label="The newest version of each tool",
        help_text=(
            "The tool version the history was recorded under, for its tool's rows. A month "
            "that already has a programme keeps its programme's version; a tool_version "
            "column in the file decides row by row."
        ),
    )
    dry_run = forms.BooleanField(
        label="Check the file only (dry run)",
        help_text="Nothing is written: you see what the import would create.",
        required=False,
    )
