"""Roles, service areas and teams from the council's identity provider: the one rule that
turns a person's groups into what they may do here, and the one write that applies it and
records each change (who, what, when, why) in the person's one history, an append-only
StaffEvent of kind ACCESS (core/services/people.py writes it).

The mapping is the setting OIDC_GROUP_ROLES, a JSON object whose keys are the groups as the
provider sends them (names, or Microsoft Entra ID's object ids) and whose values say what the
group gives:

    {"cfa-qa-leads": "qa_lead",
     "cfa-qa-officers": ["moderator"],
     "cfa-cin-team-1": {"label": "CIN team 1 managers", "roles": ["auditor"],
                        "team": "Children in need / CIN team 1"},
     "cfa-heads-cin": {"roles": ["viewer"], "areas": ["Children in need"]}}

A person holds the union of what their groups give. The provider is the source of truth for
roles and areas: at each single sign-on they are set to exactly what the groups give, so a
group taken away at the provider takes its role away at the next sign-in. A team is set only
when a group names one (otherwise the team an administrator set stays). Group names in the
mapping and in the claim are compared exactly. QA leads read the mapping on /sign-in-groups/.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from core.models import Role, ServiceArea, StaffEvent, Team, User
from core.services.people import person_access_changes_record

FROM_PROVIDER = "from the identity provider"
TEAM_SEPARATOR = " / "


@dataclass(frozen=True)
class GroupGrant:
    """What one group of the identity provider gives."""

    group: str
    label: str = ""
    roles: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    team: str = ""  # "Service area / Team"


@dataclass(frozen=True)
class Access:
    """What a person's groups give them, together."""

    roles: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    team: str = ""
    groups: tuple[str, ...] = field(default=())  # the groups that matched the mapping


