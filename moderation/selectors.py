"""Every read of moderations, escalations and samples. Pages and API call these.

What a user may see is decided in permissions.py; these functions start from its querysets,
apply a FilterSet and load related rows up front so that a list costs the same number of
queries however long it is. Invalid filters raise DomainError with a message per field.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import django_filters
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.utils import timezone

from core.errors import DomainError
from core.grades import grade_shift
from core.models import Audit, DomainGrade, Programme, Team, User
from moderation import permissions
from moderation.blind import blind_applies_to, grades_hidden_annotation
from moderation.filters import EscalationFilter, ModerationFilter
from moderation.models import Escalation, ModeratedGrade, Moderation, SampleDraw


def _filtered(
    filterset_class: type[django_filters.FilterSet],
    filters: Mapping | None,
    queryset: QuerySet,
    **kwargs,
) -> QuerySet:
    # django-filter binds any mapping (QueryDict or a test's dict); its stubs name only those two.
    filterset = filterset_class(data=filters or {}, queryset=queryset, **kwargs)  # type: ignore[arg-type]
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        raise DomainError("Some filters are not valid.", field_errors=errors)
    return filterset.qs


def _moderation_rows(moderations: QuerySet[Moderation]) -> QuerySet[Moderation]:
    # pk last: pages of a paginated list must not overlap or skip rows. grades_hidden is
    # the blind rule as a column, read by Moderation.auditor_grades_hidden.
    return (
        moderations.select_related(
            "audit__case__team__service_area",
            "audit__auditor",
            "audit__tool",
            "audit__programme",
            "moderator",
        )
        .annotate(grades_hidden=grades_hidden_annotation("audit_id"))
        .order_by("-audit__month", "created_at", "pk")
    )


# ---------------------------------------------------------------- the blind rule, per reader

NEUTRAL_NOTE = "Chosen for the moderation sample."


@dataclass(frozen=True)
class SelectionReason:
    selection: str
    label: str
    note: str

    @property
    def detail(self) -> str:
        """The note beside the label on pages; the neutral reason's note only repeats it."""
        return "" if self.selection == Moderation.Selection.SAMPLE else self.note


def grades_hidden_from(*, user: User | None, moderation: Moderation) -> bool:
    """Whether this reader must not learn the auditor's judgement from this moderation's row:
    the blind rule, for anyone who may moderate (whatever else they are), except on their own
    audit. A reader not known (None) is treated as a moderator."""
    if not moderation.auditor_grades_hidden():
        return False
    if user is None:
        return True
    return blind_applies_to(user) and moderation.audit.auditor_id != user.pk


def selection_reason(*, user: User | None, moderation: Moderation) -> SelectionReason:
    """Why the audit was chosen, as this reader may read it. The draw's rules name the
    auditor's judgement ("every Good judgement", "escalated", "often downgraded"), so while
    the grades are hidden from them the reason is neutral; QA leads who do not moderate read
    the real one. Pages and API both read it from here."""
    if grades_hidden_from(user=user, moderation=moderation):
        neutral = Moderation.Selection.SAMPLE
        return SelectionReason(neutral.value, neutral.label, NEUTRAL_NOTE)
    return SelectionReason(
        moderation.selection, moderation.get_selection_display(), moderation.selection_note
    )


def for_reader(rows, *, user: User | None):
    """Set `reason` (selection_reason) and `overall_hidden` on each row for the pages."""
    for row in rows:
        row.reason = selection_reason(user=user, moderation=row)
        row.overall_hidden = grades_hidden_from(user=user, moderation=row)
    return rows


def moderation_list_for_user(*, user: User, filters: Mapping | None = None) -> QuerySet[Moderation]:
    """The moderations the user may read, filtered by ModerationFilter fields (status,
    programme, month, service_area, moderator, mine, selection); DomainError if invalid."""
    rows = _moderation_rows(permissions.moderations_visible_to(user))
    return _filtered(ModerationFilter, filters, rows, user=user)


