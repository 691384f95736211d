"""Audit tools and their domains, one row per version."""

from django.db import models

from core.grades import grade_choices


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
        # The audit model through its relation: core.models.audits imports this module.
        audits = self.audits
        return audits.exclude(status__in=audits.model.EDITABLE_STATUSES).exists()

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
