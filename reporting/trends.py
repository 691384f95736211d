"""Trends, auditor calibration and re-audits: reads over a range of months.

Every figure means what reporting/selectors.py says it means for one month; these add:

Range
    month_from .. month_to (YYYY-MM, inclusive), at most MAX_MONTHS months. By default the
    12 months ending with `month` (or with the current month). The filters service_area,
    team and tool and the access rules are the monthly report's.

Trends (reporting.models.ReportSummary, kept up to date by reporting.summary)
    Per month: returned audits and their overall judgements before moderation; moderated
    audits and the moderator's judgements after; the KPI "% rated RI or better" before and
    after; per domain (under the newest version's code, as in the monthly report) the
    auditor's grades over every returned audit (`all`, N/A a column) and the moderator's over
    the moderated pairs (`moderated_after`). A month without a programme (of the tool, if
    filtered) is a gap: `has_programme` false and every figure null, never zeros.
    Quarters are UK local-government financial-year quarters: Q1 April-June, Q2 July-
    September, Q3 October-December, Q4 January-March; "2019-20 Q4" is January-March 2020.
    A quarter adds up its months with a programme (inside the range: `complete` is false
    when the range cuts it); `ri_or_better_change` is the change in percentage points from
    the quarter before it in the list.

Calibration (QA leads only; raw tables)
    Over the moderated audits (returned, moderation completed) of the range, per auditor and
    per team (the audited case's team): moderated, agreed and agreement_pct on the overall
    judgement; mean_shift, the mean of (moderator's grade - auditor's grade) in steps of
    O > G > RI > I (positive: the moderator graded higher), 2 places half up; upgraded and
    downgraded counts; domain_pairs / domain_agreed / domain_agreement_pct over the domain
    grade pairs (N/A included, blanks left out, as in the monthly report).

Re-audits
    The cohort: submitted audits with re_audit_of set whose month is in the range (and in
    scope). For each, the first audit's overall judgement against the re-audit's: the
    transition matrix, improved (the re-audit's grade is better), same, worse, and per domain
    the same over the domains both audits graded (matched through Domain.maps_to);
    `not_comparable` counts pairs with N/A on one side only.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from core.errors import DomainError
from core.filters import MonthFilter
from core.grades import RI_OR_BETTER, percent, steps
from core.models import Audit, DomainGrade, Programme, User
from core.months import (
    FIRST_MONTH,
    financial_quarter,
    format_month,
    month_range,
    months_before,
    quarter_label,
)
from core.tools import canonical_domains, domain_catalogue
from moderation.models import Moderation
from reporting import permissions
from reporting.filters import ReportFilter
from reporting.models import ReportSummary
from reporting.scope import (
    ReportScope,
    blind_left_out,
    blind_summary_rows,
    net_rows,
    report_scope,
    summary_scope,
)
from reporting.selectors import DOMAIN_COLUMNS, GRADES, comparison, distribution

MAX_MONTHS = 60
DEFAULT_MONTHS = 12


class RangeReportFilter(ReportFilter):
    """The report's filters with a range of months instead of one month."""

    month = MonthFilter(
        field_name="month", required=False, help_text="The last month of the default range."
    )
    month_from = MonthFilter(field_name="month", lookup_expr="gte", help_text="YYYY-MM")
    month_to = MonthFilter(field_name="month", lookup_expr="lte", help_text="YYYY-MM")


def range_filters(filters: Mapping | None) -> dict:
    """Cleaned range filters with month_from and month_to filled in; DomainError if invalid."""
    filterset = RangeReportFilter(data=filters or {}, queryset=Audit.objects.none())
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        raise DomainError("Some filters are not valid.", field_errors=errors)
    cleaned = dict(filterset.form.cleaned_data)
    last = cleaned.get("month_to") or cleaned.get("month") or timezone.localdate().replace(day=1)
    first = cleaned.get("month_from") or max(months_before(last, DEFAULT_MONTHS - 1), FIRST_MONTH)
    if first > last:
        raise DomainError(
            "Some filters are not valid.",
            field_errors={"month_from": ["The first month must not be after the last month."]},
        )
    if len(month_range(first, last)) > MAX_MONTHS:
        raise DomainError(
            "Some filters are not valid.",
            field_errors={"month_from": [f"Choose a range of at most {MAX_MONTHS} months."]},
        )
    cleaned.update(month_from=first, month_to=last, month=last)
    return cleaned


def _scope_for_user(user: User, filters: Mapping | None) -> tuple[ReportScope, list[dt.date]]:
    cleaned = range_filters(filters)
    areas = permissions.report_areas_for_user(
        user=user, service_area=cleaned.get("service_area"), team=cleaned.get("team")
    )
    scope = report_scope(cleaned=cleaned, areas=areas, user=user)
    return scope, month_range(cleaned["month_from"], cleaned["month_to"])


