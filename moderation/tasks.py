"""Celery tasks: each takes primary keys, calls one function and is safe to run twice."""

from celery import shared_task

from moderation import notifications


@shared_task
def notify_moderation_completed(moderation_id: int) -> int:
    return notifications.moderation_completed_send(moderation_id=moderation_id)


@shared_task
def notify_returned_for_rework(moderation_id: int, revision_id: int) -> int:
    return notifications.returned_for_rework_send(
        moderation_id=moderation_id, revision_id=revision_id
    )


@shared_task
def notify_escalation_raised(escalation_id: int) -> int:
    return notifications.escalation_raised_send(escalation_id=escalation_id)


@shared_task
def send_unsent_notifications() -> int:
    """Celery beat: the e-mails whose task the broker was down for."""
    return notifications.unsent_send()


@shared_task
def send_outbox() -> int:
    """Celery beat: the e-mails the mail server refused or was down for, tried again."""
    return notifications.outbox_send()


@shared_task
def remind_audits_due_soon() -> int:
    return notifications.audits_due_soon_send()


@shared_task
def remind_escalation_responses_due() -> int:
    return notifications.escalation_responses_due_send()


@shared_task
def remind_actions_overdue() -> int:
    return notifications.actions_overdue_send()
