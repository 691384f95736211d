"""Issue 12, snag 14: a new action's due date is today or later, on the page and in the API;
the empty form's error summary names each missing field; the owner is a member of staff,
chosen from a list, with free text only for someone outside the service, in its own field."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from core.services.actions import action_create
from tests.audits.test_api import login
from tests.factories import UserFactory


def page_form(due: dt.date) -> dict:
    return {
        "description": "Update the plan",
        "owner": "Social worker",
        "due_date": f"{due:%d/%m/%Y}",
    }


def test_the_empty_form_names_every_missing_field(client, auditor, audit):
    client.force_login(auditor)
    response = client.post(reverse("action_add", args=[audit.pk]), {})
    assert response.status_code == 400
    html = response.content.decode()
    for field, message in (
        ("description", "Enter what needs to happen."),
        ("owner_person", "Choose who owns the action, or name someone outside the service."),
        ("due_date", "Enter the date the action is due."),
    ):
        assert f'<a href="#id_{field}">{message}</a>' in html
    assert "This field is required." not in html
    assert not audit.actions.exists()


def test_a_due_date_in_the_past_is_refused_on_the_page(client, auditor, audit):
    client.force_login(auditor)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(reverse("action_add", args=[audit.pk]), page_form(yesterday))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a due date of today or later." in html and 'href="#id_due_date"' in html
    assert not audit.actions.exists()
    today = client.post(reverse("action_add", args=[audit.pk]), page_form(timezone.localdate()))
    assert today.status_code == 302
    assert audit.actions.get().due_date == timezone.localdate()


def test_a_due_date_in_the_past_is_refused_by_the_api(api_client, auditor, audit):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    body = {"audit": audit.pk, "description": "Visit", "owner": "SW", "due_date": f"{yesterday}"}
    response = login(api_client, auditor).post("/api/actions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["due_date"] == ["Enter a due date of today or later."]
    assert not audit.actions.exists()
    body["due_date"] = f"{timezone.localdate()}"
    assert api_client.post("/api/actions/", body, format="json").status_code == 201


def test_the_owner_is_a_member_of_staff_chosen_from_the_list(
    client, auditor, audit, same_team_auditor
):
    client.force_login(auditor)
    form = client.get(audit.get_absolute_url()).content.decode()
    name = same_team_auditor.get_full_name() or same_team_auditor.username
    assert f'<option value="{same_team_auditor.pk}">{name}</option>' in form
    body = {**page_form(timezone.localdate()), "owner": "", "owner_person": same_team_auditor.pk}
    response = client.post(reverse("action_add", args=[audit.pk]), body)
    assert response.status_code == 302
    action = audit.actions.get()
    assert (action.owner_person, action.owner, action.owner_name) == (same_team_auditor, "", name)
    assert name in client.get(reverse("action_list")).content.decode()


def test_someone_outside_the_service_is_named_in_words_never_with_a_person_too(
    client, auditor, audit, same_team_auditor
):
    client.force_login(auditor)
    url = reverse("action_add", args=[audit.pk])
    both = {**page_form(timezone.localdate()), "owner_person": same_team_auditor.pk}
    response = client.post(url, both)
    assert response.status_code == 400
    assert '<a href="#id_owner">Choose a member of staff or name someone outside' in (
        response.content.decode()
    )
    assert client.post(url, page_form(timezone.localdate())).status_code == 302
    assert audit.actions.get().owner_name == "Social worker"


def test_an_inactive_person_cannot_own_an_action(client, auditor, audit, same_team_auditor):
    same_team_auditor.is_active = False
    same_team_auditor.save()
    client.force_login(auditor)
    body = {**page_form(timezone.localdate()), "owner": "", "owner_person": same_team_auditor.pk}
    response = client.post(reverse("action_add", args=[audit.pk]), body)
    assert response.status_code == 400
    assert not audit.actions.exists()


def test_the_api_takes_a_person_by_username_or_words_with_a_400_per_field(
    api_client, auditor, audit, same_team_auditor
):
    client = login(api_client, auditor)
    today = f"{timezone.localdate()}"
    body = {"audit": audit.pk, "description": "Visit", "due_date": today}
    response = client.post("/api/actions/", body, format="json")
    assert response.status_code == 400 and "owner_person" in response.json()
    response = client.post("/api/actions/", {**body, "owner_person": "nobody"}, format="json")
    assert response.status_code == 400 and "owner_person" in response.json()
    response = client.post(
        "/api/actions/", {**body, "owner_person": same_team_auditor.username}, format="json"
    )
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["owner_person"] == same_team_auditor.username
    assert made["owner_name"] == (same_team_auditor.get_full_name() or same_team_auditor.username)
    response = client.post("/api/actions/", {**body, "owner": "Health visitor"}, format="json")
    assert response.status_code == 201 and response.json()["owner_person"] is None


def test_the_owner_filter_finds_people_by_name_and_words(client, qa_lead, audit, auditor):
    staff = UserFactory(username="sw1", first_name="Priya", last_name="Shah", roles=["auditor"])
    action_create(
        audit=audit,
        actor=auditor,
        description="Visit",
        owner_person=staff,
        due_date=timezone.localdate(),
    )
    action_create(
        audit=audit,
        actor=auditor,
        description="Call",
        owner="Health visitor",
        due_date=timezone.localdate(),
    )
    client.force_login(qa_lead)
    html = client.get(reverse("action_list"), {"owner": "priya"}).content.decode()
    assert "Priya Shah" in html and "Health visitor" not in html
    html = client.get(reverse("action_list"), {"owner": "health"}).content.decode()
    assert "Health visitor" in html and "Priya Shah" not in html
