"""Reassigning moderations: a QA lead gives open moderations to another moderator, or puts
them back in the queue, with the reason in each moderation's history."""

from django.db import transaction

from core.errors import DomainError
from core.models import User
from core.permissions import REASSIGN_REFUSED, reassign_allowed, require
from core.services.assignments import reassign_reason_errors
from core.services.saving import set_history_author
from moderation import permissions
from moderation.models import ModeratedGrade, Moderation
from moderation.services.claims import give_to

OPEN = (Moderation.Status.SAMPLED, Moderation.Status.CLAIMED)


def _moderator_errors(to: User | None, moderations: list[Moderation]) -> list[str]:
    if to is None:
        return []
    if not permissions.moderates(user=to):
        return ["Choose an active moderator."]
    own = [m.audit.case.reference for m in moderations if m.audit.auditor_id == to.pk]
    if own:
        return [
            f"{to.get_full_name() or to.username} wrote the audit of {', '.join(own)}: "
            "nobody moderates their own audit."
        ]
    return []


@transaction.atomic
def moderations_reassign(
    *, actor: User, moderation_ids: list[int], to: User | None, reason: str
) -> list[Moderation]:
    """Give open moderations to a moderator (to=None: back to the queue), all or none."""
    require(reassign_allowed(user=actor), REASSIGN_REFUSED)
    errors = reassign_reason_errors(reason)
    if not moderation_ids:
        errors["ids"] = ["Choose at least one moderation."]
    locked = list(
        Moderation.objects.select_for_update(of=("self",))
        .select_related("audit__case", "audit__tool", "audit__programme")
        .filter(pk__in=moderation_ids)
        .order_by("pk")
    )
    missing = set(moderation_ids) - {m.pk for m in locked}
    closed = [m.audit.case.reference for m in locked if m.status not in OPEN]
    if missing:
        errors["ids"] = [f"No such moderation: {', '.join(str(pk) for pk in sorted(missing))}."]
    elif closed:
        errors["ids"] = [
            "A completed, returned or removed moderation cannot be reassigned: "
            + ", ".join(closed)
            + "."
        ]
    to_errors = _moderator_errors(to, locked)
    if to_errors:
        errors["to"] = to_errors
    if errors:
        raise DomainError("The moderations could not be reassigned.", field_errors=errors)
    for moderation in locked:
        if moderation.moderator_id == (to.pk if to else None):
            continue
        _reassign_one(moderation, to=to, actor=actor, reason=reason.strip())
    return locked


def _reassign_one(locked: Moderation, *, to: User | None, actor: User, reason: str) -> None:
    locked._change_reason = reason  # type: ignore[attr-defined]
    if locked.blind and locked.revealed_at is not None:
        _blind_again(locked, actor=actor, reason=reason)
    if to is None:
        locked.status = Moderation.Status.SAMPLED
        locked.moderator = None
        locked.claimed_at = None
        locked.version += 1
        set_history_author(locked, actor).save()
    elif locked.status == Moderation.Status.SAMPLED:
        give_to(locked, moderator=to, actor=actor)
    else:
        locked.moderator = to
        locked.version += 1
        set_history_author(locked, actor).save()


def _blind_again(locked: Moderation, *, actor: User, reason: str) -> None:
    """The blind rule holds for the next moderator: the grades given after the auditor's
    were shown could tell them the auditor's, so they are cleared (the history keeps them)
    and the next moderator grades blind from the start."""
    for row in ModeratedGrade.objects.filter(moderation=locked):
        row.grade = row.blind_grade = row.rationale = row.revision_reason = ""
        row._change_reason = reason  # type: ignore[attr-defined]
        set_history_author(row, actor).save()
    locked.revealed_at = None
    locked.overall = locked.blind_overall = locked.overall_revision_reason = ""
    locked.escalated = False
    locked.escalation_reason = ""
