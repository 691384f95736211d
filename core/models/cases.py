"""Cases, known only by their reference in the case-management system: no child's name or
date of birth is stored anywhere."""

from django.db import models

from core.models.organisation import Team
from core.validation import CASE_REFERENCE_MAX_LENGTH, validate_case_reference


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
