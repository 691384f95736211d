"""Moderation: the sample, the moderator's own grades beside the auditor's, and escalations.

The auditor's grades live on the audit and are never touched here; a moderation keeps its own
grades, so the two can be compared for ever.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.errors import DomainError
from core.grades import DomainGradeChoice, Grade
from core.models import Audit, Domain, Programme


class SampleDraw(models.Model):
    """One draw of a programme's moderation sample: the rules and the seed that reproduce it."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="draws")
    seed = models.PositiveIntegerField()
    target = models.PositiveIntegerField(help_text="How many audits the draw aimed for.")
    target_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Set when the target was a % of returned audits."
    )
    include_good_or_better = models.BooleanField(default=True)
    include_escalations = models.BooleanField(default=True)
    widen_downgrades = models.PositiveSmallIntegerField(
        default=2, help_text="Draw more of an auditor's audits when this many of ..."
    )
    widen_window = models.PositiveSmallIntegerField(
        default=3, help_text="... their last this many moderated audits were downgraded."
    )
    returned = models.PositiveIntegerField(help_text="Submitted audits when the draw was made.")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_at", "-pk"]

    def __str__(self):
        return f"Sample of {self.programme} (seed {self.seed})"


class Moderation(models.Model):
    """A moderator's re-grading of one submitted audit."""

    class Status(models.TextChoices):
        SAMPLED = "sampled", "Waiting"
        CLAIMED = "claimed", "In progress"
        COMPLETED = "completed", "Completed"
        RETURNED = "returned", "Returned for rework"
        REMOVED = "removed", "Removed from sample"

    class Source(models.TextChoices):
        PRODUCT = "product", "Recorded here"
        IMPORT = "import", "Imported"

    class Selection(models.TextChoices):
        RULE_GOOD = "rule_good", "Rule: every Outstanding or Good judgement"
        RULE_ESCALATION = "rule_escalation", "Rule: every escalation"
        WIDENED = "widened", "Widened: the auditor's grades were often changed"
        RANDOM = "random", "Random, in proportion to the service area's returns"
        MINIMUM = "minimum", "Random: every service area with returns gets at least one"
        HAND = "hand", "Added by hand"
        REWORK = "rework", "Resubmitted after rework"
        IMPORTED = "imported", "Imported history"
        # Never stored: what a moderator reads while a blind moderation hides the real reason.
        SAMPLE = "sample", "Chosen for the moderation sample"

    LIVE_STATUSES = (Status.SAMPLED, Status.CLAIMED, Status.COMPLETED)
    TRANSITIONS = {
        Status.SAMPLED: {Status.CLAIMED, Status.REMOVED},
        Status.CLAIMED: {Status.SAMPLED, Status.COMPLETED, Status.RETURNED},
        Status.COMPLETED: set(),
        Status.RETURNED: set(),
        Status.REMOVED: set(),
    }
    # Once completed, only the auditor's acknowledgement may still be written.
    AFTER_COMPLETION_FIELDS = frozenset({"acknowledged_at", "acknowledged_by"})

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="moderations")
    draw = models.ForeignKey(
        SampleDraw, null=True, blank=True, on_delete=models.PROTECT, related_name="moderations"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SAMPLED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PRODUCT)
    selection = models.CharField(max_length=20, choices=Selection.choices)
    selection_note = models.CharField(
        max_length=300, blank=True, help_text="Why this audit was chosen, in words."
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderations",
    )
    blind = models.BooleanField(default=False)
    revealed_at = models.DateTimeField(null=True, blank=True)
    overall = models.CharField(max_length=2, choices=Grade.choices, blank=True)
    blind_overall = models.CharField(max_length=2, choices=Grade.choices, blank=True)
    overall_revision_reason = models.TextField(blank=True)
    escalated = models.BooleanField(default=False)
    escalation_reason = models.TextField(blank=True)
    summary = models.TextField(blank=True, help_text="Feedback for the auditor.")
    rework_comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    removed_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit"],
                condition=Q(status__in=["sampled", "claimed", "completed"]),
                name="moderation_one_live_per_audit",
            ),
            models.CheckConstraint(
                condition=Q(escalated=False) | Q(overall="I"),
                name="moderation_escalation_only_when_inadequate",
            ),
        ]
        indexes = [models.Index(fields=["status", "moderator"])]

    def __str__(self):
        return f"Moderation {self.pk} of audit {self.audit_id}"

    def save(self, *args, **kwargs):
        # The last line of defence: a completed moderation's grades and judgement never change.
        if self.pk is not None:
            stored = Moderation.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            fields = set(kwargs.get("update_fields") or [])
            acknowledging = fields and fields <= self.AFTER_COMPLETION_FIELDS
            if stored == self.Status.COMPLETED and not acknowledging:
                raise DomainError("A completed moderation cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("moderation:detail", args=[self.pk])

    def can_transition(self, to: str) -> bool:
        return to in self.TRANSITIONS[self.Status(self.status)]

    def is_open(self) -> bool:
        return self.status in (self.Status.SAMPLED, self.Status.CLAIMED)

    def auditor_grades_hidden(self) -> bool:
        """The blind rule (blind_pending_audits, below) for this moderation's
        audit: its auditor's grades stay hidden. Lists annotate it as `grades_hidden`
        (moderation/selectors.py), so a page of rows asks once; otherwise one query."""
        annotated = getattr(self, "grades_hidden", None)
        if annotated is not None:
            return annotated
        return audit_grades_hidden(self.audit_id)


class ModeratedGrade(models.Model):
    """The moderator's grade and rationale for one domain; the auditor's stays on the audit."""

    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="grades")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="moderated_grades")
    grade = models.CharField(max_length=2, choices=DomainGradeChoice.choices, blank=True)
    rationale = models.TextField(blank=True)
    blind_grade = models.CharField(
        max_length=2,
        choices=DomainGradeChoice.choices,
        blank=True,
        help_text="The grade given before the auditor's grades were revealed.",
    )
    revision_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["moderation", "domain__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["moderation", "domain"], name="moderated_grade_unique_domain"
            )
        ]
        indexes = [models.Index(fields=["domain", "grade"])]

    def __str__(self):
        return f"{self.domain.code}: {self.grade or '–'}"

    def save(self, *args, **kwargs):
        locked = Moderation.objects.filter(
            pk=self.moderation_id, status=Moderation.Status.COMPLETED
        )
        if self.pk is not None and locked.exists():
            raise DomainError("A completed moderation's grades cannot be changed.")
        super().save(*args, **kwargs)


