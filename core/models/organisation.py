"""The organisation: roles, service areas, teams and staff."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone


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


class RoleChange(models.Model):
    """One role or service area given to or taken from a person, or their team changed: who,
    what, when, by whom (nobody: the identity provider) and why. Append-only, as history is
    (core/history_guard.py triggers)."""

    class Change(models.TextChoices):
        ROLE_ADDED = "role_added", "Role given"
        ROLE_REMOVED = "role_removed", "Role taken away"
        AREA_ADDED = "area_added", "Service area given"
        AREA_REMOVED = "area_removed", "Service area taken away"
        TEAM_SET = "team_set", "Team changed"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_changes")
    change = models.CharField(max_length=20, choices=Change.choices)
    # The role's name, or the area's or team's name as it was then.
    value = models.CharField(max_length=250)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_change_display()}: {self.value_shown()}"

    def value_shown(self) -> str:
        """A role by its name as people read it ("QA lead"); an area or team as it is."""
        if self.change in (self.Change.ROLE_ADDED, self.Change.ROLE_REMOVED):
            return Role(self.value).label if self.value in Role.values else self.value
        return self.value


class StaffEvent(models.Model):
    """One change to a person's account, kept for ever: who, when, what it was, what it became
    and why. Written only by core/services/people.py; people are never deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", "Added"
        UPDATED = "updated", "Details changed"
        ROLES = "roles", "Roles changed"
        INVITED = "invited", "Invited"
        PASSWORD_SET = "password_set", "Password set"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"

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
