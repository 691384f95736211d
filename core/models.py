"""Organisation, cases, audit tools, programmes and audits.

No child's name or date of birth is stored anywhere: a case is known only by its reference
in the case-management system.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_otp.models import Device, ThrottlingMixin
from knox.models import AbstractAuthToken
from simple_history.models import HistoricalRecords

from core.errors import DomainError
from core.grades import DomainGradeChoice, Grade, grade_choices
from core.validation import CASE_REFERENCE_MAX_LENGTH, validate_case_reference


class Role(models.TextChoices):
    """Roles are Django groups; one person may hold several."""

    AUDITOR = "auditor", "Auditor (team manager)"
    MODERATOR = "moderator", "Moderator (QA officer)"
    VIEWER = "viewer", "Viewer (head of service)"
    QA_LEAD = "qa_lead", "QA lead"


class ServiceArea(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Team(models.Model):
    service_area = models.ForeignKey(ServiceArea, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["service_area__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["service_area", "name"], name="team_unique_per_area")
        ]

    def __str__(self):
        return f"{self.name} ({self.service_area})"


class User(AbstractUser):
    """A member of staff. Team is where a manager works; service areas scope a viewer."""

    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    service_areas = models.ManyToManyField(
        ServiceArea, blank=True, related_name="viewers", help_text="Areas a viewer may read."
    )

    def has_role(self, role: str) -> bool:
        # Group names are cached on the instance: permission checks ask several times a request.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return role in self._role_names

    @property
    def is_qa_lead(self) -> bool:
        return self.has_role(Role.QA_LEAD)

    @property
    def is_auditor(self) -> bool:
        return self.has_role(Role.AUDITOR)

    @property
    def is_moderator(self) -> bool:
        return self.has_role(Role.MODERATOR)

    @property
    def is_viewer(self) -> bool:
        return self.has_role(Role.VIEWER)


class Case(models.Model):
    class CaseType(models.TextChoices):
        EARLY_HELP = "early_help", "Early help"
        CHILD_IN_NEED = "cin", "Child in need"
        CHILD_PROTECTION = "cp", "Child protection"
        CHILD_IN_CARE = "cic", "Child in care"
        CARE_LEAVER = "care_leaver", "Care leaver"
        FOSTERING_HOUSEHOLD = "fostering", "Fostering household"
        ASSESSMENT = "assessment", "Assessment (MASH / front door)"
        DISABLED_CHILDREN = "disabled", "Children with disabilities"
        OTHER = "other", "Other"

    reference = models.CharField(
        max_length=CASE_REFERENCE_MAX_LENGTH,
        unique=True,
        validators=[validate_case_reference],
        help_text="The case reference in the case-management system. Never a name.",
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    case_type = models.CharField(max_length=20, choices=CaseType.choices, default=CaseType.OTHER)

    class Meta:
        ordering = ["reference"]

    def __str__(self):
        return self.reference


class AuditTool(models.Model):
    """One version of an audit tool. A version used by a submitted audit never changes."""

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=1)
    offers_outstanding = models.BooleanField(
        default=True, help_text="Offer Outstanding; many authorities grade only G / RI / I."
    )
    blind_moderation = models.BooleanField(default=False)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="tool_unique_version")
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def is_frozen(self) -> bool:
        return self.audits.exclude(status__in=Audit.EDITABLE_STATUSES).exists()

    def grade_choices(self) -> list[tuple[str, str]]:
        return grade_choices(offers_outstanding=self.offers_outstanding)


class Domain(models.Model):
    """A practice domain of a tool version, with guidance and a descriptor per grade."""

    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="domains")
    code = models.SlugField(max_length=50)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()
    guidance = models.TextField(blank=True)
    descriptor_outstanding = models.TextField(blank=True)
    descriptor_good = models.TextField(blank=True)
    descriptor_requires_improvement = models.TextField(blank=True)
    descriptor_inadequate = models.TextField(blank=True)
    na_allowed = models.BooleanField(default=False)
    maps_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mapped_from",
        help_text="The previous tool version's domain this one continues, for trends.",
    )

    class Meta:
        ordering = ["tool", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "code"], name="domain_unique_code"),
            models.UniqueConstraint(fields=["tool", "position"], name="domain_unique_position"),
        ]

    def __str__(self):
        return self.title

    def descriptors(self) -> dict[str, str]:
        return {
            "O": self.descriptor_outstanding,
            "G": self.descriptor_good,
            "RI": self.descriptor_requires_improvement,
            "I": self.descriptor_inadequate,
        }


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
    auditor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="audits")
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
    owner = models.CharField(max_length=120, help_text="Role or staff member, never the child.")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description[:60]


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


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """Single-use recovery codes for someone who cannot use their authenticator app
    (config/two_factor.py). One per person, tied to their app: removing the app (turning
    two-factor sign-in off, or an administrator's reset of a lost phone) removes the codes and
    ends any session they verified. Only keyed digests of the codes are stored."""

    # Why verify_token refused the last token (None once it accepted one).
    USED, WRONG, THROTTLED = "used", "wrong", "throttled"

    authenticator = models.OneToOneField(
        "otp_totp.TOTPDevice", on_delete=models.CASCADE, related_name="recovery_device"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], name="recovery_device_one_per_user")
        ]

    @staticmethod
    def normalise(code: str) -> str:
        """A code as typed (any case, with or without the hyphen or spaces) as stored."""
        return "".join(code.replace("-", " ").split()).lower()

    @staticmethod
    def is_well_formed(code: str) -> bool:
        return len(code) == RECOVERY_CODE_LENGTH and set(code) <= set(RECOVERY_CODE_ALPHABET)

    @staticmethod
    def new_code() -> str:
        return "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))

    def digests(self, code: str) -> list[str]:
        """The code's digest under the secret key, then under each retired key still trusted."""
        message = f"{self.user_id}:{self.normalise(code)}".encode()
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return [hmac.new(key.encode(), message, hashlib.sha256).hexdigest() for key in keys]

    def get_throttle_factor(self):
        # The same doubling wait as the authenticator app's codes: 1, 2, 4 ... seconds.
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Whether the token is one of the unused codes, which it then marks used. Why a
        token was refused is left in self.refusal (with self.locked_until when THROTTLED)."""
        with transaction.atomic():
            # Both row locks order two tries at once: the second sees the code the first
            # marked used, and the failure count it left.
            locked = RecoveryCodeDevice.objects.select_for_update().get(pk=self.pk)
            self.throttling_failure_count = locked.throttling_failure_count
            self.throttling_failure_timestamp = locked.throttling_failure_timestamp
            allowed, details = self.verify_is_allowed()
            if not allowed:
                self.refusal, self.locked_until = self.THROTTLED, details["locked_until"]
                return False
            match = self._match(token)
            if match is not None and match.used_at is None:
                RecoveryCode.objects.filter(pk=match.pk).update(used_at=timezone.now())
                self.throttle_reset(commit=False)
                self.refusal = None
            else:
                self.throttle_increment(commit=False)
                self.refusal = self.WRONG if match is None else self.USED
            self.save(update_fields=["throttling_failure_count", "throttling_failure_timestamp"])
        return self.refusal is None

    def _match(self, token) -> "RecoveryCode | None":
        """The locked code row whose digest is the token's. Every row is compared in constant
        time, so how long this takes says nothing about the stored digests."""
        wanted = self.digests(str(token))
        match = None
        for row in RecoveryCode.objects.select_for_update().filter(device=self).order_by("pk"):
            if any(hmac.compare_digest(row.digest, digest) for digest in wanted):
                match = row
        return match

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


# An unambiguous alphabet: no 0/o, 1/i/l. 31 ** 10 codes, about 49 bits each.
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_LENGTH = 10
RECOVERY_CODE_COUNT = 10


class RecoveryCode(models.Model):
    """One recovery code, as HMAC-SHA256(SECRET_KEY, "<user id>:<code>") in hex: never the
    code itself. Rotating SECRET_KEY without keeping the old one in SECRET_KEY_FALLBACKS voids
    every recovery code."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"Recovery code {self.pk} ({'used' if self.used_at else 'unused'})"


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox): only a digest of it is kept, and it expires
    (settings.API_TOKEN_TTL). It stands for the credentials it was issued on, and is refused
    once they change (audits/api_tokens.py): the password it was issued under (a keyed stamp,
    as Django's sessions keep one) and the authenticator app whose code it was issued after
    (none for people without two-factor sign-in). Removing that app removes the token."""

    device = models.ForeignKey(
        "otp_totp.TOTPDevice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="The authenticator app whose code this token was issued after.",
    )
    password_stamp = models.CharField(max_length=64)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"API token of {self.user} ({self.token_key[:4]}…)"
