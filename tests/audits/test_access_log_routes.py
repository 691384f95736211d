"""Every route that shows a case's audit content records the read (who, which audit, when,
how); exports record who exported which scope (the filters), never what was in them."""

import pytest
from django.utils import timezone

from core.models import AuditRead
from core.services.actions import action_create
from flows.moderation import moderation_complete
from moderation.models import Escalation
from moderation.services.claims import moderation_claim
from tests.factories import moderation_content

pytestmark = pytest.mark.django_db

EVIDENCE = "Evidence for plan."


def reads(**filters):
    return list(
        AuditRead.objects.filter(**filters)
        .order_by("pk")
        .values_list("user_id", "audit_id", "case_id", "channel", "what")
    )


def assert_recent(row: AuditRead):
    assert (timezone.now() - row.read_at).total_seconds() < 60


@pytest.fixture
def completed(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(
        claimed.audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Unsafe."
    )
    return moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )


def test_the_history_page_records_the_read(client, qa_lead, submitted):
    client.force_login(qa_lead)
    assert client.get(f"/audits/{submitted.pk}/history/").status_code == 200
    assert reads() == [(qa_lead.pk, submitted.pk, submitted.case_id, "page", "history")]
    assert_recent(AuditRead.objects.get())


def test_the_escalation_page_and_api_record_the_read(client, api_client, viewer, completed):
    escalation = Escalation.objects.get()
    AuditRead.objects.all().delete()
    client.force_login(viewer)
    assert client.get(f"/escalations/{escalation.pk}/").status_code == 200
    api_client.force_login(viewer)
    assert api_client.get(f"/api/escalations/{escalation.pk}/").status_code == 200
    audit = escalation.audit
    assert reads() == [
        (viewer.pk, audit.pk, audit.case_id, "page", "escalation"),
        (viewer.pk, audit.pk, audit.case_id, "api", "escalation"),
    ]


def test_the_feedback_page_records_each_audit_shown(client, auditor, completed):
    AuditRead.objects.all().delete()
    client.force_login(auditor)
    assert client.get("/feedback/").status_code == 200
    audit = completed.audit
    assert reads() == [(auditor.pk, audit.pk, audit.case_id, "page", "feedback")]


@pytest.mark.parametrize("step", ["claim", "save", "complete", "return"])
def test_the_moderation_apis_json_answers_record_the_read(api_client, moderator, moderation, step):
    api_client.force_login(moderator)
    url = f"/api/moderations/{moderation.pk}/"
    if step != "claim":
        moderation = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(moderation.audit.tool, grade="G", overall="G")
    body = {
        "version": moderation.version,
        "overall": "G",
        "summary": content.summary,
        "grades": {
            code: {"grade": grade, "rationale": rationale}
            for code, (grade, rationale, _) in content.grades.items()
        },
    }
    if step == "claim":
        response = api_client.post(f"{url}claim/", {}, format="json")
    elif step == "save":
        response = api_client.patch(url, body, format="json")
    elif step == "complete":
        response = api_client.post(f"{url}complete/", body, format="json")
    else:
        body = {"version": moderation.version, "comment": "Add the plan's dates."}
        response = api_client.post(f"{url}return/", body, format="json")
    assert response.status_code == 200, response.json()
    audit = moderation.audit
    assert reads() == [(moderator.pk, audit.pk, audit.case_id, "api", "moderation")]


def test_reading_an_action_through_the_api_records_the_read(api_client, auditor, submitted):
    action = action_create(
        audit=submitted,
        actor=auditor,
        description="Visit.",
        owner="SW",
        due_date=timezone.localdate(),
    )
    api_client.force_login(auditor)
    assert api_client.get(f"/api/actions/{action.pk}/").status_code == 200
    assert reads() == [(auditor.pk, submitted.pk, submitted.case_id, "api", "action")]


def test_exports_record_who_exported_which_scope_and_no_content(client, qa_lead, submitted):
    action_create(
        audit=submitted,
        actor=submitted.auditor,
        description=EVIDENCE,
        owner="SW",
        due_date=timezone.localdate(),
    )
    client.force_login(qa_lead)
    assert client.get("/actions/download.csv", {"status": "open"}).status_code == 200
    assert client.get("/reports/monthly/download.xlsx", {"month": "2026-10"}).status_code == 200
    csv_all = client.get("/reports/monthly/download.csv", {"month": "2026-10", "table": "all"})
    assert csv_all.status_code == 200
    rows = list(AuditRead.objects.order_by("pk"))
    assert [(r.user_id, r.audit_id, r.case_id, r.what, r.scope) for r in rows] == [
        (qa_lead.pk, None, None, "export:actions-csv", {"status": "open"}),
        (qa_lead.pk, None, None, "export:report-xlsx", {"month": "2026-10"}),
        (qa_lead.pk, None, None, "export:report-csv-all", {"month": "2026-10", "table": "all"}),
    ]
    for row in rows:
        assert_recent(row)
        assert EVIDENCE not in str(row.scope) and submitted.case.reference not in str(row.scope)
