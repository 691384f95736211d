"""Every write to programmes: open one, change it, assign its cases."""

import datetime as dt

from django.db import transaction

from core.errors import DomainError
from core.models import Audit, AuditTool, Case, Programme, User
from core.months import first_of_month, month_bounds_error
from core.permissions import auditor_assignable
from core.services.assignments import audits_reassign
from core.services.audits import audit_create
from core.services.saving import insert_once, set_history_author


@transaction.atomic
def programme_create(
    *,
    actor: User | None,
    month: dt.date,
    tool: AuditTool,
    theme: str = "",
    audit_target: int = 0,
    moderation_target: int = 0,
    due_date: dt.date | None = None,
    blind_moderation: bool | None = None,
) -> Programme:
    """Open a month's programme for a tool (blind moderation as the tool says, unless given)."""
    if not tool.is_published():
        raise DomainError(
            "A draft tool cannot be used for a programme.",
            field_errors={"tool": ["Choose a published version of the tool."]},
        )
    month = first_of_month(month)
    out_of_range = month_bounds_error(month)
    if out_of_range:
        raise DomainError(out_of_range, field_errors={"month": [out_of_range]})
    _check_programme(
        month=month,
        audit_target=audit_target,
        moderation_target=moderation_target,
        due_date=due_date,
    )
    if Programme.objects.filter(month=month, tool=tool).exists():
        raise DomainError(
            "Programme exists.",
            field_errors={"month": ["This tool already has a programme that month."]},
        )
    programme = Programme(
        month=month,
        tool=tool,
        theme=theme,
        audit_target=audit_target,
        moderation_target=moderation_target,
        due_date=due_date,
        blind_moderation=tool.blind_moderation if blind_moderation is None else blind_moderation,
    )
    insert_once(
        set_history_author(programme, actor),
        "month",
        "This tool already has a programme that month.",
    )
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, actor: User, **changes) -> Programme:
    """Change a programme's theme, targets, due date or blind moderation.

    Blind moderation applies to the moderations nobody has claimed yet: a claim fixes it
    (moderation.models.blind_pending_moderations), as a moderator may already have read
    the auditor's grades, or graded without them.
    """
    allowed = {"theme", "audit_target", "moderation_target", "due_date", "blind_moderation"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Cannot change {', '.join(sorted(unknown))}.")
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    old_due = locked.due_date
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_programme(
        month=locked.month,
        audit_target=locked.audit_target,
        moderation_target=locked.moderation_target,
        due_date=locked.due_date,
    )
    set_history_author(locked, actor).save()
    if locked.due_date != old_due:
        _assignments_follow_due_date(programme=locked, old_due=old_due, actor=actor)
    return locked


def _assignments_follow_due_date(
    *, programme: Programme, old_due: dt.date | None, actor: User
) -> None:
    """The audits still to do that were due with the programme are due with it again (issue 12
    snag 15); a submitted audit, or one given a date of its own, keeps its date. Each change
    is in the audit's history. The version stays: the date is not the auditor's content, so a
    draft open in a tab still saves."""
    moving = (
        Audit.objects.select_for_update()
        .filter(programme=programme, status__in=Audit.EDITABLE_STATUSES, due_date=old_due)
        .order_by("pk")
    )
    for audit in moving:
        audit.due_date = programme.due_date
        audit._change_reason = "The programme's due date moved."  # type: ignore[attr-defined]
        set_history_author(audit, actor).save(update_fields=["due_date"])


def _check_programme(
    *, month: dt.date, audit_target: int, moderation_target: int, due_date: dt.date | None
) -> None:
    """Targets and a due date that make sense together, every error at once."""
    errors: dict[str, list[str]] = {}
    if audit_target and moderation_target > audit_target:
        errors["moderation_target"] = [
            f"The moderation target cannot be more than the audit target ({audit_target}): "
            "moderators sample the audits returned."
        ]
    if due_date is not None and due_date < month:
        errors["due_date"] = [
            f"The due date cannot be before the programme's month ({month:%B %Y})."
        ]
    if errors:
        raise DomainError("Some answers are not valid.", field_errors=errors)


# The reason an unassigned audit's history gives when a programme assigns its case again.
ASSIGNED_IN_PROGRAMME = "Assigned in the programme"


@transaction.atomic
def programme_assign(
    *, programme: Programme, actor: User, assignments: list[tuple[Case, User, str]]
) -> list[Audit]:
    """Assign cases to auditors in a programme, all or none; each str is the resample reason.
    A case whose audit in the programme nobody holds (unassigned) gets that audit back."""
    # Lock the programme so two leads assigning at once queue, and "already in the programme"
    # stays true to what the other one committed.
    # The programme's row alone, not its tool's (see core.services.audits._lock).
    programme = (
        Programme.objects.select_for_update(of=("self",))
        .select_related("tool")
        .get(pk=programme.pk)
    )
    audits = []
    for case, auditor, resample_reason in assignments:
        if not auditor_assignable(auditor=auditor):
            raise DomainError(
                f"Case {case.reference}: choose an active auditor.",
                field_errors={"auditor": ["Choose an active auditor."]},
            )
        waiting = Audit.objects.filter(
            case=case,
            programme=programme,
            auditor__isnull=True,
            status__in=Audit.EDITABLE_STATUSES,
        ).first()
        if waiting is not None:
            audits += audits_reassign(
                actor=actor, audit_ids=[waiting.pk], to=auditor, reason=ASSIGNED_IN_PROGRAMME
            )
            continue
        try:
            audit = audit_create(
                actor=actor,
                case=case,
                auditor=auditor,
                tool=programme.tool,
                programme=programme,
                due_date=programme.due_date,
                resample_reason=resample_reason,
            )
        except DomainError as error:
            raise DomainError(
                f"Case {case.reference}: {error.message}", field_errors=error.field_errors
            ) from error
        audits.append(audit)
    return audits
