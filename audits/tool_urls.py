"""The audit tool pages, included under /tools/ by audits/urls.py."""

from django.urls import path

from audits import print_views
from audits import tool_views as views

urlpatterns = [
    path("", views.tool_list, name="tool_list"),
    path("new/", views.tool_create, name="tool_create"),
    path("import/", views.tool_import, name="tool_import"),
    path("<int:tool_id>/download.json", views.tool_download, {"kind": "json"}, name="tool_json"),
    path("<int:tool_id>/download.xlsx", views.tool_download, {"kind": "xlsx"}, name="tool_xlsx"),
    path("<int:tool_id>/", views.tool_detail, name="tool_detail"),
    path("<int:tool_id>/edit/", views.tool_edit, name="tool_edit"),
    path("<int:tool_id>/blank-form/", print_views.tool_blank_form, name="tool_blank_form"),
    path("<int:tool_id>/preview/", views.tool_preview, name="tool_preview"),
    path("<int:tool_id>/publish/", views.tool_publish, name="tool_publish"),
    path("<int:tool_id>/new-version/", views.tool_new_version, name="tool_new_version"),
    path("<int:tool_id>/domains/new/", views.domain_add, name="tool_domain_add"),
    path("domains/<int:domain_id>/edit/", views.domain_edit, name="tool_domain_edit"),
    path("domains/<int:domain_id>/move/", views.domain_move, name="tool_domain_move"),
    path("domains/<int:domain_id>/remove/", views.domain_remove, name="tool_domain_remove"),
]
