"""Audit tools and their domains, one row per version.

A version is a draft until it is published; a published version never changes (the services
refuse, and so do save() and delete() here): changes make a new draft version. Each domain of
a later version lists the domains of the version before that it continues (`continues`): one
for a domain kept or renamed, one old domain continued by two new ones for a split, two old
ones continued by one for a merge; none for a new domain. core/tools.py reads the lineage.
"""

from django.db import models
from simple_history.models import HistoricalRecords

from core.errors import DomainError
from core.grades import grade_choices

PUBLISHED_REFUSED = "A published tool version never changes: make a new version instead."


class AuditToolQuerySet(models.QuerySet):
    def published(self) -> "AuditToolQuerySet":
        """The versions audits may be recorded under (programmes, the form, imported history):
        a draft is still being set up."""
        return self.filter(published_at__isnull=False)

    def named(self, text: str) -> "AuditTool | None":
        """The version a person names as CODE:N (e.g. case-file:2), or None."""
        code, _, number = text.partition(":")
        if not number.isdigit():
            return None
        return self.filter(code=code.lower(), version=int(number)).first()


class AuditTool(models.Model):
    """One version of an audit tool: a draft while it is set up, then published and frozen."""

    class AuditType(models.TextChoices):
        CASE_FILE = "case_file", "Case file audit"
        THEMED = "themed", "Themed audit"
        FOSTER_CARER = "foster_carer", "Foster carer audit"
        EARLY_HELP = "early_help", "Early help audit"
        MULTI_AGENCY = "multi_agency", "Multi-agency audit"
        DIP_SAMPLE = "dip_sample", "Dip sample"

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=120)
    version = models.PositiveIntegerField(default=1)
    audit_type = models.CharField(
        max_length=20, choices=AuditType.choices, default=AuditType.CASE_FILE
    )
    offers_outstanding = models.BooleanField(
        default=True, help_text="Offer Outstanding; many authorities grade only G / RI / I."
    )
    blind_moderation = models.BooleanField(default=False)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while the version is a draft."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = AuditToolQuerySet.as_manager()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="tool_unique_version")
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def save(self, *args, **kwargs):
        # The last line of defence: the services already refuse to change a published version.
        if self.pk and AuditTool.objects.published().filter(pk=self.pk).exists():
            raise DomainError(PUBLISHED_REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and AuditTool.objects.published().filter(pk=self.pk).exists():
            raise DomainError(PUBLISHED_REFUSED)
        return super().delete(*args, **kwargs)

    def is_published(self) -> bool:
        return self.published_at is not None

    def is_frozen(self) -> bool:
        """Published, or (for versions made before drafts existed) used by a submitted audit."""
        if self.is_published():
            return True
        # The audit model through its relation: core.models.audits imports this module.
        audits = self.audits
        return audits.exclude(status__in=audits.model.EDITABLE_STATUSES).exists()

    def grade_choices(self) -> list[tuple[str, str]]:
        return grade_choices(offers_outstanding=self.offers_outstanding)


def _tool_published(tool_id: int | None) -> bool:
    if tool_id is None:
        return False
    return AuditTool.objects.published().filter(pk=tool_id).exists()


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
    continues = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="continued_by",
        help_text="The previous tool version's domains this one continues, for trends.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["tool", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "code"], name="domain_unique_code"),
            models.UniqueConstraint(fields=["tool", "position"], name="domain_unique_position"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A published version's domains never change, and it gains none.
        if _tool_published(self.tool_id):
            raise DomainError(PUBLISHED_REFUSED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _tool_published(self.tool_id):
            raise DomainError(PUBLISHED_REFUSED)
        return super().delete(*args, **kwargs)

    def descriptors(self) -> dict[str, str]:
        return {
            "O": self.descriptor_outstanding,
            "G": self.descriptor_good,
            "RI": self.descriptor_requires_improvement,
            "I": self.descriptor_inadequate,
        }
