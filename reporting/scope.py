"""Which audits a report counts, written once: ReportScope (the month and filters, and the
reader blind moderation hides audits from) and the one way it becomes a condition, on the raw
tables (ReportScope.audits) and on the summary (ReportScope.summary, and summary_rows which
picks the teams' rows or the authority's totals)."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from django.db.models import Count, F, Q, QuerySet

from core.errors import DomainError
from core.models import Audit, DomainGrade, User
from core.months import months_before
from moderation.blind import blind_applies_to, blind_hidden_from_moderator
from moderation.models import Moderation
from reporting.filters import ReportFilter
from reporting.models import ReportSummary, ReportSummaryTotal
from reporting.permissions import reports_limited_to_team


@dataclass(frozen=True)
class ReportScope:
    """Which audits a report counts: the month and the filters (ids and a tool code)."""

    month: dt.date
    service_area_ids: tuple[int, ...] | None = None  # None: every area
    team_id: int | None = None
    tool_code: str | None = None
    # A person who may moderate reads no blind-pending audit (core.permissions, the blind
    # rule): their reports leave those audits out, as their audit lists do.
    blind_moderator_id: int | None = None
    # A team manager's report (reporting.permissions.reports_limited_to_team): its moderation
    # figures count only the moderations they may read, of their own audits and of those of
    # the people they line-manage (moderation.permissions.moderations_visible_to), as their
    # audit list's moderation filters do; a colleague's moderation outcome stays theirs.
    team_manager_id: int | None = None

    @property
    def authority_wide(self) -> bool:
        """Programme targets apply only to the whole authority."""
        return self.service_area_ids is None and self.team_id is None

    @property
    def previous_month(self) -> dt.date:
        return months_before(self.month, 1)

    def filters_out(self) -> dict:
        """The filters as a report's JSON states them (ids; None for "every")."""
        return {
            "service_areas": list(self.service_area_ids)
            if self.service_area_ids is not None
            else None,
            "team": self.team_id,
            "tool": self.tool_code or None,
            "team_manager": self.team_manager_id is not None,
        }

    def audits(self, prefix: str = "") -> Q:
        """The filters (not the month) as a condition on Audit, reached through `prefix`."""
        condition = Q()
        if self.service_area_ids is not None:
            condition &= Q(**{f"{prefix}case__team__service_area__in": self.service_area_ids})
        if self.team_id is not None:
            condition &= Q(**{f"{prefix}case__team": self.team_id})
        if self.tool_code:
            condition &= Q(**{f"{prefix}tool__code": self.tool_code})
        hidden = self.hidden(prefix)
        if hidden is not None:
            condition &= ~hidden
        return condition

    def moderations_readable(self, prefix: str = "") -> Q:
        """The audits (through `prefix`) whose moderation this report counts: every one,
        or for a team manager those of their own audits and of the people they manage."""
        if self.team_manager_id is None:
            return Q()
        return Q(**{f"{prefix}auditor_id": self.team_manager_id}) | Q(
            **{f"{prefix}auditor__line_manager_id": self.team_manager_id}
        )

    def summary(self) -> Q:
        """The same filters as a condition on the summary (reporting.models.ReportSummary).

        Blind moderation is not a condition here: the summary has no audits to leave out,
        so a hidden audit's rows are taken off afterwards (blind_summary_rows, net_rows).
        """
        condition = Q()
        if self.service_area_ids is not None:
            condition &= Q(team__service_area__in=self.service_area_ids)
        if self.team_id is not None:
            condition &= Q(team=self.team_id)
        if self.tool_code:
            condition &= Q(tool_code=self.tool_code)
        return condition

    def summary_rows(self) -> QuerySet:
        """The summary's rows in scope (months not filtered): with no service area or team
        asked for, the authority's totals (ReportSummaryTotal, the same counts added up over
        teams: far fewer rows); otherwise the teams' rows (ReportSummary) in scope."""
        if self.authority_wide:
            return ReportSummaryTotal.objects.filter(self.summary()).order_by()
        return ReportSummary.objects.filter(self.summary()).order_by()

    def hidden(self, prefix: str = "") -> Q | None:
        """The audits this scope leaves out because of blind moderation, or None."""
        if self.blind_moderator_id is None:
            return None
        return blind_hidden_from_moderator(self.blind_moderator_id, prefix)

    def without_hidden(self) -> "ReportScope":
        """The same filters with nothing left out: where the hidden audits are."""
        return replace(self, blind_moderator_id=None)


def report_filters(filters: Mapping | None) -> dict:
    """The cleaned filters (month, service_area, team, tool); DomainError per invalid field."""
    # Any mapping works: a page's QueryDict, the API's query, a command's dict.
    filterset = ReportFilter(data=filters or {}, queryset=Audit.objects.none())  # type: ignore[arg-type]
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        raise DomainError("Some filters are not valid.", field_errors=errors)
    return filterset.form.cleaned_data


