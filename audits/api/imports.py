"""POST /api/imports/: a file of audit history for QA leads, as JSON (rows or CSV text), all or
nothing, checked against the tool version in force for each month, as the upload page and
`manage.py import_audits` do. A file over IMPORT_BACKGROUND_ROWS rows is kept as a job for a
Celery worker (202); GET /api/imports/{id}/ says how it went."""

import csv
import io
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiViewSet, error_responses, validated
from core.models import AuditTool, ImportJob
from core.permissions import CONFIGURE_REFUSED, configure_allowed, require
from flows.import_jobs import import_job_create
from flows.importer import ImportFailed, audits_import
from flows.importer.api import (
    RowErrorOutput,
    TableErrorOutput,
    TableInput,
    table_errors,
    table_rows,
)
from flows.tasks import import_history_job


class HistoryImportInput(TableInput):
    tool_version = serializers.CharField(
        required=False,
        max_length=60,
        help_text="The tool version the history was recorded under, as CODE:N (e.g. "
        "case-file:2), for that tool's rows; a month with a programme keeps its programme's "
        "version, and a tool_version column decides row by row. Default: the newest published.",
    )

    def validate_tool_version(self, value: str) -> AuditTool:
        tool = AuditTool.objects.published().named(value)
        if tool is None:
            raise serializers.ValidationError(
                f"{value} is not a published tool version: give CODE:N, e.g. case-file:2."
            )
        return tool


class HistoryImportOutput(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    audits = serializers.IntegerField(help_text="Imported (or, in a dry run, would be).")
    moderations = serializers.IntegerField(help_text="Completed moderations recorded.")
    skipped = serializers.IntegerField(help_text="Rows already imported: importing is idempotent.")
    cases = serializers.IntegerField(help_text="Cases created.")
    service_areas = serializers.ListField(child=serializers.CharField())
    teams = serializers.ListField(child=serializers.CharField())
    people = serializers.ListField(
        child=serializers.CharField(), help_text="Usernames of inactive accounts created."
    )
    programmes = serializers.ListField(child=serializers.CharField())
    ignored_columns = serializers.ListField(child=serializers.CharField())
    summary = serializers.ListField(child=serializers.CharField())


class ImportJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="Where to follow the job.")
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    rows = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    message = serializers.CharField(help_text="Why the file was not imported, if it was not.")
    summary = serializers.ListField(child=serializers.CharField())
    errors = RowErrorOutput(  # type: ignore[assignment]
        many=True, help_text="Every problem by row, column and reason."
    )


def _job_output(job: ImportJob) -> dict:
    errors = [{"row": r, "column": c, "reason": why} for r, c, why in job.errors]
    return {
        "id": job.pk,
        "url": reverse("api:import-job", args=[job.pk]),
        "status": job.status,
        "rows": job.rows,
        "dry_run": job.dry_run,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "message": job.message,
        "summary": job.summary,
        "errors": errors,
    }


class HistoryImportView(APIView):
    permission_classes = ApiViewSet.permission_classes
    parser_classes = ApiViewSet.parser_classes

    def get_serializer(self, *args, **kwargs):
        return HistoryImportInput()

    @extend_schema(
        operation_id="history_import_create",
        request=HistoryImportInput,
        responses={
            200: HistoryImportOutput,
            202: OpenApiResponse(ImportJobOutput, description="Kept as a job for a worker."),
            400: OpenApiResponse(
                TableErrorOutput,
                description="Every problem by row and column, or a message per field of "
                "the body; nothing was written.",
            ),
            **error_responses(403),
        },
        description="Import audit history all or nothing (QA leads). Sending the same rows "
        "twice imports nothing the second time.",
    )
    def post(self, request):
        require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
        data = validated(HistoryImportInput, request)
        version = data.get("tool_version")
        try:
            rows = table_rows(data)
            if len(rows) > settings.IMPORT_BACKGROUND_ROWS:
                return self._in_background(request, data, rows, version)
            result = audits_import(
                rows=rows,
                actor=request.user,
                dry_run=data["dry_run"],
                tool_versions={version.code: version} if version else None,
            )
        except ImportFailed as failure:
            return Response(table_errors(failure), status=400)
        return Response(
            HistoryImportOutput({**asdict(result), "summary": result.summary_lines()}).data
        )

    def _in_background(self, request, data: dict, rows: list[dict], version) -> Response:
        job = import_job_create(
            actor=request.user,
            filename="api.csv",
            data=data["csv"].encode() if "csv" in data else _plain_csv(rows),
            rows=len(rows),
            tool_version=version,
            dry_run=data["dry_run"],
        )
        transaction.on_commit(lambda: import_history_job.delay(job.pk))
        output = _job_output(job)
        return Response(
            ImportJobOutput(output).data, status=202, headers={"Location": output["url"]}
        )


def _plain_csv(rows: list[dict]) -> bytes:
    """The rows as the worker reads a file: every value exactly as sent (a stored file is
    data, never opened in a spreadsheet, so nothing is neutralised)."""
    columns = list(dict.fromkeys(column for row in rows for column in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


class ImportJobView(APIView):
    permission_classes = ApiViewSet.permission_classes

    @extend_schema(
        operation_id="history_import_job",
        responses={200: ImportJobOutput, **error_responses(403, 404)},
        description="How a history import kept as a job went: waiting, importing, imported "
        "(its summary) or not imported (every problem by row and column).",
    )
    def get(self, request, pk: int):
        require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
        job = get_object_or_404(ImportJob, pk=pk)
        return Response(ImportJobOutput(_job_output(job)).data)