class Escalation(models.Model):
    """Inadequate – escalation: a management response asked of the service area's head."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a response"
        CLOSED = "closed", "Responded and closed"

    class RaisedBy(models.TextChoices):
        AUDITOR = "auditor", "Auditor"
        MODERATOR = "moderator", "Moderator"

    TRANSITIONS = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()}

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="escalations")
    moderation = models.ForeignKey(
        Moderation, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    raised_by_role = models.CharField(max_length=10, choices=RaisedBy.choices)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by_moderation = models.ForeignKey(
        Moderation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmed_escalations",
        help_text="A moderation that agreed with the auditor's escalation.",
    )
    reason = models.TextField()
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit"], condition=Q(status="open"), name="escalation_one_open_per_audit"
            )
        ]

    def __str__(self):
        return f"Escalation {self.pk} of audit {self.audit_id}"

    def get_absolute_url(self):
        return reverse("moderation:escalation", args=[self.pk])

    def is_overdue(self, today) -> bool:
        return self.status == self.Status.OPEN and self.due_date < today


class OutboxEmail(models.Model):
    """One e-mail to send, and whether it went. The unique key queues each notification once
    (a task run twice finds the row); sent_at is set only after the mail server took the
    message, so a failed send stays here and the beat task send_outbox tries it again."""

    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    period = models.DateField(help_text="The due date or day the e-mail was about.")
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(
        max_length=100, blank=True, help_text="The error's class only: never an address or text."
    )
    # A sender holds the row until then, so two workers never send it at the same moment.
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "period"], name="notification_sent_once"
            )
        ]
        indexes = [models.Index(fields=["sent_at", "attempts"], name="outbox_unsent")]

    def __str__(self):
        return f"{self.kind} {self.object_id} {self.period}"


# The blind rule, written once (moderation/blind.py applies it to people).


def blind_pending_moderations(prefix: str = "") -> Q:
    """The moderations (reached through `prefix`) that keep their audit's grades hidden.

    Blind is decided when a moderator claims: a claimed moderation is blind if it was claimed
    blind (Moderation.blind, from the tool or programme at that moment); a waiting one is
    blind if its tool or programme asks now, so switching a programme's blind moderation on
    or off applies to the moderations nobody has claimed yet. Pending until the moderator
    has graded and revealed (revealed_at).
    """

    def q(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    waiting_blind = q(status="sampled") & (
        q(audit__tool__blind_moderation=True) | q(audit__programme__blind_moderation=True)
    )
    claimed_blind = q(status="claimed", blind=True)
    return (waiting_blind | claimed_blind) & q(revealed_at__isnull=True)


def blind_pending_audits() -> QuerySet[Audit]:
    """Audits whose auditor's grades no moderator may read yet: the blind rule, written once.

    An audit is pending while one of its moderations is (blind_pending_moderations). Every
    audit of the same case in the same month is pending with it: a submission returned for
    rework (revision 1) carries the same grades as the revision being moderated.
    """
    pending = Moderation.objects.filter(
        blind_pending_moderations(),
        audit__case_id=OuterRef("case_id"),
        audit__month=OuterRef("month"),
    )
    return Audit.objects.filter(Exists(pending))


def audit_grades_hidden(audit_id: int) -> bool:
    """The blind rule for one audit: its auditor's grades are hidden (from everyone's view
    of the moderation; from moderators' view of the audit itself, blind_hidden_from)."""
    return blind_pending_audits().filter(pk=audit_id).exists()
