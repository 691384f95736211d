"""The claimant's work on a moderation (draft, reveal, complete, return for rework) and the
auditor's acknowledgement of it."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.grades import Grade, grade_value_errors
from core.limits import length_errors, too_long
from core.models import User
from core.permissions import require
from core.services.audits import audit_return_for_rework
from core.services.saving import set_history_author
from moderation import permissions, tasks
from moderation.models import ModeratedGrade, Moderation
from moderation.services.escalations import escalation_confirm_or_raise
from moderation.services.saving import change_status, lock_moderation, queue_on_commit


@dataclass
class ModerationContent:
    """What a moderator writes; any field left as None is not changed."""

    overall: str | None = None
    overall_revision_reason: str | None = None
    escalated: bool | None = None
    escalation_reason: str | None = None
    summary: str | None = None
    # domain code -> (grade or "", rationale, revision reason)
    grades: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def _content_length_errors(domains: dict, content: ModerationContent) -> dict:
    names = ("overall_revision_reason", "escalation_reason", "summary")
    texts = {name: (name, getattr(content, name), "") for name in names}
    for code, (_grade, rationale, reason) in content.grades.items():
        title = domains[code].title if code in domains else code
        texts[f"rationale_{code}"] = ("rationale", rationale, title)
        texts[f"revision_reason_{code}"] = ("revision_reason", reason, title)
    return length_errors(texts)


def _check_values(locked: Moderation, content: ModerationContent) -> None:
    tool = locked.audit.tool
    domains = {d.code: d for d in tool.domains.all()}
    errors: dict[str, list[str]] = _content_length_errors(domains, content)
    given = {code: grade for code, (grade, _rationale, _reason) in content.grades.items()}
    errors |= grade_value_errors(tool=tool, domains=domains, grades=given, overall=content.overall)
    if errors:
        raise DomainError("Some answers are not valid.", field_errors=errors)


def _grade_rows(locked: Moderation) -> list[ModeratedGrade]:
    return list(locked.grades.select_related("domain").order_by("domain__position"))


def _apply(
    locked: Moderation, content: ModerationContent, actor: User, *, save_grades: bool = True
) -> list[ModeratedGrade]:
    """Write the content onto the moderation and its grade rows; returns every grade row.

    With save_grades=False the caller saves the rows, so a row changes once per change.
    """
    _check_values(locked, content)
    for name in ("overall", "overall_revision_reason", "escalated", "escalation_reason", "summary"):
        value = getattr(content, name)
        if value is not None:
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
    escalation_wanted = bool(content.escalated)
    if locked.escalated and locked.overall != Grade.INADEQUATE:
        locked.escalated = False
    rows = _grade_rows(locked)
    by_code = {row.domain.code: row for row in rows}
    for code, (grade, rationale, reason) in content.grades.items():
        row = by_code[code]
        new = (grade, rationale.strip(), reason.strip())
        if (row.grade, row.rationale, row.revision_reason) != new:
            row.grade, row.rationale, row.revision_reason = new
            if save_grades:
                set_history_author(row, actor).save()
    if escalation_wanted and not locked.escalated:
        raise DomainError(
            "Escalation is only for an Inadequate judgement.",
            field_errors={"escalated": ["Choose Inadequate as the overall judgement to escalate."]},
        )
    return rows


def _require_claimed_by(locked: Moderation, actor: User) -> None:
    require(
        permissions.moderate_allowed(user=actor, moderation=locked), permissions.MODERATE_REFUSED
    )
    if locked.status != Moderation.Status.CLAIMED:
        raise TransitionNotAllowed("This moderation is not in progress.")


@transaction.atomic
def moderation_save_draft(
    *, actor: User, moderation: Moderation, version: int | None, content: ModerationContent
) -> Moderation:
    """Save the moderator's work in progress; refuses to overwrite a newer version."""
    locked = lock_moderation(moderation, version)
    _require_claimed_by(locked, actor)
    _apply(locked, content, actor)
    locked.version += 1
    set_history_author(locked, actor).save()
    return locked


