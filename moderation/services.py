"""Every write to moderations and escalations. Pages, API, import and seed call these.

Each state change locks the row (select_for_update), checks the transition table on the
model and who may make it (permissions.py), saves with its author for the history, and
queues any e-mail with transaction.on_commit so a rolled-back change sends nothing.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable
from simple_history.utils import bulk_create_with_history

from core.errors import DomainError, StaleVersion, TransitionNotAllowed
from core.grades import Grade, grade_value_errors
from core.limits import length_errors, too_long
from core.models import Audit, User
from core.services.audits import audit_return_for_rework
from moderation import permissions, tasks
from moderation.models import Escalation, ModeratedGrade, Moderation


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


def _stamp(obj, actor: User | None):
    obj._history_user = actor
    return obj


def _lock(moderation: Moderation, version: int | None = None) -> Moderation:
    # Not select_related("moderator"): when a rival's update is waited for, PostgreSQL gives
    # the locked row's new moderator_id but the joined user as it was (none), so read it after.
    locked = (
        Moderation.objects.select_for_update(of=("self",))
        .select_related("audit__tool", "audit__programme", "audit__auditor")
        .get(pk=moderation.pk)
    )
    if version is not None and locked.version != version:
        raise StaleVersion(
            "This moderation was saved by someone else (or in another tab) since you opened "
            "it. Reload it to see the latest version, then make your changes again."
        )
    return locked


def _transition(locked: Moderation, to: str, message: str) -> None:
    if not locked.can_transition(to):
        raise TransitionNotAllowed(message)
    locked.status = to


logger = logging.getLogger(__name__)


def _send_task(task, *args) -> None:
    try:
        task.delay(*args)
    except BrokerUnavailable as error:
        # The change is committed; the e-mail is not lost: the beat task
        # send_unsent_notifications sends what has no OutboxEmail yet.
        logger.warning("Task %s%r not queued (broker unavailable): %s", task.name, args, error)


def _on_commit(task, *args) -> None:
    transaction.on_commit(lambda: _send_task(task, *args))


def _live_moderation_exists(audit: Audit) -> bool:
    return audit.moderations.filter(status__in=Moderation.LIVE_STATUSES).exists()


def _insert_moderation(moderation: Moderation, actor: User | None) -> Moderation:
    """Insert, turning a lost race on 'one live moderation per audit' into a clear error."""
    try:
        with transaction.atomic():
            _stamp(moderation, actor).save()
    except IntegrityError as error:
        raise TransitionNotAllowed(
            f"Case {moderation.audit.case.reference} is already in the moderation sample."
        ) from error
    return moderation


def moderation_sample(
    *,
    actor: User,
    audit: Audit,
    selection: str,
    note: str = "",
    draw=None,
) -> Moderation:
    """Put a submitted audit in the moderation sample (used by draws, hand picks and rework)."""
    if audit.status != Audit.Status.SUBMITTED:
        raise TransitionNotAllowed("Only a submitted audit can be moderated.")
    if _live_moderation_exists(audit):
        raise TransitionNotAllowed(
            f"Case {audit.case.reference} is already in the moderation sample."
        )
    return _insert_moderation(
        Moderation(audit=audit, draw=draw, selection=selection, selection_note=note), actor
    )


# The hand-added reason is stored as the selection note: the schema promises no longer.
HAND_REASON_MAX = Moderation._meta.get_field("selection_note").max_length
HAND_REASON_TOO_LONG = f"Enter a reason of at most {HAND_REASON_MAX} characters."


@transaction.atomic
def moderation_add(*, actor: User, audit: Audit, reason: str) -> Moderation:
    """Add an audit to the sample by hand, with the reason shown beside it."""
    permissions.require_sample_manage(actor)
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
    permissions.require_sample_manage(actor)
    if not reason.strip():
        raise DomainError(
            "Give a reason.", field_errors={"reason": ["Enter why this audit is removed."]}
        )
    locked = _lock(moderation)
    _transition(
        locked,
        Moderation.Status.REMOVED,
        "Only an audit nobody has claimed can be removed from the sample.",
    )
    locked.removed_reason = reason.strip()
    locked.version += 1
    _stamp(locked, actor).save()
    return locked


@transaction.atomic
def moderation_claim(*, actor: User, moderation: Moderation) -> Moderation:
    """Claim a waiting audit; of two moderators claiming at once, exactly one wins."""
    locked = _lock(moderation)
    permissions.require_claim(user=actor, moderation=locked)
    if locked.status == Moderation.Status.CLAIMED:
        who = "you" if locked.moderator_id == actor.pk else locked.moderator.get_full_name()
        raise TransitionNotAllowed(f"This audit has already been claimed by {who or 'someone'}.")
    _transition(locked, Moderation.Status.CLAIMED, "This audit is no longer waiting.")
    audit = locked.audit
    locked.moderator = actor
    locked.claimed_at = timezone.now()
    locked.blind = audit.tool.blind_moderation or bool(
        audit.programme and audit.programme.blind_moderation
    )
    locked.version += 1
    _stamp(locked, actor).save()
    existing = set(locked.grades.values_list("domain_id", flat=True))
    # In one insert, with its history rows: a blank row per domain for the moderator to grade.
    bulk_create_with_history(
        [
            ModeratedGrade(moderation=locked, domain=domain)
            for domain in audit.tool.domains.all()
            if domain.pk not in existing
        ],
        ModeratedGrade,
        default_user=actor,
    )
    return locked


@transaction.atomic
def moderation_release(*, actor: User, moderation: Moderation) -> Moderation:
    """Give a claimed audit back to the queue; the grades already entered are kept."""
    locked = _lock(moderation)
    permissions.require_release(user=actor, moderation=locked)
    _transition(locked, Moderation.Status.SAMPLED, "Only a claimed audit can be released.")
    locked.moderator = None
    locked.claimed_at = None
    locked.version += 1
    _stamp(locked, actor).save()
    return locked


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
                _stamp(row, actor).save()
    if escalation_wanted and not locked.escalated:
        raise DomainError(
            "Escalation is only for an Inadequate judgement.",
            field_errors={"escalated": ["Choose Inadequate as the overall judgement to escalate."]},
        )
    return rows


def _require_claimed_by(locked: Moderation, actor: User) -> None:
    permissions.require_moderate(user=actor, moderation=locked)
    if locked.status != Moderation.Status.CLAIMED:
        raise TransitionNotAllowed("This moderation is not in progress.")


@transaction.atomic
def moderation_save_draft(
    *, actor: User, moderation: Moderation, version: int | None, content: ModerationContent
) -> Moderation:
    """Save the moderator's work in progress; refuses to overwrite a newer version."""
    locked = _lock(moderation, version)
    _require_claimed_by(locked, actor)
    _apply(locked, content, actor)
    locked.version += 1
    _stamp(locked, actor).save()
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
    locked = _lock(moderation, version)
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
        _stamp(row, actor).save()
    locked.blind_overall = locked.overall
    locked.revealed_at = timezone.now()
    locked.version += 1
    _stamp(locked, actor).save()
    return locked


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
    locked = _lock(moderation, version)
    _require_claimed_by(locked, actor)
    if content is not None:
        # Saved with the completion: one change, so one history event for the moderation.
        # The version still counts the draft and the completion, as clients have seen it do.
        _apply(locked, content, actor)
        locked.version += 1
    errors = completion_errors(locked)
    if errors:
        raise DomainError("The moderation is not complete.", field_errors=errors)
    _transition(locked, Moderation.Status.COMPLETED, "This moderation cannot be completed.")
    locked.completed_at = timezone.now()
    locked.version += 1
    _stamp(locked, actor).save()
    if locked.escalated:
        _escalate_from_moderation(locked, actor)
    _on_commit(tasks.notify_moderation_completed, locked.pk)
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
    locked = _lock(moderation, version)
    _require_claimed_by(locked, actor)
    _transition(locked, Moderation.Status.RETURNED, "This moderation cannot be returned.")
    locked.rework_comment = comment.strip()
    locked.version += 1
    _stamp(locked, actor).save()
    revision = audit_return_for_rework(audit=locked.audit, actor=actor)
    _on_commit(tasks.notify_returned_for_rework, locked.pk, revision.pk)
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


