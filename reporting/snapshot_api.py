"""Published report snapshots: GET/POST /api/reports/snapshots/, GET .../<id>/ and .../<id>/xlsx/.

A QA lead POSTs {"month": "YYYY-MM"}: the snapshot is created "queued" (201) and a Celery task
computes and stores it; GET it again to see it published. Snapshots are authority-wide, so QA
leads and moderators read them (reporting.permissions).
"""

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from core.api import (
    ApiViewSet,
    MonthField,
    StrictInput,
    error_responses,
    list_errors,
    validated,
)
from core.months import format_month
from core.services.access_log import audit_read_record
from reporting import permissions, services
from reporting.models import ReportSnapshot
from reporting.snapshot_views import XLSX_TYPE


class XlsxRenderer(BaseRenderer):
    """Lets a client ask for the file by its type; an error still goes out as JSON."""

    media_type = XLSX_TYPE
    format = "xlsx"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


XLSX_RENDERERS = [JSONRenderer, XlsxRenderer]


class SnapshotOutput(serializers.ModelSerializer):
    month = MonthField()
    requested_by = serializers.CharField(
        source="requested_by.username", default=None, help_text="Null: the monthly schedule."
    )
    xlsx_url = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField(
        help_text="Why a queued snapshot is waiting (the task queue was unreachable), or empty."
    )

    class Meta:
        model = ReportSnapshot
        fields = ["id", "month", "version", "status", "trigger", "requested_by", "requested_at"]
        fields += ["published_at", "xlsx_url", "note"]

    def get_note(self, snapshot: ReportSnapshot) -> str:
        return snapshot.error if snapshot.status == ReportSnapshot.Status.QUEUED else ""

    def get_xlsx_url(self, snapshot: ReportSnapshot) -> str | None:
        if snapshot.status != ReportSnapshot.Status.PUBLISHED:
            return None
        return reverse("reports_api:snapshot-xlsx", args=[snapshot.pk])


class SnapshotDetailOutput(SnapshotOutput):
    # A field named data: the stubs take it for Serializer.data, which DRF keeps apart.
    data = serializers.JSONField(  # type: ignore[assignment]
        read_only=True,
        help_text="The monthly report as published (the shape of GET /api/reports/monthly/); "
        "null until published.",
    )

    class Meta(SnapshotOutput.Meta):
        fields = [*SnapshotOutput.Meta.fields, "data"]


class SnapshotPublishInput(StrictInput):
    month = MonthField(help_text="The month to publish, as YYYY-MM.")


class SnapshotViewSet(ApiViewSet):
    """Published monthly reports, frozen: every version of every month."""

    queryset = ReportSnapshot.objects.none()  # for the schema and router only
    form_serializers = {"POST": SnapshotPublishInput}

    def documented_query_parameters(self) -> set[str]:
        # The file's ?format=xlsx (or json): empty is refused like any other documented value.
        names = super().documented_query_parameters()
        return names | {"format"} if self.action == "xlsx" else names

    @extend_schema(
        operation_id="reports_snapshots_list",
        responses={200: SnapshotOutput(many=True), **list_errors(403)},
    )
    def list(self, request):
        return self.paginated(permissions.snapshots_for_user(user=request.user), SnapshotOutput)

    @extend_schema(
        operation_id="reports_snapshots_retrieve",
        responses={200: SnapshotDetailOutput, **error_responses(403, 404)},
    )
    def retrieve(self, request, pk: int):
        snapshot = permissions.snapshot_for_user(user=request.user, snapshot_id=pk)
        return Response(SnapshotDetailOutput(snapshot).data)

    @extend_schema(
        operation_id="reports_snapshots_publish",
        request=SnapshotPublishInput,
        responses={201: SnapshotOutput, **error_responses(400, 403)},
    )
    def create(self, request):
        permissions.check_snapshot_publish(request.user)
        data = validated(SnapshotPublishInput, request)
        snapshot = services.snapshot_request(month=data["month"], actor=request.user)
        assert snapshot is not None  # only a scheduled request can find its version already there
        # With no broker the task has already run (eagerly, on commit): show where it is now.
        snapshot.refresh_from_db(fields=["status", "published_at", "error"])
        response = Response(SnapshotOutput(snapshot).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("reports_api:snapshot-detail", args=[snapshot.pk])
        return response

    @extend_schema(
        operation_id="reports_snapshots_xlsx",
        responses={
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The XLSX file."),
            **error_responses(400, 403, 404),
        },
    )
    def xlsx(self, request, pk: int):
        snapshot = permissions.snapshot_for_user(user=request.user, snapshot_id=pk)
        if snapshot.status != ReportSnapshot.Status.PUBLISHED:
            raise Http404("This report snapshot has not been published.")
        filename = f"qa-report-{format_month(snapshot.month)}-v{snapshot.version}.xlsx"
        audit_read_record(
            user=request.user,
            channel="api",
            what="export:snapshot-xlsx",
            scope={"snapshot": snapshot.pk, "month": format_month(snapshot.month)},
        )
        response = HttpResponse(snapshot.xlsx_bytes(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
