"""Every write to an audit: create, re-audit, save a draft, submit, return for rework."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, StaleVersion, TransitionNotAllowed
from core.grades import Grade, grade_value_errors
from core.limits import length_errors
from core.models import Audit, AuditTool, Case, Domain, DomainGrade, Programme, User
from core.months import first_of_month, months_before
from core.services.saving import insert_once, set_history_author

NARRATIVE_FIELDS = ("working_well", "worried_about", "needs_to_happen", "family_feedback")


RESAMPLE_WINDOW_MONTHS = 12


REWORK_DAYS = 10
REAUDIT_DUE_DAYS = 28  # a re-audit with no programme due date is due four weeks on


@dataclass
class AuditContent:
    """What an auditor writes; any field left as None is not changed."""

    overall: str | None = None
    escalated: bool | None = None
    escalation_reason: str | None = None
    working_well: str | None = None
    worried_about: str | None = None
    needs_to_happen: str | None = None
    family_feedback: str | None = None
    # domain code -> (grade or "", evidence)
    grades: dict[str, tuple[str, str]] = field(default_factory=dict)


def audits_in_resample_window(*, month: dt.date):
    """Audits in the 12 months up to and including this month: their cases need a reason."""
    since = months_before(month, RESAMPLE_WINDOW_MONTHS - 1)
    return Audit.objects.filter(month__gte=since, month__lte=month)


def recently_audited(*, case: Case, month: dt.date, exclude_pk: int | None = None) -> bool:
    """True when the case has an audit in the 12 months before (or in) this month."""
    audits = audits_in_resample_window(month=month).filter(case=case)
    if exclude_pk:
        audits = audits.exclude(pk=exclude_pk)
    return audits.exists()


def _check_ad_hoc_limits(
    *, actor: User, month: dt.date, due_date: dt.date | None, today: dt.date
) -> None:
    """An auditor's own audit counts towards this month or a later one and is not due in the
    past, so a closed month's figures cannot change. QA leads own the programmes and may still
    put a missed case into a past month (recorded in the history like every change)."""
    if actor.is_qa_lead:
        return
    errors = {}
    if month < first_of_month(today):
        errors["programme"] = [
            "An auditor can only add an audit to this month's programme or a later one."
        ]
    if due_date is not None and due_date < today:
        errors["due_date"] = ["The due date cannot be in the past."]
    if errors:
        raise DomainError("This audit cannot be started.", field_errors=errors)


@transaction.atomic
def audit_create(
    *,
    actor: User,
    case: Case,
    auditor: User,
    tool: AuditTool,
    programme: Programme | None = None,
    kind: str = Audit.Kind.FULL,
    due_date: dt.date | None = None,
    resample_reason: str = "",
    re_audit_of: Audit | None = None,
) -> Audit:
    """Assign a case to an auditor (or start an ad hoc audit), with a blank grade per domain."""
    if not tool.is_published():
        raise DomainError(
            "A draft tool cannot be used for audits.",
            field_errors={"tool": ["Choose a published version of the tool."]},
        )
    if programme is not None and programme.tool_id != tool.pk:
        raise DomainError(
            "The tool must be the programme's tool.",
            field_errors={"tool": ["Use the programme's tool."]},
        )
    today = timezone.localdate()
    month = programme.month if programme else first_of_month(today)
    due_date = due_date or (programme.due_date if programme else None)
    _check_ad_hoc_limits(actor=actor, month=month, due_date=due_date, today=today)
    if (
        re_audit_of is None
        and not resample_reason.strip()
        and recently_audited(case=case, month=month)
    ):
        raise DomainError(
            "This case was audited in the last 12 months.",
            field_errors={
                "resample_reason": [
                    "This case was audited in the last 12 months: give a reason to audit it again."
                ]
            },
        )
    if programme is not None and Audit.objects.filter(case=case, programme=programme).exists():
        raise DomainError(
            "This case is already in the programme.",
            field_errors={"case": ["This case is already in this month's programme."]},
        )
    audit = set_history_author(
        Audit(
            case=case,
            auditor=auditor,
            tool=tool,
            programme=programme,
            month=month,
            kind=Audit.Kind.RE_AUDIT if re_audit_of else kind,
            due_date=due_date,
            resample_reason=resample_reason.strip(),
            re_audit_of=re_audit_of,
        ),
        actor,
    )
    insert_once(audit, "case", "This case is already in this month's programme.")
    for domain in tool.domains.all():
        set_history_author(DomainGrade(audit=audit, domain=domain), actor).save()
    return audit


REAUDIT_SAME_DAY = (
    "A re-audit looks again at practice some time later: start it on a later day than the "
    "earlier audit was submitted."
)
REAUDIT_EARLIER_PROGRAMME = (
    "A re-audit counts towards a later month than the earlier audit: choose a later programme."
)


def reaudit_programme(*, original: Audit, today: dt.date) -> Programme | None:
    """The programme a re-audit joins when none is chosen: this month's, of the earlier
    audit's tool if there is one (else any of this month's); None when there is none."""
    this_month = Programme.objects.filter(month=first_of_month(today)).select_related("tool")
    return (
        this_month.filter(tool__code=original.tool.code).order_by("-tool__version").first()
        or this_month.order_by("pk").first()
    )


@transaction.atomic
def audit_reaudit_start(
    *, actor: User, original: Audit, programme: Programme | None = None
) -> Audit:
    """Start a re-audit of an earlier audit: a blank audit of the same case, linked to it.

    The rules (issue 12 snag 22): only a submitted audit is re-audited; by someone else than
    its auditor (core.permissions.audit_reaudit_allowed); not on the day it was submitted and
    towards a later month than it; into a programme (the one chosen, else this month's:
    reaudit_programme), due when the programme is due, or REAUDIT_DUE_DAYS from today when
    there is no programme this month (or it has no due date). It starts blank: the
    re-auditor grades afresh, so "Improved" counts only a real later grading (the earlier
    audit is linked to compare).
    """
    if original.status != Audit.Status.SUBMITTED:
        raise TransitionNotAllowed("Only a submitted audit (not one returned) can be re-audited.")
    today = timezone.localdate()
    submitted = timezone.localdate(original.submitted_at) if original.submitted_at else None
    if submitted is not None and submitted >= today:
        raise DomainError(REAUDIT_SAME_DAY)
    if programme is None:
        programme = reaudit_programme(original=original, today=today)
    month = programme.month if programme is not None else first_of_month(today)
    if month <= original.month:
        raise DomainError(
            REAUDIT_EARLIER_PROGRAMME, field_errors={"programme": [REAUDIT_EARLIER_PROGRAMME]}
        )
    due_date = None
    if programme is None or programme.due_date is None:
        due_date = today + dt.timedelta(days=REAUDIT_DUE_DAYS)
    return audit_create(
        actor=actor,
        case=original.case,
        auditor=actor,
        tool=programme.tool if programme else original.tool,
        programme=programme,
        due_date=due_date,
        re_audit_of=original,
    )


UNASSIGNED_REFUSED = (
    "Nobody holds this audit: a QA lead gives it to an auditor before it can be written."
)


def _lock(audit: Audit, version: int | None) -> Audit:
    # The audit's row alone (of=self): FOR UPDATE over the join would lock the tool's row too,
    # queueing every save of that tool behind each other, and taking the tool before the team,
    # the opposite of the report summary's refresh (team, then tool): a deadlock.
    locked = Audit.objects.select_for_update(of=("self",)).select_related("tool").get(pk=audit.pk)
    if not locked.is_editable():
        raise TransitionNotAllowed("This audit has been submitted and can no longer be changed.")
    if locked.is_unassigned():
        # Nobody writes it until a QA lead gives it to an auditor (the permissions say so
        # too); the record refuses as well, as a submission would have nobody's name on it.
        raise TransitionNotAllowed(UNASSIGNED_REFUSED)
    if version is not None and locked.version != version:
        raise StaleVersion(
            "This audit was saved by someone else (or in another tab) since you opened it. "
            "Reload it to see the latest version, then make your changes again."
        )
    return locked


def _content_length_errors(domains: dict[str, Domain], content: AuditContent) -> dict:
    texts = {
        name: (name, getattr(content, name), "")
        for name in ("escalation_reason", *NARRATIVE_FIELDS)
    }
    for code, (_grade, evidence) in content.grades.items():
        domain = domains.get(code)
        texts[f"evidence_{code}"] = ("evidence", evidence, domain.title if domain else code)
    return length_errors(texts)


def _check_grade_values(tool: AuditTool, domains: dict[str, Domain], content: AuditContent):
    errors: dict[str, list[str]] = _content_length_errors(domains, content)
    given = {code: grade for code, (grade, _evidence) in content.grades.items()}
    errors |= grade_value_errors(tool=tool, domains=domains, grades=given, overall=content.overall)
    if errors:
        raise DomainError("Some answers are not valid.", field_errors=errors)


def _apply(audit: Audit, content: AuditContent, actor: User) -> None:
    domains = {d.code: d for d in audit.tool.domains.all()}
    _check_grade_values(audit.tool, domains, content)
    for name in ("overall", "escalated", "escalation_reason", *NARRATIVE_FIELDS):
        value = getattr(content, name)
        if value is not None:
            setattr(audit, name, value.strip() if isinstance(value, str) else value)
    if audit.escalated and audit.overall != Grade.INADEQUATE:
        # Keep drafts consistent with the database constraint; submit explains the rule.
        audit.escalated = False
    grades = {g.domain.code: g for g in audit.grades.select_related("domain")}
    for code, (grade, evidence) in content.grades.items():
        row = grades[code]
        if (row.grade, row.evidence) != (grade, evidence.strip()):
            row.grade, row.evidence = grade, evidence.strip()
            set_history_author(row, actor).save()


ESCALATION_NOT_INADEQUATE = "Escalation is only for an Inadequate audit."


def _apply_content(locked: Audit, content: AuditContent, actor: User) -> dict[str, list[str]]:
    """Apply the content; the escalation error, if an escalation was asked for an audit not
    judged Inadequate (the caller raises it, with whatever else is wrong)."""
    escalation_wanted = bool(content.escalated)
    _apply(locked, content, actor)
    if escalation_wanted and not locked.escalated:
        return {"escalated": ["Choose Inadequate as the overall judgement to escalate."]}
    return {}


@transaction.atomic
def audit_save_draft(
    *, audit: Audit, actor: User, version: int | None, content: AuditContent
) -> Audit:
    """Save the auditor's work in progress; refuses to overwrite a newer version."""
    locked = _lock(audit, version)
    if errors := _apply_content(locked, content, actor):
        raise DomainError(ESCALATION_NOT_INADEQUATE, field_errors=errors)
    locked.version += 1
    if locked.status == Audit.Status.ASSIGNED:
        locked.status = Audit.Status.IN_PROGRESS
    set_history_author(locked, actor).save()
    return locked


