"""Reading an audit is recorded (who, which case, when, how) and QA leads can list it."""

import pytest

from core.models import AuditRead
from tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


def test_reading_an_audit_page_or_api_records_who_read_which_case(
    client, api_client, submitted, moderator, viewer
):
    client.force_login(viewer)
    assert client.get(f"/audits/{submitted.pk}/").status_code == 200
    api_client.force_authenticate(moderator)
    assert api_client.get(f"/api/audits/{submitted.pk}/").status_code == 200
    reads = list(AuditRead.objects.order_by("pk").values_list("user", "case", "channel", "what"))
    assert reads == [
        (viewer.pk, submitted.case_id, "page", "audit"),
        (moderator.pk, submitted.case_id, "api", "audit"),
    ]


def test_reading_a_moderation_is_recorded_too(client, api_client, moderation, moderator):
    client.force_login(moderator)
    assert client.get(f"/moderation/{moderation.pk}/").status_code == 200
    api_client.force_authenticate(moderator)
    assert api_client.get(f"/api/moderations/{moderation.pk}/").status_code == 200
    assert list(AuditRead.objects.values_list("channel", "what").order_by("pk")) == [
        ("page", "moderation"),
        ("api", "moderation"),
    ]


def test_a_refused_read_records_nothing(client, other_team_auditor, submitted):
    client.force_login(other_team_auditor)
    assert client.get(f"/audits/{submitted.pk}/").status_code == 404
    assert not AuditRead.objects.exists()


def test_qa_lead_lists_who_read_a_case(client, qa_lead, viewer, submitted):
    client.force_login(viewer)
    client.get(f"/audits/{submitted.pk}/")
    other = AuditFactory()
    client.force_login(qa_lead)
    client.get(f"/audits/{other.pk}/")
    response = client.get("/cases/access/", {"reference": submitted.case.reference.lower()})
    assert response.status_code == 200
    rows = list(response.context["page_obj"].object_list)
    assert [(r.user, r.audit_id) for r in rows] == [(viewer, submitted.pk)]
    assert viewer.username.encode() in response.content


def test_unknown_or_missing_reference_is_a_form_error(client, qa_lead):
    client.force_login(qa_lead)
    missing = client.get("/cases/access/", {"reference": ""})
    assert missing.status_code == 400
    assert b"Enter a case reference." in missing.content
    unknown = client.get("/cases/access/", {"reference": "LCS-0"})
    assert unknown.status_code == 404
    assert b"No case has this reference." in unknown.content
    assert b"Error:" in unknown.content


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_only_qa_leads_read_the_access_log(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/cases/access/").status_code == 403
