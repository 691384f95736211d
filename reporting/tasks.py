"""Celery tasks: each takes primary keys, calls one service and is safe to run twice.

Acks are late (config/settings.py: CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST),
so a worker killed mid-task leaves the message with the broker, which hands it to another
worker; the service's compare-and-swap makes the second run publish, or do nothing.
"""

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from reporting import services

logger = logging.getLogger(__name__)

# A database that is briefly unreachable or locked: worth another try.
RETRYABLE = (OperationalError, InterfaceError)


class SnapshotTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Given up (not retrying any more): the snapshot is marked failed, not left queued."""
        snapshot_id = kwargs.get("snapshot_id", args[0] if args else None)
        try:
            services.snapshot_fail(snapshot_id=snapshot_id, error=f"{type(exc).__name__}: {exc}")
        except Exception:  # the database may be what failed
            logger.exception("Could not mark report snapshot %s failed", snapshot_id)


def _test_pause_seconds() -> float:
    # Set only by the worker tests, which pause a publish to kill the worker mid-way.
    return settings.REPORT_TASK_TEST_PAUSE_SECONDS


@shared_task(
    base=SnapshotTask,
    autoretry_for=RETRYABLE,
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
)
def publish_snapshot(snapshot_id: int) -> bool:
    return services.snapshot_publish(snapshot_id=snapshot_id, pause_seconds=_test_pause_seconds())


@shared_task
def publish_previous_month() -> int | None:
    """Celery beat: queue the previous month's report; None if already done today."""
    snapshot = services.snapshot_publish_scheduled(today=timezone.localdate())
    return snapshot.pk if snapshot is not None else None


@shared_task
def resend_unsent_snapshots() -> int:
    """Celery beat: send again the publish tasks the broker was down for, or that were lost
    between the commit and the send."""
    return services.snapshot_resend_unsent()
