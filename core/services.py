"""Every write to audits, cases, tools and programmes. Pages, API, import and seed call these."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError, StaleVersion, TransitionNotAllowed
from core.grades import Grade, grade_value_errors
from core.limits import length_errors, too_long
from core.models import (
    Action,
    Audit,
    AuditRead,
    AuditTool,
    Case,
    Domain,
    DomainGrade,
    Programme,
    Team,
    User,
)
from core.months import first_of_month, month_bounds_error, months_before
from core.validation import case_reference_error

NARRATIVE_FIELDS = ("working_well", "worried_about", "needs_to_happen", "family_feedback")
RESAMPLE_WINDOW_MONTHS = 12
REWORK_DAYS = 10


def _insert_once(obj, field_name: str, message: str) -> None:
    """Insert, turning a lost race on a unique constraint into a clear error, not a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise DomainError(message, field_errors={field_name: [message]}) from error


def _stamp(obj, actor: User | None):
    # simple-history reads the author from this attribute: no thread-local request needed.
    obj._history_user = actor
    return obj


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
    audit = _stamp(
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
    _insert_once(audit, "case", "This case is already in this month's programme.")
    for domain in tool.domains.all():
        _stamp(DomainGrade(audit=audit, domain=domain), actor).save()
    return audit


@transaction.atomic
def audit_reaudit_start(
    *, actor: User, original: Audit, programme: Programme | None = None
) -> Audit:
    """Start a re-audit of an earlier audit from a copy of its content, linked to it."""
    if original.status != Audit.Status.SUBMITTED:
        raise TransitionNotAllowed("Only a submitted audit (not one returned) can be re-audited.")
    audit = audit_create(
        actor=actor,
        case=original.case,
        auditor=actor,
        tool=programme.tool if programme else original.tool,
        programme=programme,
        re_audit_of=original,
    )
    earlier = {g.domain.code: g for g in original.grades.select_related("domain")}
    new_codes = set(audit.tool.domains.values_list("code", flat=True))
    content = AuditContent(
        overall=original.overall,
        escalated=original.escalated,
        escalation_reason=original.escalation_reason,
        **{name: getattr(original, name) for name in NARRATIVE_FIELDS},
        grades={code: (g.grade, g.evidence) for code, g in earlier.items() if code in new_codes},
    )
    return audit_save_draft(audit=audit, actor=actor, version=audit.version, content=content)


def _lock(audit: Audit, version: int | None) -> Audit:
    locked = Audit.objects.select_for_update().select_related("tool").get(pk=audit.pk)
    if not locked.is_editable():
        raise TransitionNotAllowed("This audit has been submitted and can no longer be changed.")
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
            _stamp(row, actor).save()


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
    _stamp(locked, actor).save()
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
    _stamp(locked, actor).save()
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
    _stamp(locked, actor).save(allow_submitted=True)
    revision = _stamp(
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
    _insert_once(revision, "case", "This audit has already been returned for rework.")
    for row in locked.grades.all():
        copy = DomainGrade(
            audit=revision, domain_id=row.domain_id, grade=row.grade, evidence=row.evidence
        )
        _stamp(copy, actor).save()
    return revision


@transaction.atomic
def action_create(
    *, audit: Audit, actor: User, description: str, owner: str, due_date: dt.date
) -> Action:
    """Add an action to an audit: what, who owns it, by when."""
    errors = {}
    if not description.strip():
        errors["description"] = ["Enter what needs to happen."]
    elif too_long("description", description):
        errors["description"] = too_long("description", description)
    if not owner.strip():
        errors["owner"] = ["Enter who owns the action."]
    if errors:
        raise DomainError("The action is not complete.", field_errors=errors)
    action = Action(
        audit=audit, description=description.strip(), owner=owner.strip(), due_date=due_date
    )
    _stamp(action, actor).save()
    return action


@transaction.atomic
def action_status_set(*, action: Action, actor: User, status: str) -> Action:
    """Mark an action done (or reopen it)."""
    if status not in Action.Status.values:
        raise DomainError(
            "Unknown status.", field_errors={"status": [f"'{status}' is not a status."]}
        )
    locked = Action.objects.select_for_update().get(pk=action.pk)
    locked.status = status
    locked.completed_at = timezone.now() if status == Action.Status.DONE else None
    _stamp(locked, actor).save()
    return locked


@transaction.atomic
def case_create(*, actor: User, reference: str, team: Team, case_type: str) -> Case:
    """Record a case by its reference in the case-management system."""
    problem = case_reference_error(reference)
    if problem:
        raise DomainError(problem, field_errors={"reference": [problem]})
    if Case.objects.filter(reference__iexact=reference).exists():
        raise DomainError(
            "Case exists.", field_errors={"reference": ["This case reference already exists."]}
        )
    case = Case(reference=reference, team=team, case_type=case_type)
    _insert_once(case, "reference", "This case reference already exists.")
    return case


@transaction.atomic
def programme_create(
    *,
    actor: User,
    month: dt.date,
    tool: AuditTool,
    theme: str = "",
    audit_target: int = 0,
    moderation_target: int = 0,
    due_date: dt.date | None = None,
    blind_moderation: bool | None = None,
) -> Programme:
    """Open a month's programme for a tool (blind moderation as the tool says, unless given)."""
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
    _insert_once(_stamp(programme, actor), "month", "This tool already has a programme that month.")
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
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_programme(
        month=locked.month,
        audit_target=locked.audit_target,
        moderation_target=locked.moderation_target,
        due_date=locked.due_date,
    )
    _stamp(locked, actor).save()
    return locked


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


@transaction.atomic
def tool_new_version(*, tool: AuditTool, actor: User, domain_changes: dict[str, dict]) -> AuditTool:
    """Make the next version of a tool; its domains map to this version's, so trends continue.

    domain_changes maps a domain code to the fields to change (title, guidance, descriptors,
    na_allowed); the version in use is never edited.
    """
    latest = AuditTool.objects.filter(code=tool.code).order_by("-version").first()
    if latest.pk != tool.pk:
        raise TransitionNotAllowed(f"Only the latest version (v{latest.version}) can be revised.")
    new = AuditTool.objects.create(
        code=tool.code,
        name=tool.name,
        version=tool.version + 1,
        offers_outstanding=tool.offers_outstanding,
        blind_moderation=tool.blind_moderation,
        previous=tool,
    )
    editable = {
        "title",
        "guidance",
        "descriptor_outstanding",
        "descriptor_good",
        "descriptor_requires_improvement",
        "descriptor_inadequate",
        "na_allowed",
    }
    for domain in tool.domains.all():
        changes = domain_changes.get(domain.code, {})
        if set(changes) - editable:
            raise DomainError(f"Cannot change {', '.join(sorted(set(changes) - editable))}.")
        values = {name: getattr(domain, name) for name in editable} | changes
        Domain.objects.create(
            tool=new, code=domain.code, position=domain.position, maps_to=domain, **values
        )
    return new


@transaction.atomic
def programme_assign(
    *, programme: Programme, actor: User, assignments: list[tuple[Case, User, str]]
) -> list[Audit]:
    """Assign cases to auditors in a programme, all or none; each str is the resample reason."""
    # Lock the programme so two leads assigning at once queue, and "already in the programme"
    # stays true to what the other one committed.
    programme = Programme.objects.select_for_update().select_related("tool").get(pk=programme.pk)
    audits = []
    for case, auditor, resample_reason in assignments:
        if auditor is None or not auditor.is_active or not auditor.is_auditor:
            raise DomainError(
                f"Case {case.reference}: choose an active auditor.",
                field_errors={"auditor": ["Choose an active auditor."]},
            )
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


# An export's scope is its filters: short values, never what was exported.
SCOPE_VALUE_MAX = 200


def audit_read_record(
    *,
    user: User,
    channel: str,
    what: str,
    audit: Audit | None = None,
    audits: Iterable[Audit] = (),
    scope: Mapping[str, object] | None = None,
) -> list[AuditRead]:
    """Record that a user read audits (who, which case, when, how), or exported the audits in
    a scope (who, which filters, when): never personal data and never the content read."""
    if audit is not None:
        audits = [audit, *audits]
    rows = [
        AuditRead(audit=a, case_id=a.case_id, user=user, channel=channel, what=what) for a in audits
    ]
    if scope is not None:
        cleaned = {
            str(key)[:50]: str(value)[:SCOPE_VALUE_MAX]
            for key, value in scope.items()
            if value not in (None, "", [])
        }
        rows.append(AuditRead(user=user, channel=channel, what=what, scope=cleaned))
    return AuditRead.objects.bulk_create(rows)