def _filters_out(scope: ReportScope, months: list[dt.date]) -> dict:
    return {
        "month_from": format_month(months[0]),
        "month_to": format_month(months[-1]),
        "filters": {**scope.filters_out(), "blind_left_out": blind_left_out(scope, months)},
    }


# ---------------------------------------------------------------- the summary


# ---------------------------------------------------------------- trends


class _Tally:
    """The counts of one month or quarter, folded from the summary's grouped rows."""

    def __init__(self):
        self.before: Counter[str] = Counter()
        self.after: Counter[str] = Counter()
        self.returned = self.moderated = 0
        self.domain_all: dict[int, Counter[str]] = defaultdict(Counter)
        self.domain_after: dict[int, Counter[str]] = defaultdict(Counter)

    def add(self, row: dict, key: int | None) -> None:
        n, grade, moderated = row["n"], row["grade"], row["moderated_grade"]
        if key is None:
            self.returned += n
            self.before[grade] += n
            if moderated is not None:
                self.moderated += n
                self.after[moderated] += n
            return
        if grade:
            self.domain_all[key][grade] += n
            if moderated:
                self.domain_after[key][moderated] += n

    def block(self, domains: list[dict]) -> dict:
        better = sum(self.before[g] for g in RI_OR_BETTER)
        better_after = sum(self.after[g] for g in RI_OR_BETTER)
        return {
            "audits": self.returned,
            "moderated": self.moderated,
            "before": distribution(self.before, GRADES, self.returned),
            "after": distribution(self.after, GRADES, self.moderated),
            "kpi": {
                "ri_or_better_pct": percent(better, self.returned),
                "ri_or_better_pct_after_moderation": percent(better_after, self.moderated),
            },
            "domains": [
                {
                    "code": d["code"],
                    "title": d["title"],
                    "tool": d["tool__code"],
                    "audits": sum(self.domain_all[d["pk"]].values()),
                    "all": distribution(
                        self.domain_all[d["pk"]],
                        DOMAIN_COLUMNS,
                        sum(self.domain_all[d["pk"]].values()),
                    ),
                    "moderated": sum(self.domain_after[d["pk"]].values()),
                    "moderated_after": distribution(
                        self.domain_after[d["pk"]],
                        DOMAIN_COLUMNS,
                        sum(self.domain_after[d["pk"]].values()),
                    ),
                }
                for d in domains
            ],
        }


GAP = {
    "audits": None,
    "moderated": None,
    "before": None,
    "after": None,
    "kpi": {"ri_or_better_pct": None, "ri_or_better_pct_after_moderation": None},
    "domains": None,
}


def trend(*, scope: ReportScope, months: list[dt.date]) -> dict:
    """Month-by-month and quarter-by-quarter figures over `months` (three queries)."""
    programmes = Programme.objects.filter(month__in=months)
    if scope.tool_code:
        programmes = programmes.filter(tool__code=scope.tool_code)
    programme_rows = list(programmes.order_by().values("month", "tool_id"))
    with_programme = {row["month"] for row in programme_rows}
    columns = ("month", "domain_id", "grade", "moderated_grade")
    rows = net_rows(
        ReportSummary.objects.filter(summary_scope(scope), month__in=months)
        .order_by()
        .values(*columns)
        .annotate(n=Sum("n")),
        blind_summary_rows(scope, months),
        columns,
    )
    catalogue = domain_catalogue()
    canonical = canonical_domains(catalogue)
    wanted = {row["tool_id"] for row in programme_rows}
    keys = {canonical[pk]["pk"] for pk, row in catalogue.items() if row["tool_id"] in wanted}
    keys |= {canonical[r["domain_id"]]["pk"] for r in rows if r["domain_id"] is not None}
    domains = sorted((catalogue[k] for k in keys), key=lambda d: (d["tool__code"], d["position"]))

    by_month: dict[dt.date, _Tally] = defaultdict(_Tally)
    by_quarter: dict[tuple[int, int], _Tally] = defaultdict(_Tally)
    for row in rows:
        if row["month"] not in with_programme:
            continue  # a gap month: its stray audits are not a month of figures
        key = None if row["domain_id"] is None else canonical[row["domain_id"]]["pk"]
        by_month[row["month"]].add(row, key)
        by_quarter[financial_quarter(row["month"])].add(row, key)

    month_blocks = []
    for month in months:
        has = month in with_programme
        block = by_month[month].block(domains) if has else GAP
        month_blocks.append({"month": format_month(month), "has_programme": has, **block})

    quarter_months: dict[tuple[int, int], list[dt.date]] = defaultdict(list)
    for month in months:
        quarter_months[financial_quarter(month)].append(month)
    quarters, previous_kpi = [], None
    for key in sorted(quarter_months):
        inside = quarter_months[key]
        programme_months = [m for m in inside if m in with_programme]
        block = by_quarter[key].block(domains) if programme_months else GAP
        kpi = block["kpi"]["ri_or_better_pct"]
        change = None
        if kpi is not None and previous_kpi is not None:
            change = float(
                (Decimal(str(kpi)) - Decimal(str(previous_kpi))).quantize(Decimal("0.1"))
            )
        quarters.append(
            {
                "quarter": quarter_label(*key),
                "months": [format_month(m) for m in inside],
                "complete": len(inside) == 3,
                "has_programme": bool(programme_months),
                "months_with_programme": len(programme_months),
                "ri_or_better_change": change,
                **block,
            }
        )
        previous_kpi = kpi
    return {
        "domains": [
            {"code": d["code"], "title": d["title"], "tool": d["tool__code"]} for d in domains
        ],
        "months": month_blocks,
        "quarters": quarters,
    }


