"""The blind rule, written once: while an audit waits for blind moderation, nobody who may
moderate reads its auditor's grades.

The rule itself sits beside the model it reads (moderation/models.py: the queryset filter
blind_pending_audits and the method Moderation.auditor_grades_hidden); this module says whom
it applies to and hides those audits from them. Pages, API, filters and reports all use these.
"""

from django.db.models import Exists, OuterRef, Q

from core.models import User
from core.permissions import signed_in_and_active
from moderation.models import blind_pending_audits


def grades_hidden_annotation(audit_field: str = "pk") -> Exists:
    """The same rule as a column for lists: `.annotate(grades_hidden=...)`."""
    return Exists(blind_pending_audits().filter(pk=OuterRef(audit_field)))


def blind_applies_to(user: User) -> bool:
    """Everyone who may moderate is kept blind, whatever other roles they hold."""
    return signed_in_and_active(user) and user.is_moderator


def blind_hidden_from(user: User, prefix: str = "") -> Q | None:
    """The audits (reached through `prefix`) this user may not read because of blind
    moderation, or None when nothing is hidden from them.

    Hidden from everyone who may moderate, whatever other roles they hold; an auditor who is
    also a moderator still reads their own audits (nobody moderates an audit they wrote).
    """
    if not blind_applies_to(user):
        return None
    return blind_hidden_from_moderator(user.pk, prefix)


def blind_hidden_from_moderator(moderator_id: int, prefix: str = "") -> Q:
    """blind_hidden_from for a person known to hold the moderator role, by id (reports)."""
    return Q(**{f"{prefix}pk__in": blind_pending_audits().values("pk")}) & ~Q(
        **{f"{prefix}auditor_id": moderator_id}
    )
