"""Escalations: raised by an auditor or a moderator, answered by the head of service."""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.limits import too_long
from core.models import Audit, User
from core.permissions import require
from core.services.saving import set_history_author
from moderation import permissions, tasks
from moderation.models import Escalation, Moderation
from moderation.services.saving import queue_on_commit


def _due_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=settings.ESCALATION_RESPONSE_DAYS)


def _raise(*, actor: User, audit: Audit, moderation, role: str, reason: str) -> Escalation:
    escalation = Escalation(
        audit=audit,
        moderation=moderation,
        raised_by_role=role,
        raised_by=actor,
        reason=reason,
        due_date=_due_date(),
    )
    try:
        with transaction.atomic():
            set_history_author(escalation, actor).save()
    except IntegrityError as error:
        raise TransitionNotAllowed("This case already has an open escalation.") from error
    queue_on_commit(tasks.notify_escalation_raised, escalation.pk)
    return escalation


def _earlier_revisions(audit: Audit) -> list[int]:
    """The ids of the submissions this revision reworks, newest first."""
    ids, current = [], audit.revision_of
    while current is not None:
        ids.append(current.pk)
        current = current.revision_of
    return ids


def escalation_raise_from_audit(*, actor: User, audit: Audit) -> Escalation:
    """The auditor's 'Inadequate – escalation', raised as the audit is submitted.

    A revision resubmitted after rework is the same concern about the same case: its earlier
    revision's open escalation is carried to it (with the auditor's latest reason, recorded in
    the escalation's history) instead of a second one, so the head of service answers once."""
    carried = (
        Escalation.objects.select_for_update()
        .filter(audit__in=_earlier_revisions(audit), status=Escalation.Status.OPEN)
        .order_by("-pk")
        .first()
    )
    if carried is not None:
        carried.audit = audit
        carried.reason = audit.escalation_reason
        set_history_author(carried, actor).save()
        return carried
    return _raise(
        actor=actor,
        audit=audit,
        moderation=None,
        role=Escalation.RaisedBy.AUDITOR,
        reason=audit.escalation_reason,
    )


def escalation_confirm_or_raise(locked: Moderation, actor: User) -> Escalation:
    """Confirm the auditor's open escalation, or raise a new one."""
    open_one = (
        Escalation.objects.select_for_update()
        .filter(audit=locked.audit, status=Escalation.Status.OPEN)
        .first()
    )
    if open_one is not None:
        open_one.confirmed_by_moderation = locked
        set_history_author(open_one, actor).save()
        return open_one
    return _raise(
        actor=actor,
        audit=locked.audit,
        moderation=locked,
        role=Escalation.RaisedBy.MODERATOR,
        reason=locked.escalation_reason,
    )


@transaction.atomic
def escalation_respond(*, actor: User, escalation: Escalation, response: str) -> Escalation:
    """Record the head of service's management response and close the escalation."""
    locked = (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("audit__case__team")
        .get(pk=escalation.pk)
    )
    require(permissions.respond_allowed(user=actor, escalation=locked), permissions.RESPOND_REFUSED)
    if not response.strip():
        raise DomainError(
            "Enter the response.",
            field_errors={"response": ["Enter the management response."]},
        )
    if too_long("response", response):
        message = too_long("response", response)
        raise DomainError(message[0], field_errors={"response": message})
    if Escalation.Status.CLOSED not in Escalation.TRANSITIONS[Escalation.Status(locked.status)]:
        raise TransitionNotAllowed("This escalation already has a response.")
    locked.status = Escalation.Status.CLOSED
    locked.response = response.strip()
    locked.responded_by = actor
    locked.responded_at = timezone.now()
    set_history_author(locked, actor).save()
    return locked
