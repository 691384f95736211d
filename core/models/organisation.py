"""The organisation: roles, service areas, teams and staff."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


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
    # The council's identity provider's subject identifier ("sub") for this person, kept at
    # their first single sign-on; empty for people who only sign in with a password.
    oidc_subject = models.CharField(
        "identity provider subject", max_length=255, blank=True, default="", editable=False
    )

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        constraints = [
            models.UniqueConstraint(
                fields=["oidc_subject"],
                condition=~Q(oidc_subject=""),
                name="user_oidc_subject_unique",
            )
        ]

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


class StaffEvent(models.Model):
    """One change to a person's account, kept for ever: who, when, what it was, what it became
    and why; a person's one history, whether a QA lead made the change on the staff pages or
    the identity provider's groups made it at sign-in (ACCESS: one event for each role,
    service area or team given or taken away). Written only by core/services/people.py;
    append-only in the database (core/history_guard.py); people are never deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", "Added"
        UPDATED = "updated", "Details changed"
        ROLES = "roles", "Roles changed"
        INVITED = "invited", "Invited"
        PASSWORD_SET = "password_set", "Password set"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"
        ACCESS = "access", "Access from the council's sign-in"

    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="staff_events")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.person}"
