"""A large import run in the background: the file, who sent it, and how it went."""

from django.db import models

from core.models.organisation import User
from core.models.tools import AuditTool


class ImportJob(models.Model):
    """A history file imported by a Celery worker (flows/import_jobs.py), all or nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    FINISHED = (Status.DONE, Status.FAILED)

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    data = models.BinaryField(help_text="The uploaded file, kept until the job has run.")
    rows = models.PositiveIntegerField(default=0)
    tool_version = models.ForeignKey(
        AuditTool, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    summary = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True, help_text="[row, column, reason] each.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Import {self.pk} ({self.get_status_display()})"

    def is_finished(self) -> bool:
        return self.status in self.FINISHED
