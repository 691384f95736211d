"""Who reads which audit and action: what their roles allow (core.permissions), less what
blind moderation hides (moderation.blind). Pages, API and filters call these.

404 when the user may not know the object exists, 403 when they may see but not change it.
"""

from django.db.models import QuerySet
from django.http import Http404

from core.models import Action, Audit, User
from core.permissions import (
    ACTION_WRITE_REFUSED,
    AUDIT_WRITE_REFUSED,
    action_write_allowed,
    audit_write_allowed,
    audits_visible_by_role,
    require,
    signed_in_and_active,
)
from moderation.blind import blind_hidden_from


def audits_visible_to(user: User) -> QuerySet[Audit]:
    """Every audit the user may read."""
    audits = Audit.objects.all()
    if not signed_in_and_active(user):
        return audits.none()
    visible = audits_visible_by_role(user)
    hidden = blind_hidden_from(user)
    if hidden is not None:
        # After every branch: a moderator who is also an auditor, a line manager, a head of
        # service or a QA lead reads no blind-pending audit through any of those roles.
        visible &= ~hidden
    return audits.filter(visible)


BLIND_HIDDEN = (
    "This audit is hidden from you while it waits for blind moderation: you may moderate, so "
    "you can read it once its moderator has graded it."
)


def audit_for_user(*, user: User, audit_id: int, write: bool = False) -> Audit:
    """The audit if the user may read it (404 otherwise); with write, 403 unless they may edit."""
    audit = (
        audits_visible_to(user)
        .select_related("case__team__service_area", "auditor", "tool", "programme")
        .filter(pk=audit_id)
        .first()
    )
    if audit is None:
        hidden = blind_hidden_from(user)
        if hidden is not None and (
            Audit.objects.filter(hidden, audits_visible_by_role(user), pk=audit_id).exists()
        ):
            # Only the blind rule hides it, from someone who can see it is in the sample.
            raise Http404(BLIND_HIDDEN)
        raise Http404("No such audit.")
    if write:
        require(audit_write_allowed(user=user, audit=audit), AUDIT_WRITE_REFUSED)
    return audit


def action_for_user(*, user: User, action_id: int, write: bool = False) -> Action:
    """The action if its audit is readable (404 otherwise); with write, 403 unless allowed."""
    action = (
        Action.objects.select_related("audit")
        .filter(pk=action_id, audit__in=audits_visible_to(user))
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    if write:
        require(action_write_allowed(user=user, action=action), ACTION_WRITE_REFUSED)
    return action
