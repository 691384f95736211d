"""E-mails go through an outbox: a row is marked sent only after the mail server took the
message, a failed send is retried by beat, and the unique key means one e-mail, never two."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from flows.audits import audit_submit
from moderation import tasks
from moderation.models import Escalation, OutboxEmail
from tests.audits.test_pages import form_data
from tests.factories import AuditFactory, complete_content
from tests.mail import FlakySMTP

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_smtp(settings):
    settings.EMAIL_BACKEND = "tests.mail.FlakySMTP"
    FlakySMTP.up()
    FlakySMTP.attempts = 0
    yield FlakySMTP
    FlakySMTP.up()


def escalate(auditor, team, django_capture_on_commit_callbacks):
    draft = AuditFactory(auditor=auditor, case__team=team)
    content = complete_content(draft.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "No visits for 10 weeks."
    with django_capture_on_commit_callbacks(execute=True):
        audit_submit(audit=draft, actor=auditor, version=draft.version, content=content)
    return draft, Escalation.objects.get(audit=draft)


def test_an_escalation_email_that_smtp_refuses_stays_unsent_and_beat_sends_it_once(
    auditor, team, viewer, flaky_smtp, django_capture_on_commit_callbacks
):
    flaky_smtp.down()
    draft, escalation = escalate(auditor, team, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    row = OutboxEmail.objects.get(kind="escalation_raised", object_id=escalation.pk)
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error == "SMTPServerDisconnected"  # the class only: no address, no text
    # The beat task that looks for events with no e-mail at all does not count it as done.
    assert tasks.send_unsent_notifications() == 0

    assert tasks.send_outbox() == 0  # still down: tried again, still unsent
    row.refresh_from_db()
    assert (row.sent_at, row.attempts) == (None, 2)

    flaky_smtp.up()
    assert tasks.send_outbox() == 1
    assert tasks.send_outbox() == 0
    assert tasks.send_unsent_notifications() == 0
    assert tasks.notify_escalation_raised(escalation.pk) == 0  # a retried task: nothing more
    assert [m.to for m in mail.outbox] == [[viewer.email]]
    assert draft.case.reference in mail.outbox[0].subject
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 3 and row.last_error == ""


def test_a_submission_answers_normally_when_smtp_is_down(
    client, auditor, team, viewer, flaky_smtp, django_capture_on_commit_callbacks
):
    """Eager tasks run the send inside the request: its failure must not turn into a 500."""
    flaky_smtp.down()
    draft = AuditFactory(auditor=auditor, case__team=team)
    data = form_data(draft, intent="submit", grade="I", overall="I")
    data.update(escalated="on", escalation_reason="No visits for 10 weeks.")
    client.force_login(auditor)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("audit_edit", args=[draft.pk]), data)
    assert callbacks  # the e-mail task ran inside the request, as with eager tasks
    assert response.status_code == 302, response.content[:2000]
    draft.refresh_from_db()
    assert draft.status == "submitted"
    assert OutboxEmail.objects.filter(kind="escalation_raised", sent_at__isnull=True).count() == 1


def test_the_same_notification_is_never_queued_twice(
    auditor, team, viewer, flaky_smtp, django_capture_on_commit_callbacks
):
    _, escalation = escalate(auditor, team, django_capture_on_commit_callbacks)
    row = OutboxEmail.objects.get(kind="escalation_raised", object_id=escalation.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxEmail.objects.create(kind=row.kind, object_id=row.object_id, period=row.period)
    assert len(mail.outbox) == 1


def test_the_outbox_retry_is_on_the_beat_schedule(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "moderation.tasks.send_outbox" in tasks_scheduled