def moderation_queue(*, user: User, filters: Mapping | None = None) -> QuerySet[Moderation]:
    """Waiting and claimed moderations, oldest first, with `claimant` (the moderator's
    username, or None) and `waited` (how long since the audit joined the sample)."""
    open_ = permissions.moderations_visible_to(user).filter(
        status__in=(Moderation.Status.SAMPLED, Moderation.Status.CLAIMED)
    )
    rows = _moderation_rows(open_).annotate(
        claimant=F("moderator__username"),
        # The application's clock, which stamped created_at, not the database's: two clocks
        # a little apart would make a moderation sampled just now seem to have waited < 0.
        waited=ExpressionWrapper(
            Value(timezone.now(), output_field=DateTimeField()) - F("created_at"),
            output_field=DurationField(),
        ),
    )
    return _filtered(ModerationFilter, filters, rows.order_by("created_at", "pk"), user=user)


def moderation_detail_for_user(*, user: User, moderation_id: int) -> Moderation:
    """One moderation with its grades, the auditor's grades and the escalations; 404 if the
    user may not read it. Pass it to moderation_comparison for the side-by-side rows."""
    moderation = permissions.moderation_for_user(user=user, moderation_id=moderation_id)
    prefetch_related_objects(
        [moderation],
        Prefetch(
            "grades",
            queryset=ModeratedGrade.objects.select_related("domain").order_by("domain__position"),
        ),
        Prefetch(
            "audit__grades",
            queryset=DomainGrade.objects.select_related("domain").order_by("domain__position"),
        ),
        Prefetch("audit__escalations", queryset=Escalation.objects.order_by("-created_at", "-pk")),
        "acknowledged_by",
    )
    return moderation


@dataclass(frozen=True)
class Comparison:
    """The moderator's grade beside the auditor's; the auditor's is None while hidden."""

    code: str
    title: str
    grade: str
    rationale: str
    blind_grade: str
    revision_reason: str
    auditor_grade: str | None
    auditor_evidence: str | None
    outcome: str | None  # agreed / upgraded / downgraded / changed, None until both graded
    steps: int | None


def _outcome(before: str | None, after: str) -> tuple[str | None, int | None]:
    if not before or not after:
        return None, None
    return grade_shift(before, after)


def moderation_comparison(moderation: Moderation) -> list[Comparison]:
    """Domain by domain, from a moderation read by moderation_detail_for_user (no queries).

    While a blind moderation is unrevealed the auditor's grades and evidence are left out,
    for everyone, so that no page or endpoint can show them early.
    """
    hidden = moderation.auditor_grades_hidden()
    auditor = {g.domain_id: g for g in moderation.audit.grades.all()}
    rows = []
    for row in moderation.grades.all():
        theirs = None if hidden else auditor.get(row.domain_id)
        before = theirs.grade if theirs else None
        outcome, steps = _outcome(before, row.grade)
        rows.append(
            Comparison(
                code=row.domain.code,
                title=row.domain.title,
                grade=row.grade,
                rationale=row.rationale,
                blind_grade=row.blind_grade,
                revision_reason=row.revision_reason,
                auditor_grade=before,
                auditor_evidence=theirs.evidence if theirs else None,
                outcome=outcome,
                steps=steps,
            )
        )
    return rows


def moderation_overall_comparison(moderation: Moderation) -> dict:
    """The auditor's overall judgement and escalation beside the moderator's (None if hidden)."""
    if moderation.auditor_grades_hidden():
        return {"auditor_overall": None, "auditor_escalated": None, "outcome": None, "steps": None}
    outcome, steps = _outcome(moderation.audit.overall, moderation.overall)
    return {
        "auditor_overall": moderation.audit.overall,
        "auditor_escalated": moderation.audit.escalated,
        "outcome": outcome,
        "steps": steps,
    }


def moderation_escalation(moderation: Moderation) -> Escalation | None:
    """The escalation this moderation raised or confirmed, from the prefetched rows."""
    for escalation in moderation.audit.escalations.all():
        if moderation.pk in (escalation.moderation_id, escalation.confirmed_by_moderation_id):
            return escalation
    return None


def feedback_for_user(*, user: User) -> QuerySet[Moderation]:
    """Completed moderations of the user's own audits and of the audits of the people they
    line-manage, newest first."""
    mine = Q(audit__auditor=user) | Q(audit__auditor__line_manager=user)
    completed = permissions.moderations_visible_to(user).filter(
        mine, status=Moderation.Status.COMPLETED
    )
    return _moderation_rows(completed).order_by("-completed_at", "-pk")


