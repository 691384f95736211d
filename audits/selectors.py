"""Every read of audits, cases, tools and programmes. Pages and API call these.

What a user may see is decided in permissions.py; these functions start from its querysets,
apply a FilterSet and load related rows up front so that a list costs the same number of
queries however long it is.

Invalid filters raise DomainError with a message per field (400 in the API). A page that
wants to show the filter form with its errors uses audit_filter_for_user instead.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import django_filters
from django.db.models import Case as DbCase
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404

from audits.filters import (
    ActionFilter,
    AuditFilter,
    CaseFilter,
    ProgrammeFilter,
    TeamFilter,
    action_overdue,
)
from core import permissions
from core.errors import DomainError
from core.models import (
    Action,
    Audit,
    AuditRead,
    AuditTool,
    Case,
    Domain,
    DomainGrade,
    Programme,
    Role,
    ServiceArea,
    Team,
    User,
)
from moderation import access
from moderation.models import Escalation, Moderation
from moderation.permissions import escalations_visible_to


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


def _audit_rows(audits: QuerySet[Audit]) -> QuerySet[Audit]:
    # Newest month first, then newest recorded: the unique pk keeps pages from overlapping,
    # and (month, overall, id) serves a report drill-down's first page without a sort.
    return audits.select_related("case__team__service_area", "auditor", "tool").order_by(
        "-month", "-pk"
    )


def _with_moderator_escalation(audits: QuerySet[Audit], user: User) -> QuerySet[Audit]:
    """Each audit with `moderator_escalated`: a moderator raised an escalation on it that
    this user may read (with its moderation: escalations_visible_to), for the list's tag."""
    raised = escalations_visible_to(user).filter(
        audit=OuterRef("pk"), raised_by_role=Escalation.RaisedBy.MODERATOR
    )
    return audits.annotate(moderator_escalated=Exists(raised))


def audit_filter_for_user(*, user: User, data: Mapping | None) -> AuditFilter:
    """A bound AuditFilter over the audits the user may read: render `.form`, list `.qs`.

    With invalid input, `.qs` applies only the valid filters and `.form.errors` says why.
    """
    rows = _with_moderator_escalation(_audit_rows(access.audits_visible_to(user)), user)
    return AuditFilter(data=data or None, queryset=rows, user=user)


def audit_list_for_user(*, user: User, filters: Mapping | None = None) -> QuerySet[Audit]:
    """The audits the user may read, filtered by AuditFilter fields (month_from, month_to,
    service_area, team, tool, auditor, status, overall); DomainError on invalid filters."""
    rows = _audit_rows(access.audits_visible_to(user))
    return _filtered(AuditFilter, filters, rows, user=user)


def audit_detail_for_user(*, user: User, audit_id: int) -> Audit:
    """One audit with its grades (in domain order) and actions; 404 if the user may not read it."""
    audit = access.audit_for_user(user=user, audit_id=audit_id)
    prefetch_related_objects(
        [audit],
        Prefetch(
            "grades",
            queryset=DomainGrade.objects.select_related("domain").order_by("domain__position"),
        ),
        Prefetch(
            "actions",
            queryset=Action.objects.select_related("owner_person").order_by("due_date", "pk"),
        ),
    )
    return audit


def tool_list(*, user: User) -> QuerySet[AuditTool]:
    """Every tool version the user may read, with its domains in order."""
    domains = Domain.objects.order_by("position").prefetch_related("continues")
    tools = permissions.tools_visible_to(user)
    return tools.prefetch_related(Prefetch("domains", queryset=domains)).order_by(
        "code", "-version"
    )


def tool_detail(*, user: User, tool_id: int) -> AuditTool:
    tool = tool_list(user=user).filter(pk=tool_id).first()
    if tool is None:
        raise Http404("No such tool.")
    return tool


def tool_latest(*, code: str, version: int | None = None) -> AuditTool | None:
    """The newest published version of the tool with this code (or that version, if it is
    published): drafts are for the QA lead setting them up, never for programmes or audits."""
    tools = AuditTool.objects.published().filter(code=code)
    if version is not None:
        tools = tools.filter(version=version)
    return tools.order_by("-version").first()


def tool_latest_any(*, code: str) -> AuditTool | None:
    """The newest version of the tool, draft or published (the QA lead's tool pages)."""
    return AuditTool.objects.filter(code=code).order_by("-version").first()


def tool_versions(*, user: User) -> list[dict]:
    """The tools the user may read, each code with its versions, newest first, and whether a
    new version can be started (its newest is published)."""
    tools = (
        permissions.tools_visible_to(user)
        .annotate(domain_count=Count("domains", distinct=True))
        .annotate(programme_count=Count("programmes", distinct=True))
        .order_by("name", "code", "-version")
    )
    grouped: dict[str, dict] = {}
    for tool in tools:
        entry = grouped.setdefault(tool.code, {"code": tool.code, "versions": []})
        entry["versions"].append(tool)
    return list(grouped.values())


def programme_tool_choices() -> QuerySet[AuditTool]:
    """What a programme may use: every published version, newest first within each tool."""
    return AuditTool.objects.published().order_by("name", "code", "-version")


