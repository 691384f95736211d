"""Issue 5, item 8: a transaction that rolls back sends no Celery task; one that commits
sends exactly one.

The app sends to a real Redis broker here (tests/reliability/conftest.py: database 13, a
queue of our own), through its own code paths: publishing a report snapshot, completing a
moderation (the auditor's e-mail) and submitting an escalated audit (the head of service's
e-mail). The messages are counted on the broker's list for the queue. The tests are
transactional, so commits are real and on_commit callbacks run as in production.
"""

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.models import Audit
from flows.audits import audit_submit
from flows.moderation import moderation_complete
from moderation.models import Escalation, Moderation, OutboxEmail
from moderation.services.claims import moderation_claim
from reporting.models import ReportSnapshot
from reporting.services import LOST_AFTER, snapshot_request, snapshot_resend_unsent
from tests.factories import (
    AuditFactory,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)
from tests.reliability.helpers import tab

MONTH = dt.date(2019, 3, 1)
PUBLISH = "reporting.tasks.publish_snapshot"
MODERATION_DONE = "moderation.tasks.notify_moderation_completed"
ESCALATION = "moderation.tasks.notify_escalation_raised"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Rollback(Exception):
    """Raised to roll a transaction back, as any error after the service call would."""


@pytest.fixture
def claimed(auditor, qa_lead, moderator) -> Moderation:
    audit = submitted_audit(auditor=auditor, case__team=auditor.team)
    return moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))


def complete(claimed: Moderation, moderator) -> Moderation:
    return moderation_complete(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(claimed.audit.tool, grade="RI", overall="RI"),
    )


# ---------------------------------------------------------------- report snapshots


def test_a_rolled_back_publish_sends_nothing_and_a_committed_one_sends_one(broker, qa_lead):
    with pytest.raises(Rollback), transaction.atomic():
        snapshot_request(month=MONTH, actor=qa_lead)
        raise Rollback
    assert broker.count() == 0
    assert not ReportSnapshot.objects.exists()

    snapshot = snapshot_request(month=MONTH, actor=qa_lead)
    assert broker.count() == 1
    [(name, task_id, args)] = broker.messages()
    assert (name, task_id) == (PUBLISH, snapshot.task_id)
    assert str(snapshot.pk) in args


def test_the_task_waits_for_the_outermost_commit(broker, qa_lead):
    with transaction.atomic():
        snapshot = snapshot_request(month=MONTH, actor=qa_lead)
        # The service's own atomic block has ended, but nothing is committed yet.
        assert broker.count() == 0
    assert broker.count() == 1
    assert broker.messages()[0][1] == snapshot.task_id


