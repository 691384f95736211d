"""Issue 12, snag 14: a new action's due date is today or later, on the page and in the API,
and the empty form's error summary names each missing field."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests.audits.test_api import login


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
    for message in (
        "Enter what needs to happen.",
        "Enter who owns the action.",
        "Enter the date the action is due.",
    ):
        assert message in html
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