def report_scope(
    *, cleaned: Mapping, areas: tuple[int, ...] | None, user: User | None = None
) -> ReportScope:
    """The scope of cleaned filters, within `areas` (a viewer's limit; None: every area),
    leaving out the audits blind moderation hides from `user` (None: a report for no one
    in particular, such as a published snapshot); a team manager's is their own team's."""
    area, team = cleaned.get("service_area"), cleaned.get("team")
    team_id = team.pk if team is not None else None
    team_manager = user is not None and reports_limited_to_team(user)
    if team_manager:
        assert user is not None
        team_id = user.team_id  # their own team, whatever was asked (refused if another)
    return ReportScope(
        month=cleaned["month"],
        service_area_ids=(area.pk,) if area is not None else areas,
        team_id=team_id,
        tool_code=cleaned.get("tool") or None,
        blind_moderator_id=user.pk if user is not None and blind_applies_to(user) else None,
        team_manager_id=user.pk if team_manager and user is not None else None,
    )


def blind_left_out(scope: ReportScope, months: list[dt.date]) -> int:
    """How many audits of `months` in scope the report leaves out for blind moderation."""
    hidden = scope.hidden()
    if hidden is None:
        return 0
    return (
        Audit.objects.filter(scope.without_hidden().audits(), hidden, month__in=months)
        .order_by()
        .count()
    )


def blind_summary_rows(scope: ReportScope, months: list[dt.date]) -> list[dict]:
    """What the hidden audits add to the summary (reporting.models.ReportSummary's shape),
    with n negated, so that adding these rows to the summary's leaves them out (two
    queries, for a moderator's report only; none otherwise).

    Only submitted audits are in the summary. A hidden audit's moderation is open, never
    completed, so none of these rows has a moderated grade.
    """
    hidden = scope.hidden()
    if hidden is None:
        return []
    audits = Audit.objects.filter(
        scope.without_hidden().audits(), hidden, month__in=months, status=Audit.Status.SUBMITTED
    ).order_by()
    overall = audits.values("month", "overall", "escalated", team_id=F("case__team")).annotate(
        n=Count("pk")
    )
    domains = (
        DomainGrade.objects.filter(audit__in=audits.values("pk"))
        .order_by()
        .values("domain_id", "grade", month=F("audit__month"), team_id=F("audit__case__team"))
        .annotate(n=Count("pk"))
    )
    rows = [
        {
            "month": r["month"],
            "team_id": r["team_id"],
            "domain_id": None,
            "grade": r["overall"],
            "escalated": r["escalated"],
            "n": -r["n"],
        }
        for r in overall
    ]
    rows += [
        {
            "month": r["month"],
            "team_id": r["team_id"],
            "domain_id": r["domain_id"],
            "grade": r["grade"],
            "escalated": False,
            "n": -r["n"],
        }
        for r in domains
    ]
    for row in rows:
        row.update(moderated_grade=None, moderated_escalated=None)
    return rows


def net_rows(rows: Iterable[dict], negatives: list[dict], keys: tuple[str, ...]) -> list[dict]:
    """Summary rows grouped by `keys` with the negative rows taken off; rows left at 0 go."""
    if not negatives:
        return list(rows)
    totals: Counter[tuple] = Counter()
    for row in [*rows, *negatives]:
        totals[tuple(row[k] for k in keys)] += row["n"]
    return [dict(zip(keys, key, strict=True), n=n) for key, n in totals.items() if n]


def unreadable_moderated_rows(scope: ReportScope, months: list[dt.date]) -> list[tuple]:
    """A team manager's report reads the summary, which holds every moderated grade: what the
    moderations they may not read add to its moderated side, as (after, month, domain_id,
    grade, n) rows with n negated, so that adding them leaves those moderations out (two
    queries, for a team manager's report only; none otherwise). The auditor's side stays:
    their team's submitted audits are theirs to read."""
    if scope.team_manager_id is None:
        return []
    audits = Audit.objects.filter(
        scope.audits(),
        ~scope.moderations_readable(),
        month__in=months,
        status=Audit.Status.SUBMITTED,
        moderations__status=Moderation.Status.COMPLETED,
    ).order_by()
    overall = audits.values("month", grade=F("moderations__overall")).annotate(n=Count("pk"))
    # The summary's domain rows pair the auditor's grade with the moderator's for the same
    # domain; the trend counts a pair when both are graded (reporting.selectors.trend).
    domains = (
        DomainGrade.objects.filter(
            audit__in=audits.values("pk"),
            audit__moderations__status=Moderation.Status.COMPLETED,
            audit__moderations__grades__domain=F("domain"),
        )
        .exclude(grade="")
        .order_by()
        .values(
            "domain_id",
            month=F("audit__month"),
            moderated=F("audit__moderations__grades__grade"),
        )
        .annotate(n=Count("pk"))
    )
    rows = [(True, r["month"], None, r["grade"], -r["n"]) for r in overall]
    rows += [
        (True, r["month"], r["domain_id"], r["moderated"], -r["n"])
        for r in domains
        if r["moderated"]
    ]
    return rows