def service_area_list() -> QuerySet[ServiceArea]:
    return ServiceArea.objects.order_by("name", "pk")


def team_list(*, filters: Mapping | None = None) -> QuerySet[Team]:
    teams = Team.objects.select_related("service_area").order_by("service_area__name", "name")
    return _filtered(TeamFilter, filters, teams)


def team_get(*, team_id: int) -> Team | None:
    return Team.objects.select_related("service_area").filter(pk=team_id).first()


def case_list_for_user(*, user: User, filters: Mapping | None = None) -> QuerySet[Case]:
    """Cases the user may read, filtered by team, service_area, case_type or reference."""
    cases = permissions.cases_visible_to(user).select_related("team__service_area")
    return _filtered(CaseFilter, filters, cases.order_by("reference"))


def case_by_reference_for_user(*, user: User, reference: str) -> Case | None:
    """The case with this reference if the user may read it; None keeps others' cases unknown."""
    return (
        permissions.cases_visible_to(user)
        .select_related("team__service_area")
        .filter(reference__iexact=reference.strip())
        .first()
    )


def auditor_by_username(*, username: str) -> User | None:
    """A user holding the auditor role."""
    return User.objects.filter(username=username, groups__name=Role.AUDITOR).first()


def programme_list(*, filters: Mapping | None = None) -> QuerySet[Programme]:
    """Programmes, filtered by month (YYYY-MM) and tool code."""
    programmes = Programme.objects.select_related("tool").order_by("-month", "tool__code", "pk")
    return _filtered(ProgrammeFilter, filters, programmes)


def programme_get(*, programme_id: int) -> Programme | None:
    return Programme.objects.select_related("tool").filter(pk=programme_id).first()


# Open ones first, soonest due (so the overdue) at the top; then done ones, the most recently
# completed first. The unique pk last keeps pages from overlapping.
ACTION_ORDER = (
    DbCase(When(status=Action.Status.DONE, then=Value(1)), default=Value(0)).asc(),
    DbCase(When(status=Action.Status.OPEN, then=F("due_date"))).asc(),
    F("completed_at").desc(nulls_last=True),
    F("due_date").asc(),
    F("pk").asc(),
)


def _action_rows(user: User) -> QuerySet[Action]:
    actions = Action.objects.filter(audit__in=access.audits_visible_to(user))
    return actions.select_related("audit__case__team__service_area", "owner_person").order_by(
        *ACTION_ORDER
    )


def action_filter_for_user(*, user: User, data: Mapping | None) -> ActionFilter:
    """A bound ActionFilter over the actions the user may read (no data: every one). Check
    `.is_valid()`, then list `.qs`; `.form` shows the filters and their errors."""
    # django-filter binds any mapping (QueryDict or a test's dict); its stubs name only those two.
    return ActionFilter(data=data or {}, queryset=_action_rows(user))  # type: ignore[arg-type]


def action_list_for_user(*, user: User, filters: Mapping | None = None) -> QuerySet[Action]:
    """Actions on audits the user may read, filtered by ActionFilter fields (audit, status,
    overdue, service_area, team, owner, month, due_before); DomainError on invalid filters.
    Open first by due date, then done, the latest completed first."""
    return _filtered(ActionFilter, filters, _action_rows(user))


def action_counts(*, actions: QuerySet[Action]) -> dict[str, int]:
    """Open (of which overdue, as of today) and done among these actions, in one query."""
    return actions.aggregate(
        open=Count("pk", filter=Q(status=Action.Status.OPEN)),
        overdue=Count("pk", filter=action_overdue()),
        done=Count("pk", filter=Q(status=Action.Status.DONE)),
    )


def audits_of_auditor(*, user: User) -> QuerySet[Audit]:
    """The user's own audits for "My audits": soonest due first, then the latest submitted."""
    return (
        Audit.objects.filter(auditor=user)
        .select_related("case__team__service_area", "tool")
        .order_by("due_date", "-month", "pk")
    )


# ---------------------------------------------------------------- programme pages


def percent(part: int, whole: int) -> str | None:
    """'85.5' for 47 of 55, to one decimal place (half up); None when nothing was expected."""
    if not whole:
        return None
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return str(value)


def unassigned_open(prefix: str = "") -> Q:
    """Open audits (reached through `prefix`) that nobody holds."""
    return Q(**{f"{prefix}auditor__isnull": True, f"{prefix}status__in": Audit.EDITABLE_STATUSES})


@dataclass(frozen=True)
class ProgrammeCompliance:
    """A programme with its audits assigned, returned (submitted) and returned of its target."""

    programme: Programme
    assigned: int
    returned: int
    percent_returned: str | None  # "85.5": one decimal place, half up
    unassigned: int = 0  # open audits nobody holds: they need an owner


