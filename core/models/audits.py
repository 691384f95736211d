"""Programmes, audits, their grades and actions, and the access log of who read them."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from core.errors import DomainError
from core.grades import DomainGradeChoice, Grade
from core.models.cases import Case
from core.models.organisation import User
from core.models.tools import AuditTool, Domain


class Programme(models.Model):
    """A month's audit programme for one tool: theme, targets and due date."""

    month = models.DateField(help_text="First day of the month.")
    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="programmes")
    theme = models.CharField(max_length=200, blank=True)
    audit_target = models.PositiveIntegerField(default=0)
    moderation_target = models.PositiveIntegerField(default=0)
    due_date = models.DateField(null=True, blank=True)
    blind_moderation = models.BooleanField(
        default=False, help_text="Moderators grade before the auditor's grades are revealed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "tool__code"]
        constraints = [
            models.UniqueConstraint(fields=["month", "tool"], name="programme_unique_month_tool"),
            models.CheckConstraint(condition=Q(month__day=1), name="programme_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.month:%B %Y} – {self.tool.name}"


class Audit(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for rework"

    class Kind(models.TextChoices):
        FULL = "full", "Full audit"
        DIP_SAMPLE = "dip_sample", "Dip sample"
        THEMATIC = "thematic", "Thematic"
        MULTI_AGENCY = "multi_agency", "Multi-agency"
        RE_AUDIT = "re_audit", "Re-audit"

    class Source(models.TextChoices):
        PRODUCT = "product", "Recorded here"
        IMPORT = "import", "Imported"

    EDITABLE_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS)
    # Submitted, and submitted then sent back: either way its grades are fixed for good.
    LOCKED_STATUSES = (Status.SUBMITTED, Status.RETURNED)
    # The allowed state changes, next to the model: services refuse anything else.
    # A returned audit stays readable as it was submitted; its rework is a new revision.
    TRANSITIONS = {
        Status.ASSIGNED: {Status.IN_PROGRESS, Status.SUBMITTED},
        Status.IN_PROGRESS: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.RETURNED},
        Status.RETURNED: set(),
    }

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="audits")
    # Null while unassigned: a QA lead took an open audit off its auditor (who left, say) and
    # has not yet given it to someone else. Only an open audit can be without an auditor.
    auditor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audits"
    )
    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="audits")
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="audits"
    )
    month = models.DateField(help_text="First day of the month the audit counts towards.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FULL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ASSIGNED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PRODUCT)
    re_audit_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="re_audits"
    )
    revision = models.PositiveSmallIntegerField(
        default=1, help_text="1 for the first submission; each rework after moderation adds one."
    )
    revision_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_revision",
        help_text="The submission a moderator returned for rework, which this one replaces.",
    )
    due_date = models.DateField(null=True, blank=True)
    overall = models.CharField(max_length=2, choices=Grade.choices, blank=True)
    escalated = models.BooleanField(
        default=False, help_text="Inadequate – escalation: asks for a management response."
    )
    escalation_reason = models.TextField(blank=True)
    working_well = models.TextField(blank=True)
    worried_about = models.TextField(blank=True)
    needs_to_happen = models.TextField(blank=True)
    family_feedback = models.TextField(
        blank=True, help_text="What the child, parents or carers said about the help they received."
    )
    resample_reason = models.TextField(
        blank=True, help_text="Why a case audited in the last 12 months was chosen again."
    )
    # Moderation columns of imported history, kept verbatim until moderation records exist.
    imported_moderation = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every save of a draft.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-month", "case__reference"]
        constraints = [
            # A returned submission and its rework share the case and programme.
            models.UniqueConstraint(
                fields=["case", "programme"],
                condition=Q(programme__isnull=False) & ~Q(status="returned"),
                name="audit_case_once_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(escalated=False) | Q(overall="I"),
                name="audit_escalation_only_when_inadequate",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="audit_month_is_first_day"),
            # Whoever submitted an audit is its auditor for good: only open ones are unassigned.
            models.CheckConstraint(
                condition=Q(auditor__isnull=False) | Q(status__in=["assigned", "in_progress"]),
                name="audit_unassigned_only_while_open",
            ),
        ]
        indexes = [
            models.Index(fields=["month", "status"]),
            models.Index(fields=["auditor", "status"]),
            # The report's drill-down: a month's audits of one judgement, newest first.
            models.Index(fields=["month", "overall", "id"], name="audit_month_overall_id"),
        ]

    def __str__(self):
        return f"Audit {self.pk} of case {self.case.reference}"

    def save(self, *args, **kwargs):
        # The last line of defence for immutability: services already refuse the change.
        allow_submitted = kwargs.pop("allow_submitted", False)
        if self.pk and not allow_submitted:
            stored = Audit.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored in Audit.LOCKED_STATUSES:
                raise DomainError("A submitted audit cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("audit_detail", args=[self.pk])

    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def is_unassigned(self) -> bool:
        return self.auditor_id is None

    def auditor_of_record(self) -> User:
        """The auditor of a submitted (or returned) audit, which is never nobody: only an open
        audit can be unassigned (the constraint audit_unassigned_only_while_open)."""
        if self.auditor is None:
            raise DomainError(f"Audit {self.pk} has no auditor: it is unassigned.")
        return self.auditor

    def can_transition(self, to: str) -> bool:
        return to in self.TRANSITIONS[self.Status(self.status)]

    def is_overdue(self, today) -> bool:
        return self.is_editable() and self.due_date is not None and self.due_date < today


class DomainGrade(models.Model):
    """The auditor's grade and evidence for one domain. Moderation records its own."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="grades")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="grades")
    grade = models.CharField(max_length=2, choices=DomainGradeChoice.choices, blank=True)
    evidence = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "domain"], name="grade_unique_domain")
        ]
        indexes = [models.Index(fields=["domain", "grade"])]

    def __str__(self):
        return f"{self.domain.code}: {self.grade or '–'}"

    def save(self, *args, **kwargs):
        # Submitted grades never change, whoever calls save().
        locked = Audit.objects.filter(pk=self.audit_id, status__in=Audit.LOCKED_STATUSES)
        if self.pk is not None and locked.exists():
            raise DomainError("The auditor's grades on a submitted audit cannot be changed.")
        super().save(*args, **kwargs)


class Action(models.Model):
    """What needs to happen, with an owner and a due date, followed until done."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_person = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions_owned",
        help_text="The member of staff who owns it.",
    )
    owner = models.CharField(
        max_length=120,
        blank=True,
        help_text="Someone outside the service (a role or name, never the child): only when "
        "no member of staff owns it. Actions recorded before owners were people keep theirs.",
    )
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            # A person or someone named outside the service, never both.
            models.CheckConstraint(
                condition=Q(owner_person__isnull=True) | Q(owner=""),
                name="action_owner_person_or_text",
            )
        ]

    def __str__(self):
        return self.description[:60]

    @property
    def owner_name(self) -> str:
        """Who owns it, as pages show it: the person's name, or the words given for someone
        outside the service."""
        if self.owner_person is not None:
            return self.owner_person.get_full_name() or self.owner_person.username
        return self.owner


class AuditRead(models.Model):
    """Someone read an audit of a case: the record a subject access request or an
    investigation needs. Written once, never changed."""

    class Channel(models.TextChoices):
        PAGE = "page", "Web page"
        API = "api", "API"

    # Blank for an export, which reads many audits: its scope says which.
    audit = models.ForeignKey(
        Audit, null=True, blank=True, on_delete=models.PROTECT, related_name="reads"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_reads"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="audit_reads")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    what = models.CharField(max_length=40, help_text="Which view of the audit was read.")
    scope = models.JSONField(
        default=dict, blank=True, help_text="An export's filters (never the content exported)."
    )
    read_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-read_at", "-pk"]
        indexes = [models.Index(fields=["case", "-read_at"])]

    def __str__(self):
        if self.audit_id is None:
            return f"{self.user} exported {self.what}"
        return f"{self.user} read audit {self.audit_id} ({self.what})"
