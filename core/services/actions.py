"""Every write to an audit's actions."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from core.limits import too_long
from core.models import Action, Audit, User
from core.services.saving import set_history_author


@transaction.atomic
def action_create(
    *, audit: Audit, actor: User, description: str, owner: str, due_date: dt.date
) -> Action:
    """Add an action to an audit: what, who owns it, by when."""
    errors = {}
    if not description.strip():
        errors["description"] = ["Enter what needs to happen."]
    elif too_long("description", description):
        errors["description"] = too_long("description", description)
    if not owner.strip():
        errors["owner"] = ["Enter who owns the action."]
    if errors:
        raise DomainError("The action is not complete.", field_errors=errors)
    action = Action(
        audit=audit, description=description.strip(), owner=owner.strip(), due_date=due_date
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
