"""Large history imports in the background: the page stores the file as an ImportJob and a
Celery worker (queue "imports", flows.tasks.import_history_job) imports it, still all or
nothing; the job page shows how it went. Small files stay on the page (audits/import_views.py).
"""

from django.db import transaction
from django.utils import timezone

from core.models import AuditTool, ImportJob, User
from flows.importer import ImportFailed, audits_import, read_table


@transaction.atomic
def import_job_create(
    *,
    actor: User,
    filename: str,
    data: bytes,
    rows: int,
    tool_version: AuditTool | None,
    dry_run: bool,
) -> ImportJob:
    """Keep the file for the worker; the caller queues the task once this commits."""
    return ImportJob.objects.create(
        created_by=actor,
        filename=filename[:255],
        data=data,
        rows=rows,
        tool_version=tool_version,
        dry_run=dry_run,
    )


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job (or one whose worker died: its import had rolled back, and running
    it again is safe). None if it has already finished: a task delivered twice does nothing."""
    started = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.RUNNING, started_at=timezone.now())
    if started != 1:
        return None
    job = ImportJob.objects.select_related("tool_version", "created_by").get(pk=job_id)
    version = job.tool_version
    try:
        with transaction.atomic():
            rows = read_table(_File(bytes(job.data)), job.filename)
            result = audits_import(
                rows=rows,
                actor=job.created_by,
                dry_run=job.dry_run,
                tool_versions={version.code: version} if version else None,
            )
            _finish(job, ImportJob.Status.DONE, "", result.summary_lines(), [])
    except ImportFailed as failure:
        errors = [list(error) for error in failure.errors]
        _finish(job, ImportJob.Status.FAILED, failure.message, [], errors)
    return job


def import_job_fail(*, job_id: int, message: str) -> bool:
    """A job whose worker gave up (its time limit, an error): failed with `message`, its import
    rolled back. False if it had already finished."""
    failed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    ).update(status=ImportJob.Status.FAILED, message=message, finished_at=timezone.now(), data=b"")
    return failed == 1


def _finish(job: ImportJob, status: str, message: str, summary: list, errors: list) -> None:
    job.status, job.message, job.summary, job.errors = status, message, summary, errors
    job.finished_at = timezone.now()
    job.data = b""  # the rows are in the database now (or were refused): keep no copy
    job.save(update_fields=["status", "message", "summary", "errors", "finished_at", "data"])


class _File:
    """The stored bytes as the file object read_table reads."""

    def __init__(self, data: bytes):
        self.data = data

    def read(self, size: int = -1) -> bytes:
        return self.data if size < 0 else self.data[:size]
