"""Stored reports: published monthly report snapshots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.errors import TransitionNotAllowed


class ReportSnapshotQuerySet(models.QuerySet):
    """Bulk writes never reach a published snapshot (Model.save and delete refuse it too)."""

    def update(self, **kwargs):
        unpublished = self.exclude(status=ReportSnapshot.Status.PUBLISHED)
        return models.QuerySet.update(unpublished, **kwargs)

    def delete(self):
        if self.filter(status=ReportSnapshot.Status.PUBLISHED).exists():
            raise TransitionNotAllowed("A published report snapshot cannot be deleted.")
        return super().delete()


class ReportSnapshot(models.Model):
    """A month's report frozen when the QA lead published it: the JSON and the XLSX.

    Rows are created "queued" by reporting.services.snapshot_request and filled once by the
    publish task (a compare-and-swap from queued); a published snapshot never changes, and
    publishing the month again makes the next version.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Published by a QA lead"
        SCHEDULE = "schedule", "Published on schedule"

    # Allowed status changes; every other one is refused.
    TRANSITIONS = {
        Status.QUEUED: {Status.PUBLISHED, Status.FAILED},
        Status.PUBLISHED: set(),
        Status.FAILED: set(),
    }
    AUTHORITY_WIDE = "all"

    month = models.DateField(help_text="First day of the month.")
    filters_key = models.CharField(
        max_length=100, default=AUTHORITY_WIDE, help_text='"all": the whole authority.'
    )
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    scheduled_on = models.DateField(
        null=True, blank=True, help_text="The day the schedule asked for it (schedule only)."
    )
    data = models.JSONField(null=True, blank=True, editable=False)
    xlsx = models.BinaryField(null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_snapshots",
        help_text="Empty when the schedule published it.",
    )
    requested_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the publish task reached the queue; empty until then.",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    objects = ReportSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="snapshot_unique_version"),
            # The schedule publishes a month at most once a day, whatever runs it twice.
            models.UniqueConstraint(
                fields=["month", "scheduled_on"],
                condition=Q(scheduled_on__isnull=False),
                name="snapshot_once_per_scheduled_day",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="snapshot_month_is_first_day"),
            models.CheckConstraint(condition=Q(version__gte=1), name="snapshot_version_from_1"),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(data__isnull=False, xlsx__isnull=False, published_at__isnull=False),
                name="snapshot_published_has_data",
            ),
        ]

    def __str__(self):
        return f"{self.month:%B %Y} report, version {self.version} ({self.status})"

    def save(self, *args, **kwargs):
        # A published snapshot is what a committee read: refuse to overwrite it. (Publishing
        # itself is a queryset update from "queued", which never matches a published row.)
        if self.pk is not None and self.is_published_in_database():
            raise TransitionNotAllowed("A published report snapshot cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reports:snapshot", args=[self.pk])

    def delete(self, *args, **kwargs):
        if self.is_published_in_database():
            raise TransitionNotAllowed("A published report snapshot cannot be deleted.")
        return super().delete(*args, **kwargs)

    def is_published_in_database(self) -> bool:
        return type(self).objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists()

    def xlsx_bytes(self) -> bytes:
        # PostgreSQL hands a BinaryField back as a memoryview.
        return bytes(self.xlsx) if self.xlsx is not None else b""


class ReportSummary(models.Model):
    """Counts of submitted audits' judgements, kept up to date for fast reports and trends.

    One row per (month, tool version, team of the case, domain, auditor's grade, moderator's
    grade, escalations) with the number of submitted audits (domain empty: the overall
    judgement) or of their domain grades. moderated_grade is null when the audit has no
    completed moderation (or that moderation has no grade for the domain); "" is a blank
    imported grade. reporting.services keeps it in step with every submission, moderation and
    rework; `manage.py rebuild_report_summary` recomputes it from the raw tables.
    """

    month = models.DateField()
    tool = models.ForeignKey(
        "audits.AuditTool", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    tool_code = models.SlugField(max_length=50, help_text="Copied from the tool, for filters.")
    team = models.ForeignKey(
        "audits.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    domain = models.ForeignKey(
        "audits.Domain",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        help_text="Empty: the overall judgement.",
    )
    grade = models.CharField(max_length=2, blank=True)
    # Null (not moderated) and "" (a blank moderated grade) mean different things here.
    moderated_grade = models.CharField(max_length=2, null=True, blank=True)  # noqa: DJ001
    escalated = models.BooleanField(default=False)
    moderated_escalated = models.BooleanField(null=True, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["month", "tool_code"], name="summary_month_tool"),
            models.Index(fields=["month", "tool", "team"], name="summary_slice"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.tool_code} team {self.team_id}: {self.n}"


class ReportSummaryTotal(models.Model):
    """ReportSummary added up over teams: the whole authority's counts per (month, tool
    version, domain, grades, escalations). The reports that ask for no service area or team
    (every QA lead's and moderator's first view) read these: at national scale about sixty
    times fewer rows to add up than the teams'. reporting.summary keeps it in step with
    ReportSummary in the same transaction; the columns mean what they mean there.
    """

    month = models.DateField()
    tool = models.ForeignKey(
        "audits.AuditTool", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    tool_code = models.SlugField(max_length=50, db_index=False)
    domain = models.ForeignKey(
        "audits.Domain",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    grade = models.CharField(max_length=2, blank=True)
    moderated_grade = models.CharField(max_length=2, null=True, blank=True)  # noqa: DJ001
    escalated = models.BooleanField(default=False)
    moderated_escalated = models.BooleanField(null=True, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["month", "tool_code"], name="summary_total_month_tool"),
            models.Index(fields=["month", "tool"], name="summary_total_slice"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.tool_code}: {self.n}"
