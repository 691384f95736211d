"""E-mails: who gets them, that they name the case and carry no grades, and that they go once."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.grades import Grade
from flows.audits import audit_submit
from flows.moderation import moderation_complete, moderation_return_for_rework
from moderation import notifications, tasks
from moderation.models import Escalation
from moderation.services.claims import moderation_claim
from moderation.services.escalations import escalation_respond
from tests.factories import (
    AuditFactory,
    UserFactory,
    complete_content,
    moderation_content,
    submitted_audit,
)

pytestmark = pytest.mark.django_db

RATIONALE = "Rationale for plan."
SUMMARY = "Clear analysis; the plan needs dates."
EVIDENCE = "Evidence for plan."


def assert_discreet(message, *, reference: str, secrets=()):
    """Names the case by reference, links to the service, and gives away nothing else."""
    text = f"{message.subject}\n{message.body}"
    assert reference in message.subject and reference in message.body
    assert settings.SITE_URL in message.body
    for label in Grade.labels:
        assert label not in text, f"the grade {label!r} is in the e-mail"
    for secret in (RATIONALE, SUMMARY, EVIDENCE, *secrets):
        assert secret not in text, f"{secret!r} is in the e-mail"


def complete(moderation, moderator, **kwargs):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, **kwargs)
    return moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )


def test_completion_tells_the_auditor_and_their_line_manager(
    moderation, moderator, auditor, mailoutbox, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="manager", roles=["auditor"])
    auditor.line_manager = manager
    auditor.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        complete(moderation, moderator, grade="RI", overall="RI")

    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject.startswith("Moderation complete")
    assert sorted(message.to) == sorted([auditor.email, manager.email])
    assert_discreet(message, reference=moderation.audit.case.reference)


def test_completion_skips_an_inactive_line_manager(
    moderation, moderator, auditor, mailoutbox, django_capture_on_commit_callbacks
):
    auditor.line_manager = UserFactory(username="gone", is_active=False)
    auditor.save()
    with django_capture_on_commit_callbacks(execute=True):
        complete(moderation, moderator)
    assert [m.to for m in mailoutbox] == [[auditor.email]]


def test_return_for_rework_tells_the_auditor_only(
    moderation, moderator, auditor, mailoutbox, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="manager", roles=["auditor"])
    auditor.line_manager = manager
    auditor.save()
    comment = "The evidence for the plan is missing."
    with django_capture_on_commit_callbacks(execute=True):
        claimed = moderation_claim(actor=moderator, moderation=moderation)
        moderation_return_for_rework(
            actor=moderator, moderation=claimed, version=claimed.version, comment=comment
        )
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject.startswith("Audit returned for rework")
    assert message.to == [auditor.email]
    assert_discreet(message, reference=moderation.audit.case.reference, secrets=[comment])


def test_an_escalation_goes_to_the_areas_heads_of_service_only(
    auditor,
    team,
    viewer,
    other_viewer,
    qa_lead,
    moderator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    UserFactory(username="retired_head", is_active=False, roles=["viewer"]).service_areas.add(
        team.service_area
    )
    # Someone with the area but not the head-of-service role hears nothing either.
    UserFactory(username="not_a_head", roles=["auditor"]).service_areas.add(team.service_area)
    draft = AuditFactory(auditor=auditor, case__team=team)
    content = complete_content(draft.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "No visits for 10 weeks."
    with django_capture_on_commit_callbacks(execute=True):
        audit_submit(audit=draft, actor=auditor, version=draft.version, content=content)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject.startswith("Escalation")
    assert message.to == [viewer.email]
    escalation = Escalation.objects.get()
    assert escalation.get_absolute_url() in message.body
    assert_discreet(message, reference=draft.case.reference, secrets=["No visits for 10 weeks."])


def test_a_moderators_escalation_goes_to_the_heads_and_completion_to_the_auditor(
    moderation, moderator, auditor, viewer, mailoutbox, django_capture_on_commit_callbacks
):
    reason = "Child not seen for 12 weeks."
    with django_capture_on_commit_callbacks(execute=True):
        complete(
            moderation, moderator, grade="I", overall="I", escalated=True, escalation_reason=reason
        )
    recipients = {m.subject.split(":")[0]: m.to for m in mailoutbox}
    assert recipients == {
        "Moderation complete": [auditor.email],
        "Escalation": [viewer.email],
    }
    for message in mailoutbox:
        assert_discreet(message, reference=moderation.audit.case.reference, secrets=[reason])


def test_a_rolled_back_change_sends_nothing_and_a_committed_one_sends_once(
    moderation, moderator, auditor, mailoutbox, django_capture_on_commit_callbacks
):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, grade="RI", overall="RI")

    class Abandon(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Abandon),
        transaction.atomic(),
    ):
        moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=content
        )
        raise Abandon
    assert callbacks == [] and mailoutbox == []
    claimed.refresh_from_db()
    assert claimed.status == "claimed"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=content
        )
    assert len(callbacks) == 1 and len(mailoutbox) == 1
    # The task running a second time (a retried worker) sends nothing more.
    assert tasks.notify_moderation_completed(claimed.pk) == 0
    assert len(mailoutbox) == 1


def test_the_event_tasks_are_safe_to_run_twice(
    moderation, moderator, viewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        done = complete(
            moderation,
            moderator,
            grade="I",
            overall="I",
            escalated=True,
            escalation_reason="Unsafe.",
        )
    escalation = Escalation.objects.get()
    sent = len(mailoutbox)
    assert sent == 2
    assert tasks.notify_escalation_raised(escalation.pk) == 0
    assert tasks.notify_moderation_completed(done.pk) == 0
    assert len(mailoutbox) == sent


def test_auditors_are_reminded_once_of_audits_due_soon(auditor, team, mailoutbox):
    today = dt.date(2026, 10, 27)
    due = AuditFactory(auditor=auditor, case__team=team, due_date=dt.date(2026, 10, 29))
    AuditFactory(auditor=auditor, case__team=team, due_date=dt.date(2026, 11, 20))  # not yet
    AuditFactory(auditor=auditor, case__team=team, due_date=dt.date(2026, 10, 20))  # overdue

    assert notifications.audits_due_soon_send(today=today) == 1
    assert notifications.audits_due_soon_send(today=today) == 0
    assert notifications.audits_due_soon_send(today=today + dt.timedelta(days=1)) == 0

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [auditor.email]
    assert "29 October" in message.subject
    assert_discreet(message, reference=due.case.reference)


def test_a_submitted_audit_is_not_reminded(submitted, mailoutbox):
    today = submitted.due_date - dt.timedelta(days=1)
    assert notifications.audits_due_soon_send(today=today) == 0
    assert mailoutbox == []


def test_the_beat_task_reminds_once_however_often_it_runs(auditor, team, mailoutbox):
    AuditFactory(
        auditor=auditor,
        case__team=team,
        due_date=timezone.localdate() + dt.timedelta(days=settings.AUDIT_DUE_SOON_DAYS),
    )
    assert tasks.remind_audits_due_soon() == 1
    assert tasks.remind_audits_due_soon() == 0
    assert len(mailoutbox) == 1


def open_escalation(moderation, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        complete(
            moderation,
            moderator,
            grade="I",
            overall="I",
            escalated=True,
            escalation_reason="Drift in the plan.",
        )
    return Escalation.objects.get()


def test_heads_of_service_are_reminded_daily_of_responses_due_and_overdue(
    moderation, moderator, viewer, other_viewer, mailoutbox, django_capture_on_commit_callbacks
):
    escalation = open_escalation(moderation, moderator, django_capture_on_commit_callbacks)
    due = escalation.due_date
    reference = moderation.audit.case.reference

    early = due - dt.timedelta(days=settings.ESCALATION_REMINDER_DAYS + 1)
    assert notifications.escalation_responses_due_send(today=early) == 0
    soon = due - dt.timedelta(days=1)
    assert notifications.escalation_responses_due_send(today=soon) == 1
    assert notifications.escalation_responses_due_send(today=soon) == 0
    late = due + dt.timedelta(days=2)
    assert notifications.escalation_responses_due_send(today=late) == 1
    assert notifications.escalation_responses_due_send(today=late) == 0

    assert [m.subject for m in mailoutbox] == [
        f"Escalation response due: case {reference}",
        f"Escalation response overdue: case {reference}",
    ]
    for message in mailoutbox:
        assert message.to == [viewer.email]
        assert_discreet(message, reference=reference, secrets=["Drift in the plan."])

    escalation_respond(actor=viewer, escalation=escalation, response="Visit arranged today.")
    assert notifications.escalation_responses_due_send(today=late + dt.timedelta(days=1)) == 0
    assert len(mailoutbox) == 2


def test_the_escalation_beat_task_runs_twice_and_sends_once(
    moderation, moderator, viewer, mailoutbox, django_capture_on_commit_callbacks
):
    escalation = open_escalation(moderation, moderator, django_capture_on_commit_callbacks)
    Escalation.objects.filter(pk=escalation.pk).update(due_date=timezone.localdate())
    assert tasks.remind_escalation_responses_due() == 1
    assert tasks.remind_escalation_responses_due() == 0
    assert len(mailoutbox) == 1


def test_every_beat_schedule_entry_names_a_registered_task():
    from config.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule
    for entry in schedule.values():
        assert entry["task"] in app.tasks, f"{entry['task']} is not a registered task"
    names = {entry["task"] for entry in schedule.values()}
    assert names == {
        "audits.tasks.send_inbox_digests",
        "moderation.tasks.remind_actions_overdue",
        "moderation.tasks.remind_audits_due_soon",
        "moderation.tasks.remind_escalation_responses_due",
        "moderation.tasks.send_outbox",
        "moderation.tasks.send_unsent_notifications",
        "reporting.tasks.publish_previous_month",
        "reporting.tasks.resend_unsent_snapshots",
    }


# ---------------------------------------------------------------- overdue actions


def test_auditors_are_reminded_weekly_of_their_overdue_actions(
    auditor, same_team_auditor, team, mailoutbox
):
    from core.services.actions import action_create, action_status_set

    monday = dt.date(2026, 11, 23)
    audit = submitted_audit(auditor=auditor, case__team=team)
    other = submitted_audit(auditor=same_team_auditor, case__team=team)
    secret = "Speak to the child's father about the injury."

    def action(on, due, description=secret):
        return action_create(
            audit=on, actor=on.auditor, description=description, owner="Social worker", due_date=due
        )

    action(audit, dt.date(2026, 11, 10))
    action(audit, dt.date(2026, 11, 20))
    action(audit, dt.date(2026, 11, 30))  # not due yet
    done = action(audit, dt.date(2026, 11, 1))
    action_status_set(action=done, actor=auditor, status="done")
    action(other, dt.date(2026, 11, 22))

    assert notifications.actions_overdue_send(today=monday) == 2
    # The rest of the week: nothing more; the next Monday: again, as they are still open.
    assert notifications.actions_overdue_send(today=monday + dt.timedelta(days=3)) == 0
    assert len(mailoutbox) == 2
    mine = next(m for m in mailoutbox if m.to == [auditor.email])
    assert mine.subject == "2 overdue actions on your audits"
    assert mine.body.count(audit.case.reference) == 2
    assert "10 November 2026" in mine.body and "30 November" not in mine.body
    assert "/actions/?overdue=true" in mine.body and settings.SITE_URL in mine.body
    assert secret not in f"{mine.subject}\n{mine.body}"
    theirs = next(m for m in mailoutbox if m.to == [same_team_auditor.email])
    assert theirs.subject == "1 overdue action on your audits"
    assert audit.case.reference not in theirs.body

    assert notifications.actions_overdue_send(today=monday + dt.timedelta(days=7)) == 2


def test_the_overdue_actions_beat_task_sends_once_however_often_it_runs(auditor, team, mailoutbox):
    from core.services.actions import action_create

    audit = submitted_audit(auditor=auditor, case__team=team)
    action_create(
        audit=audit,
        actor=auditor,
        description="Update the plan.",
        owner="Social worker",
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    assert tasks.remind_actions_overdue() == 1
    assert tasks.remind_actions_overdue() == 0
    assert len(mailoutbox) == 1
