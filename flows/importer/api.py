"""What the two import APIs share (POST /api/staff-import/ and POST /api/imports/): a table
sent as rows keyed by column or as CSV text, and the 400 that lists every problem by row and
column. Each API adds its own fields and answer."""

import io

from rest_framework import serializers

from core.api import StrictInput
from flows.importer.files import MAX_ROWS, read_table
from flows.importer.results import ImportFailed


class TableInput(StrictInput):
    rows = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=2000)),
        required=False,
        max_length=MAX_ROWS,
        help_text="One object per row of the file, keyed by column header.",
    )
    csv = serializers.CharField(
        required=False,
        max_length=20_000_000,
        help_text="Or the file as CSV text, headers in the first line.",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check and report; write nothing.")

    def validate(self, attrs):
        if ("rows" in attrs) == ("csv" in attrs):
            raise serializers.ValidationError({"rows": ["Send either rows or csv, not both."]})
        return super().validate(attrs)


def table_rows(data: dict) -> list[dict]:
    """The rows of a TableInput's body (a CSV is read as the upload pages read it)."""
    if "csv" in data:
        return read_table(io.BytesIO(data["csv"].encode()), "upload.csv")
    return data["rows"]


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="Spreadsheet row; the headers are row 1.")
    column = serializers.CharField()
    reason = serializers.CharField()


class TableErrorOutput(serializers.Serializer):
    """A row's problem comes in `errors`; a body that cannot be read has a message per field
    instead (e.g. `rows`), as every other 400 of the API."""

    detail = serializers.CharField()
    errors = RowErrorOutput(  # type: ignore[assignment]
        many=True, required=False, help_text="Every problem of the file, by row and column."
    )


def table_errors(failure: ImportFailed) -> dict:
    return {"detail": failure.message, "errors": [e._asdict() for e in failure.errors]}