def trend_for_user(*, user: User, filters: Mapping | None) -> dict:
    """The trend the user may read: 400 on invalid filters, 403 outside their areas."""
    scope, months = _scope_for_user(user, filters)
    return {**_filters_out(scope, months), **trend(scope=scope, months=months)}


# ---------------------------------------------------------------- calibration


def _mean(total: int, n: int) -> float | None:
    if not n:
        return None
    return float((Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), ROUND_HALF_UP))


class _Calibration:
    def __init__(self, who: dict):
        self.who = who
        self.moderated = self.agreed = self.upgraded = self.downgraded = 0
        self.shift = self.shift_pairs = 0
        self.domain_pairs = self.domain_agreed = 0

    def add_pair(self, before: str, after: str, n: int) -> None:
        self.moderated += n
        if before == after:
            self.agreed += n
        moved = steps(before, after)
        if moved is not None:
            self.shift += moved * n
            self.shift_pairs += n
            self.upgraded += n if moved > 0 else 0
            self.downgraded += n if moved < 0 else 0

    def out(self) -> dict:
        return {
            **self.who,
            "moderated": self.moderated,
            "agreed": self.agreed,
            "agreement_pct": percent(self.agreed, self.moderated),
            "mean_shift": _mean(self.shift, self.shift_pairs),
            "upgraded": self.upgraded,
            "downgraded": self.downgraded,
            "domain_pairs": self.domain_pairs,
            "domain_agreed": self.domain_agreed,
            "domain_agreement_pct": percent(self.domain_agreed, self.domain_pairs),
        }


def _auditor_name(row: dict) -> dict:
    first, last = row["audit__auditor__first_name"], row["audit__auditor__last_name"]
    username = row["audit__auditor__username"]
    return {
        "id": row["audit__auditor_id"],
        "username": username,
        "name": " ".join(filter(None, [first, last])) or username,
    }


def calibration(*, scope: ReportScope, months: list[dt.date]) -> dict:
    """Per auditor and per team: how the moderators' judgements compare (two queries)."""
    in_range = Q(audit__month__gte=months[0], audit__month__lte=months[-1])
    pairs = (
        Moderation.objects.filter(
            scope.audits("audit__"),
            in_range,
            status=Moderation.Status.COMPLETED,
            audit__status=Audit.Status.SUBMITTED,
        )
        .order_by()
        .values(
            "audit__auditor_id",
            "audit__auditor__username",
            "audit__auditor__first_name",
            "audit__auditor__last_name",
            "audit__case__team_id",
            "audit__case__team__name",
            "audit__overall",
            "overall",
        )
        .annotate(n=Count("pk"))
    )
    moderated_grade = "audit__moderations__grades__grade"
    graded = Q(grade__in=DOMAIN_COLUMNS, **{f"{moderated_grade}__in": DOMAIN_COLUMNS})
    domain_rows = (
        DomainGrade.objects.filter(
            scope.audits("audit__"),
            in_range,
            audit__status=Audit.Status.SUBMITTED,
            audit__moderations__status=Moderation.Status.COMPLETED,
            audit__moderations__grades__domain=F("domain"),
        )
        .order_by()
        .values("audit__auditor_id", "audit__case__team_id")
        .annotate(
            pairs=Count("pk", filter=graded),
            agreed=Count("pk", filter=graded & Q(grade=F(moderated_grade))),
        )
    )
    auditors: dict[int, _Calibration] = {}
    teams: dict[int, _Calibration] = {}
    total = _Calibration({})
    for row in pairs:
        auditor = auditors.setdefault(
            row["audit__auditor_id"], _Calibration({"auditor": _auditor_name(row)})
        )
        team_id = row["audit__case__team_id"]
        team = teams.setdefault(
            team_id, _Calibration({"team": {"id": team_id, "name": row["audit__case__team__name"]}})
        )
        for tally in (auditor, team, total):
            tally.add_pair(row["audit__overall"], row["overall"], row["n"])
    for row in domain_rows:
        for tally in (
            auditors.get(row["audit__auditor_id"]),
            teams.get(row["audit__case__team_id"]),
            total,
        ):
            if tally is not None:
                tally.domain_pairs += row["pairs"]
                tally.domain_agreed += row["agreed"]
    return {
        "auditors": [
            a.out() for a in sorted(auditors.values(), key=lambda a: a.who["auditor"]["name"])
        ],
        "teams": [t.out() for t in sorted(teams.values(), key=lambda t: t.who["team"]["name"])],
        "total": total.out(),
    }