def test_a_rolled_back_savepoint_drops_its_task_while_the_rest_commits(broker, qa_lead):
    with transaction.atomic():
        with pytest.raises(Rollback), transaction.atomic():
            snapshot_request(month=MONTH, actor=qa_lead)
            raise Rollback
        kept = snapshot_request(month=dt.date(2019, 4, 1), actor=qa_lead)
    assert broker.count() == 1
    assert broker.messages()[0][1] == kept.task_id
    assert list(ReportSnapshot.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_committed_snapshot_whose_send_never_happened_is_sent_once_by_the_beat_task(
    broker, qa_lead
):
    # The process stopped between the commit and the send: the row is there, queued, and no
    # task reached the broker. Made here as snapshot_request's insert commits it.
    lost = ReportSnapshot.objects.create(month=MONTH, version=1, requested_by=qa_lead, task_id="t")
    sent_normally = snapshot_request(month=dt.date(2019, 4, 1), actor=qa_lead)
    sent_normally.refresh_from_db()
    assert sent_normally.sent_at is not None
    assert broker.count() == 1

    now = timezone.now()
    # Too soon to tell from a send still under way: nothing is sent.
    assert snapshot_resend_unsent(now=now + LOST_AFTER - dt.timedelta(seconds=5)) == 0
    assert broker.count() == 1

    assert snapshot_resend_unsent(now=now + LOST_AFTER + dt.timedelta(seconds=5)) == 1
    assert broker.messages()[1] == (PUBLISH, "t", f"[{lost.pk}]")
    lost.refresh_from_db()
    assert lost.status == ReportSnapshot.Status.QUEUED and lost.sent_at is not None
    # Sent once: a day later neither snapshot is sent again.
    assert snapshot_resend_unsent(now=now + dt.timedelta(days=1)) == 0
    assert broker.count() == 2


def test_publishing_through_the_api_sends_one_task_and_a_refused_one_none(broker, qa_lead):
    client = tab(qa_lead)
    refused = client.post("/api/reports/snapshots/", {"month": "2999-01"}, format="json")
    assert refused.status_code == 400
    assert broker.count() == 0

    response = client.post("/api/reports/snapshots/", {"month": "2019-03"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == ReportSnapshot.Status.QUEUED  # no worker: still queued
    snapshot = ReportSnapshot.objects.get()
    assert broker.messages() == [(PUBLISH, snapshot.task_id, f"[{snapshot.pk}]")]


# ---------------------------------------------------------------- e-mail notifications


def test_a_rolled_back_moderation_completion_sends_no_email_task(broker, claimed, moderator):
    with pytest.raises(Rollback), transaction.atomic():
        complete(claimed, moderator)
        raise Rollback
    assert broker.count() == 0
    claimed.refresh_from_db()
    assert claimed.status == Moderation.Status.CLAIMED

    done = complete(claimed, moderator)
    assert broker.messages() == [(MODERATION_DONE, broker.messages()[0][1], f"({done.pk},)")]


def test_a_refused_completion_sends_nothing(broker, claimed, moderator):
    """The service itself rolls back (a stale version): no e-mail for what did not happen."""
    with pytest.raises(DomainError):
        moderation_complete(
            actor=moderator,
            moderation=claimed,
            version=claimed.version - 1,
            content=moderation_content(claimed.audit.tool),
        )
    assert broker.count() == 0


def test_an_escalated_submission_sends_one_task_only_if_it_commits(broker, auditor, team):
    audit = AuditFactory(auditor=auditor, case__team=team)
    content = complete_content(audit.tool, grade="I", overall="I")
    content.escalated = True
    content.escalation_reason = "No protection plan after a second referral."

    with pytest.raises(Rollback), transaction.atomic():
        audit_submit(audit=audit, actor=auditor, version=audit.version, content=content)
        raise Rollback
    assert broker.count() == 0
    assert not Escalation.objects.exists()
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.ASSIGNED

    audit_submit(audit=audit, actor=auditor, version=audit.version, content=content)
    escalation = Escalation.objects.get()
    assert [(name, args) for name, _id, args in broker.messages()] == [
        (ESCALATION, f"({escalation.pk},)")
    ]


def test_a_worker_sends_the_committed_email_exactly_once(broker, claimed, moderator):
    """End to end through the API and a real worker: one message, one e-mail recorded."""
    client = tab(moderator)
    body = {
        "version": claimed.version,
        "overall": "RI",
        "overall_revision_reason": "The plan has no dates, so RI overall.",
        "summary": "The plan needs dates.",
        "grades": {
            d.code: {"grade": "RI", "rationale": f"Rationale for {d.code}."}
            for d in claimed.audit.tool.domains.all()
        },
    }
    response = client.post(f"/api/moderations/{claimed.pk}/complete/", body, format="json")
    assert response.status_code == 200, response.json()
    [(name, task_id, _args)] = broker.messages()
    assert name == MODERATION_DONE

    worker = broker.start_worker()
    sent = OutboxEmail.objects.filter(kind="moderation_completed", object_id=claimed.pk)
    deadline = time.monotonic() + 20
    while "succeeded" not in worker.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"notify_moderation_completed[{task_id}] succeeded" in worker.output()
    assert sent.count() == 1, worker.output()
    assert broker.count() == 0