# ---------------------------------------------------------------- escalations


def escalation_list_for_user(*, user: User, filters: Mapping | None = None) -> QuerySet[Escalation]:
    """Escalations the user may read, soonest due first, filtered by status, service_area
    or overdue; DomainError on invalid filters."""
    escalations = permissions.escalations_visible_to(user).select_related(
        "audit__case__team__service_area", "raised_by", "responded_by"
    )
    return _filtered(EscalationFilter, filters, escalations.order_by("due_date", "pk"))


# ---------------------------------------------------------------- samples


@dataclass
class ProgrammeSample:
    programme: Programme
    draw: SampleDraw | None  # the latest draw, if any
    moderations: list[Moderation]  # live: waiting, claimed or completed, with their reasons
    areas: list[dict]  # service_area, service_area_name, returned, sampled
    waiting: int = 0  # returned since the latest draw and not in the sample (the next draw's)


def programme_sample(*, programme: Programme) -> ProgrammeSample:
    """A programme's live sample with the reason for each pick, and returned against sampled
    audits per service area (counted by the database)."""
    moderations = _moderation_rows(
        Moderation.objects.filter(audit__programme=programme, status__in=Moderation.LIVE_STATUSES)
    ).order_by("audit__case__team__service_area__name", "audit__case__reference", "pk")
    area = "case__team__service_area"
    areas = (
        Audit.objects.filter(programme=programme, status=Audit.Status.SUBMITTED)
        .values(service_area=F(f"{area}_id"), service_area_name=F(f"{area}__name"))
        .annotate(
            returned=Count("pk", distinct=True),
            sampled=Count(
                "moderations",
                filter=Q(moderations__status__in=Moderation.LIVE_STATUSES),
                distinct=True,
            ),
        )
        .order_by("service_area_name", "service_area")
    )
    draw = programme.draws.select_related("drawn_by").first()
    waiting = 0
    if draw is not None:
        live = Moderation.objects.filter(audit=OuterRef("pk"), status__in=Moderation.LIVE_STATUSES)
        waiting = (
            Audit.objects.filter(
                programme=programme,
                status=Audit.Status.SUBMITTED,
                submitted_at__gt=draw.drawn_at,
            )
            .exclude(Exists(live))
            .count()
        )
    return ProgrammeSample(
        programme=programme,
        draw=draw,
        moderations=list(moderations),
        areas=list(areas),
        waiting=waiting,
    )


def programme_submitted_audit(*, programme: Programme, reference: str) -> Audit | None:
    """The programme's submitted audit of the case with this reference (the sample page's
    'add by case reference'), or None."""
    return (
        Audit.objects.filter(
            programme=programme,
            status=Audit.Status.SUBMITTED,
            case__reference__iexact=reference.strip(),
        )
        .select_related("case")
        .first()
    )


def rework_request(*, audit: Audit) -> Moderation | None:
    """The moderation that returned the audit's previous revision, for the rework comment."""
    if not audit.revision_of_id:
        return None
    return (
        Moderation.objects.filter(audit_id=audit.revision_of_id, status=Moderation.Status.RETURNED)
        .select_related("moderator")
        .order_by("-pk")
        .first()
    )


# ---------------------------------------------------------------- the QA lead's overviews


def feedback_unacknowledged(
    *, team: Team | None = None, person: User | None = None
) -> QuerySet[Moderation]:
    """Completed moderations whose auditor has not acknowledged the feedback, waiting longest
    first: who gave it (moderator), to whom (the audit's auditor), since when, which audit.
    `team` is the auditor's team; `person` either the auditor or the moderator."""
    waiting = Moderation.objects.filter(
        status=Moderation.Status.COMPLETED, acknowledged_at__isnull=True
    ).select_related("audit__case", "audit__auditor__team", "moderator")
    if team is not None:
        waiting = waiting.filter(audit__auditor__team=team)
    if person is not None:
        waiting = waiting.filter(Q(audit__auditor=person) | Q(moderator=person))
    return waiting.order_by("completed_at", "pk")
