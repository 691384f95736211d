"""Celery tasks of the flows: the background history import (routed to the "imports" queue in
settings.CELERY_TASK_ROUTES, with its own time limits). Tasks take primary keys and are safe to
run twice."""

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from flows.import_jobs import import_job_fail, import_job_run

logger = logging.getLogger(__name__)

TOO_LONG = (
    "The import took longer than the time allowed and was stopped. Nothing was imported: "
    "split the file into smaller files and import each one."
)
STOPPED = "The import stopped before it finished. Nothing was imported: import the file again."


class ImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The job says it failed (its transaction rolled back), instead of 'Importing' forever."""
        job_id = kwargs.get("job_id", args[0] if args else None)
        message = TOO_LONG if isinstance(exc, SoftTimeLimitExceeded) else STOPPED
        try:
            import_job_fail(job_id=job_id, message=message)
        except Exception:  # the database may be what failed
            logger.exception("Could not mark import job %s failed", job_id)


@shared_task(base=ImportTask, acks_late=True, reject_on_worker_lost=True)
def import_history_job(job_id: int) -> str | None:
    job = import_job_run(job_id=job_id)
    return job.status if job else None
