from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("audits/mine/", views.my_audits, name="my_audits"),
    path("audits/", views.audit_list, name="audit_list"),
    path("audits/<int:audit_id>/", views.audit_detail, name="audit_detail"),
    path("audits/<int:audit_id>/edit/", views.audit_edit, name="audit_edit"),
    path("import/", views.import_audits, name="import_audits"),
]
