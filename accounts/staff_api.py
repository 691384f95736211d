"""POST /api/staff-import/: the staff import (flows/staff_import.py) for QA leads, as JSON.

Send the HR file's rows as objects keyed by column header, or the CSV text itself; the answer
is what was (or, with dry_run, would be) created and changed, or 400 with every problem by row
and column and nothing written.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiViewSet, error_responses, validated
from core.permissions import STAFF_REFUSED, require, staff_manage_allowed
from flows.importer import ImportFailed
from flows.importer.api import TableErrorOutput, TableInput, table_errors, table_rows
from flows.staff_import import staff_import


class StaffImportInput(TableInput):
    """The HR file: columns username or email, name, team, service_area, roles, line_manager,
    e.g. {"username": "sokafor", "name": "Sam Okafor", "team": "CIN 1", "service_area":
    "Children in need", "roles": "auditor", "line_manager": "pboss"}."""


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
                TableErrorOutput,
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
            rows = table_rows(data)
            result = staff_import(rows=rows, actor=request.user, dry_run=data["dry_run"])
        except ImportFailed as failure:
            return Response(table_errors(failure), status=400)
        return Response(StaffImportOutput(result.as_dict()).data)