def calibration_for_user(*, user: User, filters: Mapping | None) -> dict:
    """Auditor calibration, for QA leads only (403 for everyone else); 400 on bad filters."""
    permissions.check_calibration_readable(user)
    scope, months = _scope_for_user(user, filters)
    return {**_filters_out(scope, months), **calibration(scope=scope, months=months)}


# ---------------------------------------------------------------- re-audits


def _reaudit_comparison(pairs: Counter, order: tuple[str, ...]) -> dict:
    figures = comparison(pairs, order)
    total = figures["pairs"]
    same, improved, worse = figures["agreed"], figures["upgraded"], figures["downgraded"]
    first: Counter[str] = Counter()
    again: Counter[str] = Counter()
    for (b, a), n in pairs.items():
        first[b] += n
        again[a] += n
    return {
        "pairs": total,
        "first": distribution(first, order, total),
        "reaudit": distribution(again, order, total),
        "transitions": figures["transitions"],
        "improved": improved,
        "improved_pct": percent(improved, total),
        "same": same,
        "same_pct": percent(same, total),
        "worse": worse,
        "worse_pct": percent(worse, total),
        "not_comparable": total - same - improved - worse,
    }


def _reaudit_cohort(months: list[dt.date], prefix: str = "") -> Q:
    """Submitted re-audits of the range, as a condition on Audit reached through `prefix`."""
    return Q(
        **{
            f"{prefix}month__gte": months[0],
            f"{prefix}month__lte": months[-1],
            f"{prefix}status": Audit.Status.SUBMITTED,
            f"{prefix}re_audit_of__isnull": False,
        }
    )


def reaudits(*, scope: ReportScope, months: list[dt.date]) -> dict:
    """The re-audit cohort of the range: first judgement against the re-audit's (3 queries)."""

    def cohort(prefix: str = "") -> Q:
        condition = _reaudit_cohort(months, prefix)
        # The first audit's judgement is shown beside the re-audit's: hidden if it is hidden.
        first_hidden = scope.hidden(f"{prefix}re_audit_of__")
        return condition if first_hidden is None else condition & ~first_hidden

    overall_rows = (
        Audit.objects.filter(scope.audits(), cohort())
        .order_by()
        .values("overall", first=F("re_audit_of__overall"))
        .annotate(n=Count("pk"))
    )
    # Every domain of the re-audit against every domain of the first audit (a small cohort),
    # kept when both continue the same domain (Domain.maps_to), as tool versions change.
    domain_rows = (
        DomainGrade.objects.filter(scope.audits("audit__"), cohort("audit__"))
        .order_by()
        .values(
            "domain_id",
            "grade",
            first_domain=F("audit__re_audit_of__grades__domain_id"),
            first=F("audit__re_audit_of__grades__grade"),
        )
        .annotate(n=Count("pk"))
    )
    overall: Counter[tuple[str, str]] = Counter()
    for row in overall_rows:
        overall[(row["first"], row["overall"])] += row["n"]
    catalogue = domain_catalogue()
    canonical = canonical_domains(catalogue)
    per_domain: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for row in domain_rows:
        if row["first_domain"] is None or not (row["grade"] and row["first"]):
            continue
        key = canonical[row["domain_id"]]["pk"]
        if canonical[row["first_domain"]]["pk"] == key:
            per_domain[key][(row["first"], row["grade"])] += row["n"]
    ordered = sorted(
        per_domain, key=lambda k: (catalogue[k]["tool__code"], catalogue[k]["position"])
    )
    return {
        "cohort": sum(overall.values()),
        "overall": _reaudit_comparison(overall, GRADES),
        "domains": [
            {
                "code": catalogue[k]["code"],
                "title": catalogue[k]["title"],
                "tool": catalogue[k]["tool__code"],
                **_reaudit_comparison(per_domain[k], DOMAIN_COLUMNS),
            }
            for k in ordered
        ],
    }


def reaudits_for_user(*, user: User, filters: Mapping | None) -> dict:
    """The re-audit cohort the user may read: 400 on invalid filters, 403 outside their areas."""
    scope, months = _scope_for_user(user, filters)
    return {**_filters_out(scope, months), **reaudits(scope=scope, months=months)}
