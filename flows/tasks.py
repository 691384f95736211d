"""Celery tasks of the flows: the background history import (routed to the "imports" queue in
settings.CELERY_TASK_ROUTES). Tasks take primary keys and are safe to run twice."""

from celery import shared_task

from flows.import_jobs import import_job_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_history_job(job_id: int) -> str | None:
    job = import_job_run(job_id=job_id)
    return job.status if job else None