def _strings(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ImproperlyConfigured(f"OIDC_GROUP_ROLES: {where} must be a name or a list of names.")


def group_grants(mapping: dict | None = None) -> list[GroupGrant]:
    """The mapping, read and checked: every role one of the service's roles."""
    mapping = settings.OIDC_GROUP_ROLES if mapping is None else mapping
    grants = []
    for group, value in mapping.items():
        if isinstance(value, dict):
            unknown = set(value) - {"label", "roles", "areas", "team"}
            if unknown:
                raise ImproperlyConfigured(
                    f"OIDC_GROUP_ROLES: group {group!r} has unknown keys: {sorted(unknown)}"
                )
            team = value.get("team", "")
            if not isinstance(team, str) or (team and TEAM_SEPARATOR not in team):
                raise ImproperlyConfigured(
                    f"OIDC_GROUP_ROLES: the team of group {group!r} must read "
                    f"'Service area{TEAM_SEPARATOR}Team'."
                )
            grant = GroupGrant(
                group=group,
                label=str(value.get("label", "")),
                roles=_strings(value.get("roles", []), f"the roles of group {group!r}"),
                areas=_strings(value.get("areas", []), f"the areas of group {group!r}"),
                team=team,
            )
        else:
            grant = GroupGrant(group=group, roles=_strings(value, f"group {group!r}"))
        wrong = [r for r in grant.roles if r not in Role.values]
        if wrong:
            raise ImproperlyConfigured(
                f"OIDC_GROUP_ROLES: group {group!r} names unknown roles {wrong}; the roles are "
                + ", ".join(Role.values)
            )
        grants.append(grant)
    return grants


def access_from_groups(groups: list[str]) -> Access:
    """THE rule: what a person in these groups may do (the union of their groups' grants)."""
    theirs = set(groups)
    matched = [grant for grant in group_grants() if grant.group in theirs]
    teams = sorted({grant.team for grant in matched if grant.team})
    return Access(
        roles=frozenset(r for grant in matched for r in grant.roles),
        areas=frozenset(a for grant in matched for a in grant.areas),
        # Two groups naming different teams: the first by name, the same at every sign-in.
        team=teams[0] if teams else "",
        groups=tuple(grant.group for grant in matched),
    )


def team_named(name: str) -> Team | None:
    """The team 'Service area / Team', if the service has it."""
    area, _, team = name.partition(TEAM_SEPARATOR)
    return Team.objects.filter(service_area__name=area, name=team).first()


def mapping_rows() -> list[dict]:
    """The mapping as a QA lead reads it: each group, what it gives, and which of the areas
    and teams it names the service does not have (those give nothing until they exist)."""
    grants = group_grants()
    known_areas = set(
        ServiceArea.objects.filter(name__in={a for g in grants for a in g.areas}).values_list(
            "name", flat=True
        )
    )
    return [
        {
            "group": grant.group,
            "label": grant.label,
            "roles": [Role(r).label for r in grant.roles],
            "areas": list(grant.areas),
            "team": grant.team,
            "missing": [a for a in grant.areas if a not in known_areas]
            + ([grant.team] if grant.team and team_named(grant.team) is None else []),
        }
        for grant in grants
    ]


def role_changes_recent(*, limit: int = 50):
    """The latest roles, areas and teams given or taken away at sign-in, newest first (the
    mapping page)."""
    return StaffEvent.objects.filter(kind=StaffEvent.Kind.ACCESS).select_related("person", "actor")[
        :limit
    ]


def _role_name(role: str) -> str:
    return Role(role).label if role in Role.values else role


@transaction.atomic
def user_access_set(*, user: User, access: Access, actor: User | None, reason: str) -> list:
    """Give the person exactly these roles and areas (and this team, if one is named),
    recording each role, area or team given or taken away: (before, after) pairs."""
    changes: list[tuple[str, str]] = []

    held_roles = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    for role in sorted(access.roles - held_roles):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        changes.append(("", f"Role: {_role_name(role)}"))
    for role in sorted(held_roles - access.roles):
        user.groups.remove(Group.objects.get(name=role))
        changes.append((f"Role: {_role_name(role)}", ""))

    wanted_areas = {a.name: a for a in ServiceArea.objects.filter(name__in=access.areas)}
    held_areas = {a.name: a for a in user.service_areas.all()}
    for name in sorted(wanted_areas.keys() - held_areas.keys()):
        user.service_areas.add(wanted_areas[name])
        changes.append(("", f"Service area read: {name}"))
    for name in sorted(held_areas.keys() - wanted_areas.keys()):
        user.service_areas.remove(held_areas[name])
        changes.append((f"Service area read: {name}", ""))

    team = team_named(access.team) if access.team else None
    if team is not None and team.pk != user.team_id:
        old = user.team
        User.objects.filter(pk=user.pk).update(team=team)
        user.team = team
        before = f"Team: {old.service_area.name}{TEAM_SEPARATOR}{old.name}" if old else ""
        changes.append((before, f"Team: {team.service_area.name}{TEAM_SEPARATOR}{team.name}"))

    person_access_changes_record(person=user, actor=actor, changes=changes, reason=reason)
    if hasattr(user, "_role_names"):
        del user._role_names  # has_role() reads the groups again
    return changes


@transaction.atomic
def person_create_from_provider(
    *, username: str, email: str, first_name: str, last_name: str, subject: str
) -> User:
    """A new account for someone the identity provider vouches for: no password of its own."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        oidc_subject=subject,
    )
    user.set_unusable_password()
    user.save()
    return user


def person_update_from_provider(
    *, user: User, email: str, first_name: str, last_name: str, subject: str
) -> User:
    """Keep the name, e-mail and subject the provider gives (it is the source of truth for
    them); a claim the provider leaves out changes nothing."""
    fields = {"email": email, "first_name": first_name, "last_name": last_name}
    fields["oidc_subject"] = subject
    changed = {k: v for k, v in fields.items() if v and getattr(user, k) != v}
    if changed:
        User.objects.filter(pk=user.pk).update(**changed)
        for key, value in changed.items():
            setattr(user, key, value)
    return user
