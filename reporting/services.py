"""Writes of the reporting app."""

import datetime as dt
import logging
import time
import uuid
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.errors import DomainError
from core.models import User
from core.months import months_before
from reporting import exports
from reporting.models import ReportSnapshot
from reporting.scope import ReportScope
from reporting.selectors import monthly_report

# ---------------------------------------------------------------- published snapshots

logger = logging.getLogger(__name__)

SNAPSHOT_VERSION_ATTEMPTS = 5
# Kept on a queued snapshot whose task could not be sent: the page says so, and the beat
# task snapshot_resend_unsent sends it again once the broker is back.
NOT_SENT = (
    "The task queue could not be reached. The report stays queued and will be published "
    "automatically when the queue is back; there is no need to publish it again."
)
# A queued snapshot not marked sent this long after its request lost its task: the send after
# commit never happened (the process stopped in between). Sending takes well under a second.
LOST_AFTER = dt.timedelta(minutes=10)


def _queue_publish(snapshot_id: int, task_id: str) -> bool:
    """Send the publish task; with the broker down, note it on the snapshot (False)."""
    from reporting.tasks import publish_snapshot  # tasks import this module

    try:
        # A list, as the message has always carried it; celery takes any sequence (its stubs
        # ask for a tuple).
        publish_snapshot.apply_async(args=[snapshot_id], task_id=task_id)  # type: ignore[arg-type]
    except BrokerUnavailable as error:
        logger.warning("Report snapshot %s not sent to the task queue: %s", snapshot_id, error)
        ReportSnapshot.objects.filter(pk=snapshot_id, status=ReportSnapshot.Status.QUEUED).update(
            error=NOT_SENT
        )
        return False
    ReportSnapshot.objects.filter(
        pk=snapshot_id, status=ReportSnapshot.Status.QUEUED, sent_at=None
    ).update(sent_at=timezone.now())
    return True


def snapshot_resend_unsent(*, now: dt.datetime | None = None) -> int:
    """Send again the queued snapshots whose task never reached the queue; how many went.

    Those are the ones the broker refused (NOT_SENT) and those never marked sent LOST_AFTER
    their request: the process died between the commit and the send. Safe to run twice: a
    snapshot sent twice is published once (a compare-and-swap)."""
    lost_before = (now or timezone.now()) - LOST_AFTER
    unsent = ReportSnapshot.objects.filter(
        Q(error=NOT_SENT) | Q(requested_at__lt=lost_before),
        status=ReportSnapshot.Status.QUEUED,
        sent_at=None,
    )
    sent = 0
    for snapshot_id, task_id in unsent.order_by("pk").values_list("pk", "task_id"):
        if not _queue_publish(snapshot_id, task_id):
            break  # still down: the next run tries again
        ReportSnapshot.objects.filter(pk=snapshot_id, error=NOT_SENT).update(error="")
        sent += 1
    return sent


def _insert_next_version(
    *, month: dt.date, actor: User | None, trigger: str, scheduled_on: dt.date | None
) -> ReportSnapshot | None:
    """Insert the month's next version. Two requests at once both read the same latest
    version; the unique constraint refuses the second insert, which then reads again.
    None when the schedule already asked for this month today."""
    for _ in range(SNAPSHOT_VERSION_ATTEMPTS):
        latest = ReportSnapshot.objects.filter(month=month).aggregate(v=Max("version"))["v"]
        try:
            with transaction.atomic():
                return ReportSnapshot.objects.create(
                    month=month,
                    version=(latest or 0) + 1,
                    trigger=trigger,
                    scheduled_on=scheduled_on,
                    requested_by=actor,
                    task_id=str(uuid.uuid4()),
                )
        except IntegrityError:
            if (
                scheduled_on is not None
                and ReportSnapshot.objects.filter(month=month, scheduled_on=scheduled_on).exists()
            ):
                return None
    raise DomainError("The report is being published by someone else; try again in a moment.")


@transaction.atomic
def snapshot_request(
    *,
    month: dt.date,
    actor: User | None,
    trigger: str = ReportSnapshot.Trigger.MANUAL,
    scheduled_on: dt.date | None = None,
) -> ReportSnapshot | None:
    """Queue the month's next snapshot version; the publish task is sent after commit."""
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        message = "You cannot publish the report for a month that has not started."
        raise DomainError(message, field_errors={"month": [message]})
    snapshot = _insert_next_version(
        month=month, actor=actor, trigger=trigger, scheduled_on=scheduled_on
    )
    if snapshot is not None:
        transaction.on_commit(partial(_queue_publish, snapshot.pk, snapshot.task_id))
    return snapshot


def snapshot_publish_scheduled(*, today: dt.date) -> ReportSnapshot | None:
    """Queue the previous month's snapshot for the schedule, once per month per day."""
    month = months_before(today.replace(day=1), 1)
    if ReportSnapshot.objects.filter(month=month, scheduled_on=today).exists():
        return None
    return snapshot_request(
        month=month, actor=None, trigger=ReportSnapshot.Trigger.SCHEDULE, scheduled_on=today
    )


def snapshot_publish(*, snapshot_id: int, pause_seconds: float = 0) -> bool:
    """Compute and store a queued snapshot's report; False if it was no longer queued.

    Safe to run twice or after a worker died half-way: only the update from "queued" stores
    the figures, so exactly one run publishes. `pause_seconds` (tests only) waits between
    computing and storing, so a test can kill a worker at that point.
    """
    snapshot = ReportSnapshot.objects.filter(pk=snapshot_id).only("pk", "month", "status").first()
    if snapshot is None or snapshot.status != ReportSnapshot.Status.QUEUED:
        return False
    ReportSnapshot.objects.filter(pk=snapshot_id, status=ReportSnapshot.Status.QUEUED).update(
        started_at=timezone.now(), attempts=F("attempts") + 1
    )
    report = monthly_report(scope=ReportScope(month=snapshot.month))
    labels = exports.filter_labels(report["filters"])
    xlsx = exports.to_xlsx(report, labels, created=timezone.now())
    if pause_seconds:
        time.sleep(pause_seconds)
    published = ReportSnapshot.objects.filter(
        pk=snapshot_id, status=ReportSnapshot.Status.QUEUED
    ).update(
        status=ReportSnapshot.Status.PUBLISHED,
        data=report,
        xlsx=xlsx,
        published_at=timezone.now(),
        error="",
    )
    return published == 1


def snapshot_fail(*, snapshot_id: int, error: str) -> bool:
    """Mark a queued snapshot failed (its task gave up); False if it was not queued."""
    failed = ReportSnapshot.objects.filter(
        pk=snapshot_id, status=ReportSnapshot.Status.QUEUED
    ).update(status=ReportSnapshot.Status.FAILED, error=error[:2000])
    return failed == 1
