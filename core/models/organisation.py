"""The organisation: roles, service areas, teams and staff."""

from django.contrib.auth.models import AbstractUser
from django.db import models


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
