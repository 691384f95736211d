from django.urls import path

from accounts import people_views as views

app_name = "staff"

urlpatterns = [
    path("", views.people_list, name="people"),
    path("people/new/", views.person_new, name="person_new"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/roles/", views.person_roles, name="person_roles"),
    path("people/<int:person_id>/invite/", views.person_invite_view, name="person_invite"),
    path("people/<int:person_id>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("people/<int:person_id>/reactivate/", views.person_reactivate, name="person_reactivate"),
    path("import/", views.staff_import_page, name="import"),
    path("areas/", views.areas, name="areas"),
    path("areas/new/", views.area_new, name="area_new"),
    path("areas/<int:area_id>/rename/", views.area_rename, name="area_rename"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:team_id>/rename/", views.team_rename, name="team_rename"),
]
