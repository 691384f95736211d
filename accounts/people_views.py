"""The QA lead's staff pages (/staff/): service areas and teams, people, invitations, roles,
deactivation; and the invitation link where a person chooses their password.

Access: core.permissions.staff_manage_allowed, asked first by every staff page. Every write is
a service of core/services/people.py (or accounts.invites); these views read forms and render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.invites import invited_person, person_invite
from accounts.people_forms import (
    AreaForm,
    ChoosePasswordForm,
    PersonCreateForm,
    PersonDetailsForm,
    ReasonForm,
    RolesForm,
    StaffImportForm,
    TeamForm,
    TeamRenameForm,
)
from core.errors import DomainError, add_service_errors
from core.models import ServiceArea, StaffEvent, Team, User
from core.permissions import STAFF_REFUSED, require, staff_manage_allowed
from core.services import people
from flows.importer import ImportFailed, read_table
from flows.staff_import import staff_import


def _require_staff(request) -> None:
    require(staff_manage_allowed(user=request.user), STAFF_REFUSED)


def _form_page(request, template: str, form, context: dict | None = None):
    return render(
        request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200
    )


# ------------------------------------------------------------------ people


STATUS_FILTERS = {"active": True, "deactivated": False}


@login_required
def people_list(request):
    _require_staff(request)
    status = request.GET.get("status", "active")
    listed = User.objects.select_related("team__service_area", "line_manager").prefetch_related(
        "groups"
    )
    if status in STATUS_FILTERS:
        listed = listed.filter(is_active=STATUS_FILTERS[status])
    else:
        status = "all"
    rows = [
        {"person": person, "roles": people.roles_text(g.name for g in person.groups.all())}
        for person in listed.order_by("last_name", "first_name", "username")
    ]
    return render(
        request,
        "accounts/people_list.html",
        {"rows": rows, "status": status, "statuses": ["active", "deactivated", "all"]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request):
    _require_staff(request)
    form = PersonCreateForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        invite = data.pop("invite")
        try:
            person = people.person_create(actor=request.user, **data)
            if invite:
                person_invite(actor=request.user, person=person)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            sent = f" and invited at {person.email}" if invite else ""
            messages.success(request, f"{people.person_label(person)} added{sent}.")
            return redirect("staff:person", person_id=person.pk)
    return _form_page(request, "accounts/person_form.html", form, {"person": None})


def _person(person_id: int) -> User:
    return get_object_or_404(
        User.objects.select_related("team__service_area", "line_manager"), pk=person_id
    )


@login_required
def person_detail(request, person_id: int):
    _require_staff(request)
    person = _person(person_id)
    events = StaffEvent.objects.filter(person=person).select_related("actor")
    return render(
        request,
        "accounts/person_detail.html",
        {
            "person": person,
            "label": people.person_label(person),
            "roles": people.roles_text(people.roles_of(person)),
            "areas": person.service_areas.all(),
            "events": events,
            "reason_form": ReasonForm(),
            "is_self": person.pk == request.user.pk,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, person_id: int):
    _require_staff(request)
    person = _person(person_id)
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "team": person.team,
        "line_manager": person.line_manager,
        "service_areas": list(person.service_areas.all()),
    }
    form = PersonDetailsForm(
        request.POST if request.method == "POST" else None, initial=initial, person=person
    )
    if form.is_bound and form.is_valid():
        try:
            changed = people.person_update(actor=request.user, person=person, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            label = people.person_label(person)
            messages.success(request, f"{label}: details saved." if changed else "No changes.")
            return redirect("staff:person", person_id=person.pk)
    return _form_page(request, "accounts/person_form.html", form, {"person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_roles(request, person_id: int):
    _require_staff(request)
    person = _person(person_id)
    form = RolesForm(
        request.POST if request.method == "POST" else None,
        initial={"roles": people.roles_of(person)},
    )
    if form.is_bound and form.is_valid():
        try:
            changed = people.person_roles_set(
                actor=request.user, person=person, **form.cleaned_data
            )
        except DomainError as error:
            add_service_errors(form, error)
        else:
            label = people.person_label(person)
            messages.success(
                request, f"{label}: roles changed." if changed else f"{label}: roles unchanged."
            )
            return redirect("staff:person", person_id=person.pk)
    return _form_page(
        request,
        "accounts/person_roles.html",
        form,
        {"person": person, "label": people.person_label(person)},
    )


def _person_action(request, person_id: int, action, done: str):
    _require_staff(request)
    person = _person(person_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            changed = action(person, form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            label = people.person_label(person)
            if changed is False:
                messages.info(request, f"{label}: nothing to change.")
            else:
                messages.success(request, f"{label} {done}.")
    else:
        messages.error(request, " ".join(str(e) for e in form.errors["reason"]))
    return redirect("staff:person", person_id=person.pk)


@login_required
@require_POST
def person_invite_view(request, person_id: int):
    return _person_action(
        request,
        person_id,
        lambda person, _reason: person_invite(actor=request.user, person=person),
        "invited: the e-mail is on its way",
    )


@login_required
@require_POST
def person_deactivate(request, person_id: int):
    return _person_action(
        request,
        person_id,
        lambda person, reason: people.person_deactivate(
            actor=request.user, person=person, reason=reason
        ),
        "deactivated: they can no longer sign in",
    )


@login_required
@require_POST
def person_reactivate(request, person_id: int):
    return _person_action(
        request,
        person_id,
        lambda person, reason: people.person_reactivate(
            actor=request.user, person=person, reason=reason
        ),
        "reactivated",
    )


# ------------------------------------------------------------------ service areas and teams


@login_required
def areas(request):
    _require_staff(request)
    listed = ServiceArea.objects.prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name"))
    )
    return render(request, "accounts/areas.html", {"areas": listed})


@login_required
@require_http_methods(["GET", "POST"])
def area_new(request):
    _require_staff(request)
    form = AreaForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            area = people.service_area_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Service area {area.name} added.")
            return redirect("staff:areas")
    return _form_page(request, "accounts/area_form.html", form, {"area": None})


@login_required
@require_http_methods(["GET", "POST"])
def area_rename(request, area_id: int):
    _require_staff(request)
    area = get_object_or_404(ServiceArea, pk=area_id)
    form = AreaForm(request.POST if request.method == "POST" else None, initial={"name": area.name})
    if form.is_bound and form.is_valid():
        try:
            people.service_area_rename(actor=request.user, area=area, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Service area renamed {area.name}.")
            return redirect("staff:areas")
    return _form_page(request, "accounts/area_form.html", form, {"area": area})


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    _require_staff(request)
    initial = {"service_area": request.GET.get("service_area")}
    form = TeamForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            team = people.team_create(
                actor=request.user,
                area=form.cleaned_data["service_area"],
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Team {team} added.")
            return redirect("staff:areas")
    return _form_page(request, "accounts/team_form.html", form, {"team": None})


@login_required
@require_http_methods(["GET", "POST"])
def team_rename(request, team_id: int):
    _require_staff(request)
    team = get_object_or_404(Team.objects.select_related("service_area"), pk=team_id)
    form = TeamRenameForm(
        request.POST if request.method == "POST" else None, initial={"name": team.name}
    )
    if form.is_bound and form.is_valid():
        try:
            people.team_rename(actor=request.user, team=team, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Team renamed {team.name}.")
            return redirect("staff:areas")
    return _form_page(request, "accounts/team_form.html", form, {"team": team})


# ------------------------------------------------------------------ the staff import

ERRORS_SHOWN = 200


@login_required
@require_http_methods(["GET", "POST"])
def staff_import_page(request):
    _require_staff(request)
    form = StaffImportForm(request.POST, request.FILES) if request.method == "POST" else None
    form = form or StaffImportForm()
    result = failure = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload, upload.name)
            result = staff_import(
                rows=rows, actor=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        except ImportFailed as exc:
            failure = exc
            form.add_error("file", exc.message)
    errors = failure.errors if failure else []
    return render(
        request,
        "accounts/staff_import.html",
        {
            "form": form,
            "result": result,
            "errors": errors[:ERRORS_SHOWN],
            "error_count": len(errors),
            "errors_truncated": len(errors) > ERRORS_SHOWN,
        },
        status=400 if form.errors else 200,
    )


# ------------------------------------------------------------------ the invitation link


@require_http_methods(["GET", "POST"])
def set_password(request, uidb64: str, token: str):
    """Anyone holding a valid link: a wrong, used or expired one says so and changes nothing."""
    person = invited_person(uidb64, token)
    if person is None:
        return render(request, "accounts/set_password_invalid.html", status=404)
    form = ChoosePasswordForm(person, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        people.person_password_set(person=person, password=form.cleaned_data["new_password1"])
        messages.success(
            request, "Your password is set. Sign in with your username and new password."
        )
        return redirect("login")
    return _form_page(request, "accounts/set_password.html", form, {"username": person.username})
