from django.urls import path

from reporting import range_views, snapshot_views, views

app_name = "reports"

# Other modules' routes are appended below with small edits: keep one route per entry.
urlpatterns = [
    path("", views.index, name="index"),
    path("monthly/", views.monthly, name="monthly"),
    path("trends/", range_views.trend_page, name="trends"),
    path("calibration/", range_views.calibration_page, name="calibration"),
    path("calibration/download.xlsx", range_views.calibration_xlsx, name="calibration_xlsx"),
    path("calibration/download.csv", range_views.calibration_csv, name="calibration_csv"),
    path("reaudits/", range_views.reaudits_page, name="reaudits"),
    path("monthly/download.xlsx", snapshot_views.download_xlsx, name="download_xlsx"),
    path("monthly/download.csv", snapshot_views.download_csv, name="download_csv"),
    path("monthly/download.json", snapshot_views.download_json, name="download_json"),
    path("snapshots/", snapshot_views.snapshot_list, name="snapshots"),
    path("snapshots/publish/", snapshot_views.snapshot_publish, name="snapshot_publish"),
    path("snapshots/<int:pk>/", snapshot_views.snapshot_detail, name="snapshot"),
    path(
        "snapshots/<int:pk>/download.xlsx",
        snapshot_views.snapshot_download,
        name="snapshot_download",
    ),
]
