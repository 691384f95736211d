"""POST /api/staff-import/: the staff import (flows/staff_import.py) for QA leads, as JSON.

Send the HR file's rows as objects keyed by column header, or the CSV text itself; the answer
is what was (or, with dry_run, would be) created and changed, or 400 with every problem by row
and column and nothing written.
"""

import io

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiViewSet, StrictInput, error_responses, validated
from core.permissions import STAFF_REFUSED, require, staff_manage_allowed
from flows.importer import ImportFailed, read_table
from flows.importer.files import MAX_ROWS
from flows.staff_import import staff_import


class StaffImportInput(StrictInput):
    rows = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=2000)),
        required=False,
        max_length=MAX_ROWS,
        help_text='One object per person, keyed by column: {"username": "sokafor", '
        '"name": "Sam Okafor", "team": "CIN 1", "service_area": "Children in need", '
        '"roles": "auditor", "line_manager": "pboss"}.',
    )
    csv = serializers.CharField(
        required=False,
        max_length=2_000_000,
        help_text="Or the HR file as CSV text, headers in the first line.",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check and report; write nothing.")

    def validate(self, attrs):
        if ("rows" in attrs) == ("csv" in attrs):
            raise serializers.ValidationError({"rows": ["Send either rows or csv, not both."]})
        return attrs


class RowErrorOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="Spreadsheet row; the headers are row 1.")
    column = serializers.CharField()
    reason = serializers.CharField()


class StaffImportErrorOutput(serializers.Serializer):
    """A row's problem comes in `errors`; a body that cannot be read has a message per field
    instead (e.g. `rows`), as every other 400 of the API."""

    detail = serializers.CharField()
    errors = RowErrorOutput(  # type: ignore[assignment]
        many=True, required=False, help_text="Every problem of the file, by row and column."
    )


class StaffImportOutput(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.ListField(child=serializers.CharField(), help_text="Usernames.")
    changed = serializers.ListField(child=serializers.CharField(), help_text="Usernames.")
    activated = serializers.ListField(
        child=serializers.CharField(), help_text="Inactive people of the history import."
    )
    left_deactivated = serializers.ListField(
        child=serializers.CharField(), help_text="Deactivated by a QA lead: left so."
    )
    unchanged = serializers.IntegerField()
    service_areas_created = serializers.ListField(child=serializers.CharField())
    teams_created = serializers.ListField(child=serializers.CharField())
    ignored_columns = serializers.ListField(child=serializers.CharField())
    summary = serializers.ListField(child=serializers.CharField())


class StaffImportView(APIView):
    permission_classes = ApiViewSet.permission_classes
    parser_classes = ApiViewSet.parser_classes

    def get_serializer(self, *args, **kwargs):
        return StaffImportInput()

    @extend_schema(
        operation_id="staff_import_create",
        request=StaffImportInput,
        responses={
            200: StaffImportOutput,
            400: OpenApiResponse(
                StaffImportErrorOutput,
                description="Every problem by row and column, or a message per field of the body.",
            ),
            **error_responses(403),
        },
        description="Import staff all or nothing (QA leads). Running the same rows twice "
        "changes nothing the second time.",
    )
    def post(self, request):
        require(staff_manage_allowed(user=request.user), STAFF_REFUSED)
        data = validated(StaffImportInput, request)
        try:
            if "csv" in data:
                rows = read_table(io.BytesIO(data["csv"].encode()), "staff.csv")
            else:
                rows = data["rows"]
            result = staff_import(rows=rows, actor=request.user, dry_run=data["dry_run"])
        except ImportFailed as failure:
            errors = [e._asdict() for e in failure.errors]
            return Response({"detail": failure.message, "errors": errors}, status=400)
        return Response(StaffImportOutput(result.as_dict()).data)
