"""Celery tasks: each takes primary keys, calls one function and is safe to run twice."""

from celery import shared_task

from audits import inbox


@shared_task
def send_inbox_digests() -> int:
    """Celery beat, daily: each person's inbox by e-mail (case references and due dates)."""
    return inbox.inbox_digests_send()
