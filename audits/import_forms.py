"""The upload form of the import page: the file and the dry-run choice."""

from django import forms
from django.core.validators import FileExtensionValidator

from flows.importer.files import MAX_FILE_MB, MAX_ROWS


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
    dry_run = forms.BooleanField(
        label="Check the file only (dry run)",
        help_text="Nothing is written: you see what the import would create.",
        required=False,
    )
