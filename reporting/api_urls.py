from django.urls import path

from reporting.api import (
    CalibrationReportView,
    MonthlyReportView,
    ReauditReportView,
    TrendReportView,
)
from reporting.snapshot_api import XLSX_RENDERERS, SnapshotViewSet

app_name = "reports_api"

urlpatterns = [
    path("monthly/", MonthlyReportView.as_view(), name="monthly"),
    path("trends/", TrendReportView.as_view(), name="trends"),
    path("calibration/", CalibrationReportView.as_view(), name="calibration"),
    path("reaudits/", ReauditReportView.as_view(), name="reaudits"),
]

# Published snapshots (reporting/snapshot_api.py).
urlpatterns += [
    path(
        "snapshots/",
        SnapshotViewSet.as_view({"get": "list", "post": "create"}),
        name="snapshot-list",
    ),
    path(
        "snapshots/<int:pk>/", SnapshotViewSet.as_view({"get": "retrieve"}), name="snapshot-detail"
    ),
    path(
        "snapshots/<int:pk>/xlsx/",
        SnapshotViewSet.as_view({"get": "xlsx"}, renderer_classes=XLSX_RENDERERS),
        name="snapshot-xlsx",
    ),
]