def programme_list_with_compliance() -> list[ProgrammeCompliance]:
    """Every programme with `assigned`, `returned` (submitted), `percent_returned` and
    `unassigned` (open audits nobody holds)."""
    programmes = (
        Programme.objects.select_related("tool")
        .annotate(
            assigned=Count("audits"),
            returned=Count("audits", filter=Q(audits__status=Audit.Status.SUBMITTED)),
            unassigned=Count("audits", filter=unassigned_open("audits__")),
        )
        .order_by("-month", "tool__code", "pk")
    )
    return [
        ProgrammeCompliance(
            programme=programme,
            assigned=programme.assigned,
            returned=programme.returned,
            percent_returned=percent(programme.returned, programme.audit_target),
            unassigned=programme.unassigned,
        )
        for programme in programmes
    ]


def programme_compliance(*, programme: Programme) -> dict:
    """Audits assigned and returned against the target, and those nobody holds (an unassigned
    audit is still expected: not returned), for the programme's page."""
    counts = Audit.objects.filter(programme=programme).aggregate(
        assigned=Count("pk"),
        returned=Count("pk", filter=Q(status=Audit.Status.SUBMITTED)),
        unassigned=Count("pk", filter=unassigned_open()),
    )
    counts["target"] = programme.audit_target
    counts["percent_returned"] = percent(counts["returned"], programme.audit_target)
    return counts


def programme_assignments(*, programme: Programme, visible: QuerySet[Audit]) -> QuerySet[Audit]:
    """The programme's audits among those the user may read, by case reference."""
    return (
        visible.filter(programme=programme)
        .select_related("case__team__service_area", "auditor")
        .order_by("case__reference", "pk")
    )


def auditor_choices() -> QuerySet[User]:
    """Active users with the auditor role, for the QA lead's assignment form."""
    return (
        User.objects.filter(is_active=True, groups__name=Role.AUDITOR)
        .select_related("team")
        .distinct()
        .order_by("username")
    )


def case_reads(*, reference: str) -> tuple[Case | None, QuerySet]:
    """Who read the audits of a case, newest first: for subject access and investigations."""
    case = Case.objects.filter(reference__iexact=reference.strip()).first()
    if case is None:
        return None, AuditRead.objects.none()
    reads = AuditRead.objects.filter(case=case).select_related("user", "audit")
    return case, reads.order_by("-read_at", "-pk")


# ---------------------------------------------------------------- reassigning work


def person_name(user: User | None) -> str:
    """How people are named on pages: their name, the username only when no name is known."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


def people_with_open_work() -> QuerySet[User]:
    """Everyone, active or not (someone who left still holds their work), with open audits or
    moderations they claimed: whose work a QA lead may move."""
    open_audits = Audit.objects.filter(auditor=OuterRef("pk"), status__in=Audit.EDITABLE_STATUSES)
    claimed = Moderation.objects.filter(moderator=OuterRef("pk"), status=Moderation.Status.CLAIMED)
    return User.objects.filter(Exists(open_audits) | Exists(claimed)).order_by(
        "first_name", "last_name", "username"
    )


def unassigned_open_audits() -> QuerySet[Audit]:
    """Open audits nobody holds (a QA lead took them off their auditor): they need an owner."""
    return Audit.objects.filter(unassigned_open())


def open_audits_for_reassign(
    *, auditor: User | None, audit_ids: list[int], unassigned: bool = False
) -> QuerySet[Audit]:
    """The audits a QA lead may move: a person's open ones, the unassigned ones, or those
    chosen by id."""
    audits = Audit.objects.select_related("case", "auditor", "programme").order_by(
        "due_date", "case__reference", "pk"
    )
    if auditor is not None:
        return audits.filter(auditor=auditor, status__in=Audit.EDITABLE_STATUSES)
    if unassigned:
        return audits.filter(pk__in=unassigned_open_audits())
    return audits.filter(pk__in=audit_ids)


def open_moderations_for_reassign(
    *, moderator: User | None, moderation_ids: list[int]
) -> QuerySet[Moderation]:
    """The moderations a QA lead may move: a person's claimed ones, or those chosen by id."""
    moderations = Moderation.objects.select_related("audit__case", "audit__auditor", "moderator")
    if moderator is not None:
        moderations = moderations.filter(moderator=moderator, status=Moderation.Status.CLAIMED)
    else:
        moderations = moderations.filter(pk__in=moderation_ids)
    return moderations.order_by("audit__case__reference", "pk")


def staff_with_role(role: str) -> QuerySet[User]:
    """Active people holding a role, by name: who may be given work."""
    return (
        User.objects.filter(is_active=True, groups__name=role)
        .select_related("team")
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def person_reads(
    *, person: User, since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[AuditRead]:
    """Everything a person read or exported, newest first, between two dates (both included):
    the other half of the access log, for investigations."""
    reads = AuditRead.objects.filter(user=person).select_related("audit", "case")
    if since is not None:
        reads = reads.filter(read_at__date__gte=since)
    if until is not None:
        reads = reads.filter(read_at__date__lte=until)
    return reads.order_by("-read_at", "-pk")


def active_staff() -> QuerySet[User]:
    """Everyone active with a role, by name: who may own an action."""
    return (
        User.objects.filter(is_active=True, groups__isnull=False)
        .select_related("team")
        .order_by("first_name", "last_name", "username")
        .distinct()
    )
