"""Every write to an audit's actions."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.limits import too_long
from core.models import Action, Audit, User
from core.permissions import has_any_role
from core.services.saving import set_history_author

OWNER_MISSING = "Choose who owns the action, or name someone outside the service."
OWNER_BOTH = "Choose a member of staff or name someone outside the service, not both."
OWNER_NOT_STAFF = "Choose an active member of staff."


def action_owner_errors(*, owner_person: User | None, owner: str) -> dict[str, list[str]]:
    """An action is owned by a member of staff (active, with a role), or else by someone
    outside the service named in words; never neither, never both."""
    if owner_person is None and not owner.strip():
        return {"owner_person": [OWNER_MISSING]}
    if owner_person is not None and owner.strip():
        return {"owner": [OWNER_BOTH]}
    if owner_person is not None and not (owner_person.is_active and has_any_role(owner_person)):
        return {"owner_person": [OWNER_NOT_STAFF]}
    return {}


@transaction.atomic
def action_create(
    *,
    audit: Audit,
    actor: User,
    description: str,
    due_date: dt.date,
    owner_person: User | None = None,
    owner: str = "",
) -> Action:
    """Add an action to an audit: what, who owns it (a member of staff, or someone outside the
    service), by when."""
    errors = {}
    if not description.strip():
        errors["description"] = ["Enter what needs to happen."]
    elif too_long("description", description):
        errors["description"] = too_long("description", description)
    errors.update(action_owner_errors(owner_person=owner_person, owner=owner))
    if errors:
        raise DomainError("The action is not complete.", field_errors=errors)
    action = Action(
        audit=audit,
        description=description.strip(),
        owner_person=owner_person,
        owner=owner.strip(),
        due_date=due_date,
    )
    set_history_author(action, actor).save()
    return action


@transaction.atomic
def action_status_set(*, action: Action, actor: User, status: str) -> Action:
    """Mark an action done (or reopen it)."""
    if status not in Action.Status.values:
        raise DomainError(
            "Unknown status.", field_errors={"status": [f"'{status}' is not a status."]}
        )
    locked = Action.objects.select_for_update().get(pk=action.pk)
    locked.status = status
    locked.completed_at = timezone.now() if status == Action.Status.DONE else None
    set_history_author(locked, actor).save()
    return locked
