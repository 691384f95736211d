"""Issue 5, item 11: the Celery broker (Redis) is down.

The app is pointed at a closed port (tests/reliability/conftest.py: broker.down()), as if
Redis had stopped; the shared Redis server itself is never touched. Pages and the API keep
working, quickly; a change that queues an e-mail still commits and answers normally; a
report publish is recorded "queued" and says so. When the broker is back (broker.up()) the
beat tasks send what was not sent, a real worker publishes, and nothing is lost or doubled.
"""

import time

import pytest
from django.core import mail
from django.urls import reverse

from core.models import Audit
from moderation.models import Escalation, Moderation, OutboxEmail
from moderation.services.claims import moderation_claim
from moderation.tasks import send_unsent_notifications
from reporting.models import ReportSnapshot
from reporting.services import NOT_SENT
from reporting.tasks import resend_unsent_snapshots
from tests.factories import AuditFactory, sampled_moderation, submitted_audit
from tests.reliability.helpers import submit_body, submit_form, tab

PUBLISH = "reporting.tasks.publish_snapshot"
# With the broker down a request may try to send once and retry once; never hang a page.
MAX_SECONDS = 5

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def timed(call):
    started = time.monotonic()
    response = call()
    elapsed = time.monotonic() - started
    assert elapsed < MAX_SECONDS, f"took {elapsed:.1f} s with the broker down"
    return response


def wait_for(condition, *, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(message)


def test_pages_and_api_keep_working_and_an_escalation_email_is_sent_later(
    broker, client, auditor, team, viewer, qa_lead
):
    viewed = submitted_audit(auditor=auditor, case__team=team)
    draft = AuditFactory(auditor=auditor, case__team=team)
    broker.down()

    client.force_login(auditor)
    for name, args in [
        ("my_audits", []),
        ("audit_list", []),
        ("audit_detail", [viewed.pk]),
        ("audit_edit", [draft.pk]),
    ]:
        assert timed(lambda n=name, a=args: client.get(reverse(n, args=a))).status_code == 200
    api = tab(auditor)
    assert timed(lambda: api.get("/api/audits/")).status_code == 200
    assert timed(lambda: api.get(f"/api/audits/{viewed.pk}/")).status_code == 200

    # Save a draft, then submit it escalated: the head of service's e-mail cannot be queued.
    url = reverse("audit_edit", args=[draft.pk])
    saved = timed(lambda: client.post(url, {**submit_form(draft), "intent": "save"}))
    assert saved.status_code == 302
    draft.refresh_from_db()
    submitted = timed(lambda: client.post(url, submit_form(draft)))
    assert submitted.status_code == 302, submitted.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.status == Audit.Status.SUBMITTED
    escalation = Escalation.objects.get(audit=draft)

    for user in (viewer, qa_lead):
        client.force_login(user)
        report = timed(lambda: client.get(reverse("reports:monthly")))
        assert report.status_code == 200
        api_report = timed(lambda u=user: tab(u).get("/api/reports/monthly/", {"month": "2026-10"}))
        assert api_report.status_code == 200

    # Nothing went anywhere, and nothing was recorded as sent.
    assert broker.count() == 0
    assert mail.outbox == []
    assert not OutboxEmail.objects.filter(kind="escalation_raised").exists()

    # The broker is back: the beat task finds the escalation nobody was told about.
    broker.up()
    assert send_unsent_notifications() == 1
    assert (
        OutboxEmail.objects.filter(kind="escalation_raised", object_id=escalation.pk).count() == 1
    )
    assert [m.subject for m in mail.outbox] == [
        f"Escalation: management response needed for case {draft.case.reference}"
    ]
    assert viewer.email in mail.outbox[0].to
    assert send_unsent_notifications() == 0  # run again: nothing sent twice
    assert len(mail.outbox) == 1


def test_an_api_submission_with_the_broker_down_answers_normally(broker, auditor, team):
    audit = AuditFactory(auditor=auditor, case__team=team)
    broker.down()
    response = timed(
        lambda: tab(auditor).post(
            f"/api/audits/{audit.pk}/submit/", submit_body(audit), format="json"
        )
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Audit.Status.SUBMITTED
    assert Escalation.objects.filter(audit=audit).count() == 1


def test_a_moderation_completed_with_the_broker_down_emails_the_auditor_once_it_is_back(
    broker, auditor, qa_lead, moderator
):
    audit = submitted_audit(auditor=auditor, case__team=auditor.team)
    claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    body = {
        "version": claimed.version,
        "overall": "RI",
        "overall_revision_reason": "The plan has no dates, so RI overall.",
        "summary": "The plan needs dates.",
        "grades": {
            d.code: {"grade": "RI", "rationale": f"Rationale for {d.code}."}
            for d in audit.tool.domains.all()
        },
    }
    broker.down()
    response = timed(
        lambda: tab(moderator).post(f"/api/moderations/{claimed.pk}/complete/", body, format="json")
    )
    assert response.status_code == 200, response.json()
    assert Moderation.objects.get(pk=claimed.pk).status == Moderation.Status.COMPLETED
    assert mail.outbox == []

    broker.up()
    assert send_unsent_notifications() == 1
    assert [m.to for m in mail.outbox] == [[auditor.email]]
    assert send_unsent_notifications() == 0


def test_publishing_with_the_broker_down_is_queued_and_published_when_it_is_back(
    broker, client, qa_lead
):
    broker.down()
    client.force_login(qa_lead)
    response = timed(lambda: client.post(reverse("reports:snapshot_publish"), {"month": "2019-03"}))
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "is queued" in html and "Queued" in html
    assert "will be published automatically when the queue is back" in html

    api = timed(
        lambda: tab(qa_lead).post("/api/reports/snapshots/", {"month": "2019-04"}, format="json")
    )
    assert api.status_code == 201, api.json()
    assert (api.json()["status"], api.json()["note"]) == ("queued", NOT_SENT)

    snapshots = list(ReportSnapshot.objects.order_by("month"))
    assert [(s.status, s.error) for s in snapshots] == [("queued", NOT_SENT)] * 2
    assert resend_unsent_snapshots() == 0  # still down: both stay as they are
    assert ReportSnapshot.objects.filter(error=NOT_SENT).count() == 2

    broker.up()
    assert resend_unsent_snapshots() == 2
    assert broker.messages() == [(PUBLISH, s.task_id, f"[{s.pk}]") for s in snapshots]
    assert resend_unsent_snapshots() == 0  # sent: not sent again

    worker = broker.start_worker()
    wait_for(
        lambda: not ReportSnapshot.objects.filter(status="queued").exists(),
        timeout=30,
        message=f"Not published by the worker:\n{worker.output()}",
    )
    published = list(ReportSnapshot.objects.order_by("month"))
    assert [(s.month.month, s.version, s.status, s.attempts, s.error) for s in published] == [
        (3, 1, "published", 1, ""),
        (4, 1, "published", 1, ""),
    ]
    assert broker.count() == 0
    page = client.get(reverse("reports:snapshot", args=[published[0].pk]))
    assert "Published" in page.content.decode()
