from django.urls import include, path

from audits import (
    access_views,
    action_views,
    case_views,
    home_views,
    import_views,
    inbox_views,
    print_views,
    reassign_views,
    views,
)

urlpatterns = [
    path("", home_views.home, name="home"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("audits/mine/", views.my_audits, name="my_audits"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/download.csv", print_views.audit_list_csv, name="audit_list_csv"),
    path("audits/download.xlsx", print_views.audit_list_xlsx, name="audit_list_xlsx"),
    path("audits/export-for-import.csv", import_views.audit_export_csv, name="audit_export_csv"),
    path("audits/export-for-import.xlsx", import_views.audit_export_xlsx, name="audit_export_xlsx"),
    path("audits/<int:audit_id>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:audit_id>/print/", print_views.audit_print, name="audit_print"),
    path("audits/<int:audit_id>/edit/", views.audit_edit, name="audit_edit"),
    path("audits/<int:audit_id>/actions/", views.action_add, name="action_add"),
    path("audits/<int:audit_id>/reaudit/", views.audit_reaudit, name="audit_reaudit"),
    path("reassign/", reassign_views.reassign, name="reassign"),
    path("actions/", action_views.action_list, name="action_list"),
    path("actions/download.csv", action_views.action_list_csv, name="action_list_csv"),
    path("actions/<int:action_id>/status/", views.action_status, name="action_status"),
    path("import/", views.import_audits, name="import_audits"),
    path("cases/", case_views.case_search, name="case_search"),
    path("import/jobs/<int:job_id>/", import_views.import_job, name="import_job"),
    path("import/template.csv", import_views.import_template_csv, name="import_template_csv"),
    path("import/template.xlsx", import_views.import_template_xlsx, name="import_template_xlsx"),
    path("cases/access/", access_views.case_access, name="case_access"),
    path("access/people/", access_views.person_access, name="person_access"),
    # After cases/access/; a reference may hold "/" (core.validation), hence path.
    path("cases/<path:reference>/", case_views.case_detail, name="case_detail"),
    path("programmes/", include("audits.programme_urls")),
    path("tools/", include("audits.tool_urls")),
]
