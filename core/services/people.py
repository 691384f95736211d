"""Every write to the organisation: service areas, teams and people (never deleted).

Each change to a person is one StaffEvent (who, when, old -> new, why) in the same
transaction. Names are staff data; no child's data is ever held here.
"""

from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.models import Role, ServiceArea, StaffEvent, Team, User

NAME_LIMIT = 120
PERSON_NAME_LIMIT = 150
REASON_LIMIT = 1_000
ROLE_LABELS = dict(Role.choices)
# A role as an HR spreadsheet or a person may write it.
ROLE_WORDS = {
    **{code: code for code in ROLE_LABELS},
    **{label.lower(): code for code, label in ROLE_LABELS.items()},
    "team manager": Role.AUDITOR,
    "qa officer": Role.MODERATOR,
    "head of service": Role.VIEWER,
    "qa lead": Role.QA_LEAD,
    "qa-lead": Role.QA_LEAD,
}
SELF_DEACTIVATE = "You cannot deactivate your own account: ask another QA lead."
SELF_QA_LEAD = "You cannot take the QA lead role from yourself: ask another QA lead."


def _field_error(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _record(
    *, person: User, actor: User | None, kind: str, old: str = "", new: str = "", reason: str = ""
) -> StaffEvent:
    return StaffEvent.objects.create(
        person=person, actor=actor, at=timezone.now(), kind=kind, old=old, new=new, reason=reason
    )


def person_access_changes_record(
    *, person: User, actor: User | None, changes: list[tuple[str, str]], reason: str
) -> list[StaffEvent]:
    """What the identity provider's groups gave or took away at a sign-in (core/services/
    roles.py applies it): one event for each (before, after)."""
    now = timezone.now()
    return StaffEvent.objects.bulk_create(
        StaffEvent(
            person=person,
            actor=actor,
            at=now,
            kind=StaffEvent.Kind.ACCESS,
            old=old,
            new=new,
            reason=reason,
        )
        for old, new in changes
    )


def roles_of(person: User) -> list[str]:
    """The person's roles, in the order of Role."""
    held = set(person.groups.values_list("name", flat=True))
    return [code for code in ROLE_LABELS if code in held]


def roles_text(roles: Iterable[str]) -> str:
    names = [ROLE_LABELS[code] for code in ROLE_LABELS if code in set(roles)]
    return ", ".join(names) if names else "no role"


def role_from_word(word: str) -> str | None:
    """A role code from its code, its label or a common name for it, or None."""
    return ROLE_WORDS.get(" ".join(word.strip().lower().split()))


# ------------------------------------------------------------------ service areas and teams


def _clean_name(field: str, name: str, what: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise _field_error(field, f"Enter the {what}'s name.")
    if len(name) > NAME_LIMIT:
        raise _field_error(field, f"The {what}'s name must be {NAME_LIMIT} characters or fewer.")
    return name


def _check_area_name(name: str, *, exclude: int | None = None) -> str:
    name = _clean_name("name", name, "service area")
    taken = ServiceArea.objects.filter(name__iexact=name).exclude(pk=exclude or 0).exists()
    if taken:
        raise _field_error("name", f"There is already a service area called {name}.")
    return name


@transaction.atomic
def service_area_create(*, actor: User | None, name: str) -> ServiceArea:
    """Add a service area."""
    return ServiceArea.objects.create(name=_check_area_name(name))


@transaction.atomic
def service_area_rename(*, actor: User | None, area: ServiceArea, name: str) -> ServiceArea:
    """Rename a service area (its teams, cases and audits keep pointing at it)."""
    area.name = _check_area_name(name, exclude=area.pk)
    area.save(update_fields=["name"])
    return area


def _check_team_name(name: str, area: ServiceArea, *, exclude: int | None = None) -> str:
    name = _clean_name("name", name, "team")
    taken = Team.objects.filter(service_area=area, name__iexact=name).exclude(pk=exclude or 0)
    if taken.exists():
        raise _field_error("name", f"{area.name} already has a team called {name}.")
    return name


@transaction.atomic
def team_create(*, actor: User | None, area: ServiceArea, name: str) -> Team:
    """Add a team to a service area."""
    return Team.objects.create(service_area=area, name=_check_team_name(name, area))


@transaction.atomic
def team_rename(*, actor: User | None, team: Team, name: str) -> Team:
    """Rename a team (its members, cases and audits keep pointing at it)."""
    team.name = _check_team_name(name, team.service_area, exclude=team.pk)
    team.save(update_fields=["name"])
    return team


# ------------------------------------------------------------------ people


def username_format_error(username: str) -> str | None:
    if not username:
        return "Enter a username."
    if len(username) > PERSON_NAME_LIMIT:
        return f"A username is at most {PERSON_NAME_LIMIT} characters."
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return "A username has letters, digits and @ . + - _ only."
    return None


def username_error(username: str, *, exclude: int | None = None) -> str | None:
    problem = username_format_error(username)
    if problem:
        return problem
    if User.objects.filter(username__iexact=username).exclude(pk=exclude or 0).exists():
        return f"Someone already has the username {username}."
    return None


def email_format_error(email: str) -> str | None:
    try:
        validate_email(email)
    except ValidationError:
        return "Enter an e-mail address in the correct format, like name@example.gov.uk."
    if len(email) > 254:
        return "An e-mail address is at most 254 characters."
    return None


def email_error(email: str, *, exclude: int | None = None) -> str | None:
    if not email:
        return None
    problem = email_format_error(email)
    if problem:
        return problem
    if User.objects.filter(email__iexact=email).exclude(pk=exclude or 0).exists():
        return f"Someone already has the e-mail address {email}."
    return None


def line_manager_error(person: User | None, line_manager: User | None) -> str | None:
    """Nobody manages themself, directly or round a circle of managers (read afresh)."""
    seen: set[int] = set()
    manager_id = line_manager.pk if line_manager else None
    while manager_id is not None and manager_id not in seen:
        if person is not None and manager_id == person.pk:
            return "A person cannot be their own line manager, directly or through others."
        seen.add(manager_id)
        manager_id = (
            User.objects.filter(pk=manager_id).values_list("line_manager_id", flat=True).first()
        )
    return None


def _details_errors(person: User | None, details: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    exclude = person.pk if person else None
    for field in ("first_name", "last_name"):
        if len(details.get(field) or "") > PERSON_NAME_LIMIT:
            errors[field] = [f"At most {PERSON_NAME_LIMIT} characters."]
    problem = email_error(details.get("email") or "", exclude=exclude)
    if problem:
        errors["email"] = [problem]
    problem = line_manager_error(person, details.get("line_manager"))
    if problem:
        errors["line_manager"] = [problem]
    return errors


def _details_text(person: User) -> dict[str, str]:
    areas = ", ".join(sorted(area.name for area in person.service_areas.all()))
    return {
        "username": person.username,
        "name": person.get_full_name() or "-",
        "e-mail": person.email or "-",
        "team": str(person.team) if person.team else "-",
        "line manager": person_label(person.line_manager) if person.line_manager else "-",
        "areas read": areas or "-",
    }


def person_label(person: User) -> str:
    """How a person is named on pages: their name and username."""
    name = person.get_full_name()
    return f"{name} ({person.username})" if name else person.username


def _set_roles(person: User, roles: Iterable[str]) -> None:
    person.groups.set(Group.objects.filter(name__in=set(roles)))
    if hasattr(person, "_role_names"):
        del person._role_names


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    team: Team | None = None,
    line_manager: User | None = None,
    roles: Iterable[str] = (),
    service_areas: Iterable[ServiceArea] = (),
    reason: str = "",
) -> User:
    """Add a person, active, without a password: they set one from their invitation."""
    roles = list(roles)
    errors = _details_errors(
        None, {"first_name": first_name, "last_name": last_name, "email": email}
    )
    problem = username_error(username)
    if problem:
        errors["username"] = [problem]
    unknown = [role for role in roles if role not in ROLE_LABELS]
    if unknown:
        errors["roles"] = [f"Not a role: {', '.join(unknown)}."]
    if errors:
        raise DomainError("The person could not be added.", field_errors=errors)
    person = User.objects.create(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        team=team,
        line_manager=line_manager,
        password=make_password(None),
        is_active=True,
    )
    _set_roles(person, roles)
    person.service_areas.set(service_areas)
    _record(
        person=person,
        actor=actor,
        kind=StaffEvent.Kind.CREATED,
        new="; ".join(
            f"{k}: {v}" for k, v in {**_details_text(person), "roles": roles_text(roles)}.items()
        ),
        reason=reason,
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: User | None,
    person: User,
    email: str,
    first_name: str,
    last_name: str,
    team: Team | None,
    line_manager: User | None,
    service_areas: Iterable[ServiceArea],
    reason: str = "",
    username: str | None = None,
) -> bool:
    """Change a person's details; True if anything changed (one event naming what did)."""
    details: dict = {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "team": team,
        "line_manager": line_manager,
    }
    errors = _details_errors(person, details)
    if username is not None and username != person.username:
        problem = username_error(username, exclude=person.pk)
        if problem:
            errors["username"] = [problem]
        details["username"] = username
    if errors:
        raise DomainError("The person's details could not be changed.", field_errors=errors)
    person = User.objects.select_for_update().get(pk=person.pk)
    before = _details_text(person)
    for field, value in details.items():
        setattr(person, field, value)
    person.save(update_fields=list(details))
    person.service_areas.set(service_areas)
    after = _details_text(person)
    changed = [key for key in before if before[key] != after[key]]
    if not changed:
        return False
    _record(
        person=person,
        actor=actor,
        kind=StaffEvent.Kind.UPDATED,
        old="; ".join(f"{key}: {before[key]}" for key in changed),
        new="; ".join(f"{key}: {after[key]}" for key in changed),
        reason=reason,
    )
    return True


@transaction.atomic
def person_roles_set(
    *, actor: User | None, person: User, roles: Iterable[str], reason: str
) -> bool:
    """Give a person exactly these roles, with the reason; True if they changed."""
    roles = sorted(set(roles))
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    unknown = [role for role in roles if role not in ROLE_LABELS]
    if unknown:
        errors["roles"] = [f"Not a role: {', '.join(unknown)}."]
    if not reason:
        errors["reason"] = ["Enter the reason for the change: it is kept in the person's history."]
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = [f"The reason must be {REASON_LIMIT:,} characters or fewer."]
    if actor is not None and actor.pk == person.pk and Role.QA_LEAD not in roles:
        errors["roles"] = [SELF_QA_LEAD]
    if errors:
        raise DomainError("The roles could not be changed.", field_errors=errors)
    person = User.objects.select_for_update().get(pk=person.pk)
    old = roles_of(person)
    if set(old) == set(roles):
        return False
    _set_roles(person, roles)
    _record(
        person=person,
        actor=actor,
        kind=StaffEvent.Kind.ROLES,
        old=roles_text(old),
        new=roles_text(roles),
        reason=reason,
    )
    return True


def _set_active(*, actor: User | None, person: User, active: bool, reason: str) -> bool:
    changed = User.objects.filter(pk=person.pk, is_active=not active).update(is_active=active)
    person.is_active = active
    if changed != 1:
        return False
    _record(
        person=person,
        actor=actor,
        kind=StaffEvent.Kind.REACTIVATED if active else StaffEvent.Kind.DEACTIVATED,
        old="active" if not active else "inactive",
        new="active" if active else "inactive",
        reason=reason,
    )
    return True


@transaction.atomic
def person_deactivate(*, actor: User | None, person: User, reason: str = "") -> bool:
    """Stop a person signing in; everything they wrote stays theirs. True if it changed."""
    if actor is not None and actor.pk == person.pk:
        raise DomainError(SELF_DEACTIVATE)
    return _set_active(actor=actor, person=person, active=False, reason=reason)


@transaction.atomic
def person_reactivate(*, actor: User | None, person: User, reason: str = "") -> bool:
    """Let a deactivated person sign in again. True if it changed."""
    return _set_active(actor=actor, person=person, active=True, reason=reason)


@transaction.atomic
def person_invited(*, actor: User | None, person: User) -> StaffEvent:
    """Record that an invitation was sent (the e-mail itself is accounts.invites')."""
    if not person.is_active:
        raise DomainError("Reactivate this person before inviting them.")
    if not person.email:
        raise _field_error("email", "Add the person's e-mail address before inviting them.")
    return _record(person=person, actor=actor, kind=StaffEvent.Kind.INVITED, new=person.email)


@transaction.atomic
def person_password_set(*, person: User, password: str) -> None:
    """The person chose their password from an invitation link."""
    person.set_password(password)
    person.save(update_fields=["password"])
    _record(person=person, actor=person, kind=StaffEvent.Kind.PASSWORD_SET)
