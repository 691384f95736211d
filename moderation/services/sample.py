"""Every write to the moderation sample: an audit put in (drawn, by hand or after rework)
or taken out."""

from django.db import transaction

from core.errors import DomainError
from core.models import Audit, User
from core.permissions import require
from core.services.saving import set_history_author
from moderation import permissions
from moderation.models import Moderation
from moderation.services.saving import (
    change_status,
    check_sample_entry,
    insert_moderation,
    lock_moderation,
)


def moderation_sample(
    *,
    actor: User,
    audit: Audit,
    selection: str,
    note: str = "",
    draw=None,
) -> Moderation:
    """Put a submitted audit in the moderation sample (used by draws, hand picks and rework)."""
    check_sample_entry(audit)
    return insert_moderation(
        Moderation(audit=audit, draw=draw, selection=selection, selection_note=note), actor
    )


# The hand-added reason is stored as the selection note: the schema promises no longer.
# The column's own limit, so the schema and the service say the same.
HAND_REASON_MAX: int = Moderation._meta.get_field("selection_note").max_length or 300


HAND_REASON_TOO_LONG = f"Enter a reason of at most {HAND_REASON_MAX} characters."


@transaction.atomic
def moderation_add(*, actor: User, audit: Audit, reason: str) -> Moderation:
    """Add an audit to the sample by hand, with the reason shown beside it."""
    require(permissions.sample_manage_allowed(user=actor), permissions.SAMPLE_MANAGE_REFUSED)
    if not reason.strip():
        raise DomainError(
            "Give a reason.", field_errors={"reason": ["Enter why this audit is added."]}
        )
    if len(reason.strip()) > HAND_REASON_MAX:
        raise DomainError(
            "The reason is too long.", field_errors={"reason": [HAND_REASON_TOO_LONG]}
        )
    return moderation_sample(
        actor=actor, audit=audit, selection=Moderation.Selection.HAND, note=reason.strip()
    )


@transaction.atomic
def moderation_remove(*, actor: User, moderation: Moderation, reason: str) -> Moderation:
    """Take an audit out of the sample before anyone has started moderating it."""
    require(permissions.sample_manage_allowed(user=actor), permissions.SAMPLE_MANAGE_REFUSED)
    if not reason.strip():
        raise DomainError(
            "Give a reason.", field_errors={"reason": ["Enter why this audit is removed."]}
        )
    locked = lock_moderation(moderation)
    change_status(
        locked,
        Moderation.Status.REMOVED,
        "Only an audit nobody has claimed can be removed from the sample.",
    )
    locked.removed_reason = reason.strip()
    locked.version += 1
    set_history_author(locked, actor).save()
    return locked


def moderation_requeue_rework(*, actor: User, audit: Audit) -> Moderation:
    """A reworked audit, once resubmitted, goes back into the sample of the same draw."""
    returned = (
        Moderation.objects.filter(audit=audit.revision_of, status=Moderation.Status.RETURNED)
        .order_by("-pk")
        .first()
    )
    return moderation_sample(
        actor=actor,
        audit=audit,
        selection=Moderation.Selection.REWORK,
        note=f"Revision {audit.revision}, resubmitted after rework.",
        draw=returned.draw if returned else None,
    )