def submission_errors(audit: Audit) -> dict[str, list[str]]:
    """What stops this audit being submitted, keyed by form field, in the form's order."""
    errors: dict[str, list[str]] = {}
    for row in audit.grades.select_related("domain").order_by("domain__position"):
        domain = row.domain
        if not row.grade:
            hint = " or N/A" if domain.na_allowed else ""
            errors[f"grade_{domain.code}"] = [f"Select a grade{hint} for {domain.title}."]
        elif row.grade != "NA" and not row.evidence.strip():
            errors[f"evidence_{domain.code}"] = [
                f"Enter the evidence for the {domain.title} grade."
            ]
    if not audit.overall:
        errors["overall"] = ["Select an overall judgement."]
    if audit.escalated and audit.overall != Grade.INADEQUATE:
        errors["escalated"] = ["Escalation is only for an audit judged Inadequate."]
    if audit.escalated and not audit.escalation_reason.strip():
        errors["escalation_reason"] = ["Enter why this case needs a management response."]
    return errors


@transaction.atomic
def audit_submit_record(
    *, audit: Audit, actor: User, version: int | None, content: AuditContent | None = None
) -> Audit:
    """Submit the audit (saving the last changes first); its grades are then fixed for good.

    The audit record only: flows.audits.audit_submit does what follows a submission."""
    locked = _lock(audit, version)
    escalation_errors: dict[str, list[str]] = {}
    if content is not None:
        # In the same save as the submission: one change, so one history event for the audit.
        # The version still counts the draft and the submission, as clients have seen it do.
        escalation_errors = _apply_content(locked, content, actor)
        locked.version += 1
    if not locked.can_transition(Audit.Status.SUBMITTED):
        raise TransitionNotAllowed("This audit cannot be submitted from its current state.")
    # Every error at once: an escalation on an audit not judged Inadequate beside what is
    # missing, so the auditor does not meet the missing evidence only on the next try.
    errors = {**submission_errors(locked), **escalation_errors}
    if errors:
        message = ESCALATION_NOT_INADEQUATE if errors == escalation_errors else None
        raise DomainError(message or "The audit is not complete.", field_errors=errors)
    locked.status = Audit.Status.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.version += 1
    set_history_author(locked, actor).save()
    return locked