@transaction.atomic
def moderation_acknowledge(*, actor: User, moderation: Moderation) -> Moderation:
    """The auditor confirms they have read the moderated grades and the summary."""
    locked = _lock(moderation)
    permissions.require_acknowledge(user=actor, moderation=locked)
    if locked.status != Moderation.Status.COMPLETED:
        raise TransitionNotAllowed("Only a completed moderation can be acknowledged.")
    if locked.acknowledged_at is not None:
        raise TransitionNotAllowed("You have already acknowledged this feedback.")
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = actor
    _stamp(locked, actor).save(update_fields=["acknowledged_at", "acknowledged_by"])
    return locked


@dataclass
class ImportedModeration:
    """Moderation done before the product, from the moderated_* columns of an import."""

    moderator: User
    moderated_on: dt.date
    overall: str
    escalated: bool
    grades: dict[str, str]
    summary: str = ""


@transaction.atomic
def moderation_record_imported(
    *, actor: User, audit: Audit, record: ImportedModeration
) -> Moderation:
    """Record imported history as a completed moderation, like one done here."""
    if record.moderator.pk == audit.auditor_id:
        raise DomainError("The moderator cannot be the audit's auditor.")
    if too_long("summary", record.summary):
        message = too_long("summary", record.summary)
        raise DomainError(message[0], field_errors={"summary": message})
    if audit.status != Audit.Status.SUBMITTED:
        raise TransitionNotAllowed("Only a submitted audit can be moderated.")
    if _live_moderation_exists(audit):
        raise TransitionNotAllowed(
            f"Case {audit.case.reference} is already in the moderation sample."
        )
    moment = timezone.make_aware(dt.datetime.combine(record.moderated_on, dt.time(12)))
    moment = min(moment, timezone.now())
    escalated = record.escalated and record.overall == Grade.INADEQUATE
    # Inserted complete in one go, grades in bulk: imports record hundreds of these at once.
    moderation = Moderation(
        audit=audit,
        status=Moderation.Status.COMPLETED,
        source=Moderation.Source.IMPORT,
        selection=Moderation.Selection.IMPORTED,
        selection_note="Imported history",
        moderator=record.moderator,
        claimed_at=moment,
        completed_at=moment,
        overall=record.overall,
        escalated=escalated,
        escalation_reason="Escalated in imported history." if escalated else "",
        summary=record.summary,
    )
    _insert_moderation(moderation, actor)
    bulk_create_with_history(
        [
            ModeratedGrade(
                moderation=moderation, domain=domain, grade=record.grades.get(domain.code, "")
            )
            for domain in audit.tool.domains.all()
        ],
        ModeratedGrade,
        default_user=actor,
        default_change_reason="Imported",
    )
    return moderation


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
            _stamp(escalation, actor).save()
    except IntegrityError as error:
        raise TransitionNotAllowed("This case already has an open escalation.") from error
    _on_commit(tasks.notify_escalation_raised, escalation.pk)
    return escalation


def escalation_raise_from_audit(*, actor: User, audit: Audit) -> Escalation:
    """The auditor's 'Inadequate – escalation', raised as the audit is submitted."""
    return _raise(
        actor=actor,
        audit=audit,
        moderation=None,
        role=Escalation.RaisedBy.AUDITOR,
        reason=audit.escalation_reason,
    )


def _escalate_from_moderation(locked: Moderation, actor: User) -> Escalation:
    """Confirm the auditor's open escalation, or raise a new one."""
    open_one = (
        Escalation.objects.select_for_update()
        .filter(audit=locked.audit, status=Escalation.Status.OPEN)
        .first()
    )
    if open_one is not None:
        open_one.confirmed_by_moderation = locked
        _stamp(open_one, actor).save()
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
    permissions.require_respond(user=actor, escalation=locked)
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
    _stamp(locked, actor).save()
    return locked
