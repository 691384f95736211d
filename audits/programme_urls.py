"""The monthly programme pages, included under /programmes/ by audits/urls.py."""

from django.urls import path

from audits import programme_views as views

urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    path("new/", views.programme_create, name="programme_create"),
    path("<int:programme_id>/", views.programme_detail, name="programme_detail"),
    path("<int:programme_id>/edit/", views.programme_edit, name="programme_edit"),
    path("<int:programme_id>/sample/", views.programme_sample, name="programme_sample"),
    path("<int:programme_id>/cases/", views.programme_add_case, name="programme_add_case"),
]