@transaction.atomic
def audit_return_for_rework(*, audit: Audit, actor: User) -> Audit:
    """Mark a submission returned (it stays readable as it was) and open its next revision.

    Called by moderation when a moderator sends an audit back; the new revision starts as a
    copy of the submission, assigned to the same auditor.
    """
    locked = Audit.objects.select_for_update().get(pk=audit.pk)
    if not locked.can_transition(Audit.Status.RETURNED):
        raise TransitionNotAllowed("Only a submitted audit can be returned for rework.")
    locked.status = Audit.Status.RETURNED
    locked.version += 1
    set_history_author(locked, actor).save(allow_submitted=True)
    revision = set_history_author(
        Audit(
            case=locked.case,
            auditor=locked.auditor,
            tool=locked.tool,
            programme=locked.programme,
            month=locked.month,
            kind=locked.kind,
            status=Audit.Status.IN_PROGRESS,
            source=Audit.Source.PRODUCT,
            re_audit_of=locked.re_audit_of,
            revision=locked.revision + 1,
            revision_of=locked,
            due_date=timezone.localdate() + dt.timedelta(days=REWORK_DAYS),
            resample_reason=locked.resample_reason,
            overall=locked.overall,
            escalated=locked.escalated,
            escalation_reason=locked.escalation_reason,
            **{name: getattr(locked, name) for name in NARRATIVE_FIELDS},
        ),
        actor,
    )
    insert_once(revision, "case", "This audit has already been returned for rework.")
    for row in locked.grades.all():
        copy = DomainGrade(
            audit=revision, domain_id=row.domain_id, grade=row.grade, evidence=row.evidence
        )
        set_history_author(copy, actor).save()
    return revision