def _grading_errors(locked: Moderation, rows: list[ModeratedGrade]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for row in rows:
        if not row.grade:
            hint = " or N/A" if row.domain.na_allowed else ""
            errors[f"grade_{row.domain.code}"] = [f"Select a grade{hint} for {row.domain.title}."]
    if not locked.overall:
        errors["overall"] = ["Select an overall judgement."]
    return errors


@transaction.atomic
def moderation_reveal(
    *, actor: User, moderation: Moderation, version: int | None, content: ModerationContent | None
) -> Moderation:
    """Blind moderation: fix the moderator's first grades, then show the auditor's."""
    locked = lock_moderation(moderation, version)
    _require_claimed_by(locked, actor)
    if not locked.blind or locked.revealed_at is not None:
        raise TransitionNotAllowed("The auditor's grades are already shown.")
    # The last changes and the reveal in one save per row: one change, one history event.
    if content is not None:
        rows = _apply(locked, content, actor, save_grades=False)
        locked.version += 1
    else:
        rows = _grade_rows(locked)
    errors = _grading_errors(locked, rows)
    if errors:
        raise DomainError(
            "Grade every domain before the auditor's grades are shown.", field_errors=errors
        )
    for row in rows:
        row.blind_grade = row.grade
        set_history_author(row, actor).save()
    locked.blind_overall = locked.overall
    locked.revealed_at = timezone.now()
    locked.version += 1
    set_history_author(locked, actor).save()
    return locked


OVERALL_REASON_NEEDED = "Explain why your overall judgement differs from the auditor's."


def completion_errors(locked: Moderation) -> dict[str, list[str]]:
    """What stops this moderation being completed, keyed by form field, in the form's order."""
    # The moderator's own step, not who may read what: a blind claim is revealed first.
    if locked.blind and locked.revealed_at is None:
        return {"reveal": ["Show the auditor's grades before completing a blind moderation."]}
    errors: dict[str, list[str]] = {}
    auditor = {g.domain_id: g.grade for g in locked.audit.grades.all()}
    for row in _grade_rows(locked):
        domain = row.domain
        if not row.grade:
            hint = " or N/A" if domain.na_allowed else ""
            errors[f"grade_{domain.code}"] = [f"Select a grade{hint} for {domain.title}."]
            continue
        if row.grade != auditor.get(domain.pk) and not row.rationale:
            errors[f"rationale_{domain.code}"] = [
                f"Explain why your {domain.title} grade differs from the auditor's."
            ]
        revised = locked.blind and row.blind_grade and row.grade != row.blind_grade
        if revised and not row.revision_reason:
            errors[f"revision_reason_{domain.code}"] = [
                f"Give a reason for changing your {domain.title} grade after the reveal."
            ]
    if not locked.overall:
        errors["overall"] = ["Select an overall judgement."]
    elif locked.overall != locked.audit.overall and not locked.overall_revision_reason:
        # As a domain grade that differs needs its rationale (issue 12 snag 22).
        errors["overall_revision_reason"] = [OVERALL_REASON_NEEDED]
    elif (
        locked.blind
        and locked.blind_overall
        and locked.overall != locked.blind_overall
        and not locked.overall_revision_reason
    ):
        errors["overall_revision_reason"] = [
            "Give a reason for changing your overall judgement after the reveal."
        ]
    if locked.escalated and not locked.escalation_reason:
        errors["escalation_reason"] = ["Enter why this case needs a management response."]
    if not locked.summary:
        errors["summary"] = ["Enter a summary for the auditor."]
    return errors


@transaction.atomic
def moderation_complete_record(
    *, actor: User, moderation: Moderation, version: int | None, content: ModerationContent | None
) -> Moderation:
    """Complete the moderation; its grades are then fixed for good and the auditor told."""
    locked = lock_moderation(moderation, version)
    _require_claimed_by(locked, actor)
    if content is not None:
        # Saved with the completion: one change, so one history event for the moderation.
        # The version still counts the draft and the completion, as clients have seen it do.
        _apply(locked, content, actor)
        locked.version += 1
    errors = completion_errors(locked)
    if errors:
        raise DomainError("The moderation is not complete.", field_errors=errors)
    change_status(locked, Moderation.Status.COMPLETED, "This moderation cannot be completed.")
    locked.completed_at = timezone.now()
    locked.version += 1
    set_history_author(locked, actor).save()
    if locked.escalated:
        escalation_confirm_or_raise(locked, actor)
    queue_on_commit(tasks.notify_moderation_completed, locked.pk)
    return locked


@transaction.atomic
def moderation_return_record(
    *, actor: User, moderation: Moderation, version: int | None, comment: str
) -> Moderation:
    """Send a poorly evidenced audit back: the submission stays as it was, rework is new."""
    if not comment.strip():
        raise DomainError(
            "Say what needs rework.",
            field_errors={"rework_comment": ["Enter what the auditor needs to rework."]},
        )
    if too_long("rework_comment", comment):
        message = too_long("rework_comment", comment)
        raise DomainError(message[0], field_errors={"rework_comment": message})
    locked = lock_moderation(moderation, version)
    _require_claimed_by(locked, actor)
    change_status(locked, Moderation.Status.RETURNED, "This moderation cannot be returned.")
    locked.rework_comment = comment.strip()
    locked.version += 1
    set_history_author(locked, actor).save()
    revision = audit_return_for_rework(audit=locked.audit, actor=actor)
    queue_on_commit(tasks.notify_returned_for_rework, locked.pk, revision.pk)
    return locked


@transaction.atomic
def moderation_acknowledge(*, actor: User, moderation: Moderation) -> Moderation:
    """The auditor confirms they have read the moderated grades and the summary."""
    locked = lock_moderation(moderation)
    require(
        permissions.acknowledge_allowed(user=actor, moderation=locked),
        permissions.ACKNOWLEDGE_REFUSED,
    )
    if locked.status != Moderation.Status.COMPLETED:
        raise TransitionNotAllowed("Only a completed moderation can be acknowledged.")
    if locked.acknowledged_at is not None:
        raise TransitionNotAllowed("You have already acknowledged this feedback.")
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor
    set_history_author(locked, actor).save(update_fields=["acknowledged_at", "acknowledged_by"])
    return locked
