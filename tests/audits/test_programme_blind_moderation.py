"""Finding 19: a QA lead switches blind moderation on and off for a programme, on its pages
and through the API (`blind_moderation`, defaulting to the tool's setting), and reads it on
the programme page."""

import pytest
from rest_framework.test import APIClient

from core.models import AuditTool, Programme
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_api_creates_a_programme_blind_or_not_defaulting_to_the_tools_setting(qa_lead):
    client = _client(qa_lead)
    made = client.post("/api/programmes/", {"month": "2027-01", "tool": "case-file"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["blind_moderation"] is False  # the tool's setting
    AuditTool.objects.filter(code="case-file").update(blind_moderation=True)
    made = client.post("/api/programmes/", {"month": "2027-02", "tool": "case-file"}, format="json")
    assert made.json()["blind_moderation"] is True
    made = client.post(
        "/api/programmes/",
        {"month": "2027-03", "tool": "case-file", "blind_moderation": False},
        format="json",
    )
    assert made.json()["blind_moderation"] is False
    pk = made.json()["id"]
    changed = client.patch(f"/api/programmes/{pk}/", {"blind_moderation": True}, format="json")
    assert changed.status_code == 200 and changed.json()["blind_moderation"] is True
    assert Programme.objects.get(pk=pk).blind_moderation is True
    refused = client.patch(f"/api/programmes/{pk}/", {"blind_moderation": "maybe"}, format="json")
    assert refused.status_code == 400
    assert "blind_moderation" in str(refused.json())


def test_a_qa_lead_switches_blind_moderation_on_the_pages_and_reads_it_on_the_programme(qa_lead):
    client = _client(qa_lead)
    form = client.get("/programmes/new/").content.decode()
    assert 'name="blind_moderation"' in form
    response = client.post(
        "/programmes/new/",
        {
            "month": "2027-04",
            "tool": AuditTool.objects.get(code="case-file", version=1).pk,
            "audit_target": "10",
            "moderation_target": "5",
            "due_date": "30/04/2027",
            "blind_moderation": "yes",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(month__year=2027, month__month=4)
    assert programme.blind_moderation is True
    page = client.get(f"/programmes/{programme.pk}/").content.decode()
    assert "Blind moderation" in page and "On:" in page
    edit = client.get(f"/programmes/{programme.pk}/edit/").content.decode()
    assert "not yet claimed" in edit
    response = client.post(
        f"/programmes/{programme.pk}/edit/",
        {
            "theme": "",
            "audit_target": "10",
            "moderation_target": "5",
            "due_date": "30/04/2027",
            "blind_moderation": "no",
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.blind_moderation is False


def test_a_moderator_cannot_switch_blind_moderation(moderator):
    programme = ProgrammeFactory(blind_moderation=True)
    response = _client(moderator).patch(
        f"/api/programmes/{programme.pk}/", {"blind_moderation": False}, format="json"
    )
    assert response.status_code == 403
    programme.refresh_from_db()
    assert programme.blind_moderation is True
