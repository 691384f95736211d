"""Reassigning audits: when someone leaves or is off sick, their open audits go to another
auditor, or to nobody (unassigned, until a QA lead gives them to someone), with the reason in
each audit's history."""

from django.db import transaction

from core.errors import DomainError
from core.models import Audit, User
from core.permissions import REASSIGN_REFUSED, auditor_assignable, reassign_allowed, require
from core.services.saving import set_history_author

# simple-history keeps the reason in history_change_reason, a column of 100 characters.
REASSIGN_REASON_MAX = 100


def reassign_reason_errors(reason: str) -> dict[str, list[str]]:
    """The reason every reassignment needs, short enough for the history (audits' and
    moderations' alike)."""
    reason = reason.strip()
    if not reason:
        return {"reason": ["Say why the work is moving (for example: on leave until March)."]}
    if len(reason) > REASSIGN_REASON_MAX:
        return {"reason": [f"The reason must be {REASSIGN_REASON_MAX} characters or fewer."]}
    return {}


@transaction.atomic
def audits_reassign(
    *, actor: User, audit_ids: list[int], to: User | None, reason: str
) -> list[Audit]:
    """Give open audits to another auditor (to=None: unassigned, written by nobody until
    given to someone), all or none; one history event each."""
    require(reassign_allowed(user=actor), REASSIGN_REFUSED)
    errors = reassign_reason_errors(reason)
    if to is not None and not auditor_assignable(auditor=to):
        errors["to"] = ["Choose an active auditor."]
    if not audit_ids:
        errors["ids"] = ["Choose at least one audit."]
    if errors:
        raise DomainError("The audits could not be reassigned.", field_errors=errors)
    locked = list(
        Audit.objects.select_for_update(of=("self",))
        .select_related("case")
        .filter(pk__in=audit_ids)
        .order_by("pk")
    )
    missing = set(audit_ids) - {audit.pk for audit in locked}
    closed = [a.case.reference for a in locked if a.status not in Audit.EDITABLE_STATUSES]
    if missing:
        errors["ids"] = [f"No such audit: {', '.join(str(pk) for pk in sorted(missing))}."]
    elif closed:
        errors["ids"] = [
            "A submitted audit cannot be reassigned or unassigned (its grades are the "
            "auditor's for good): " + ", ".join(closed) + "."
        ]
    if errors:
        raise DomainError("The audits could not be reassigned.", field_errors=errors)
    for audit in locked:
        if audit.auditor_id == (to.pk if to else None):
            continue
        audit.auditor = to
        # A tab still open on the old auditor's draft then saves as stale, not over the new one.
        audit.version += 1
        audit._change_reason = reason.strip()  # type: ignore[attr-defined]
        set_history_author(audit, actor).save()
    return locked
