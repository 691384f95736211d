"""Trends: month by month and quarter by quarter, from the summary. reporting.selectors.
monthly defines the figures for one month, reporting.selectors.ranges the range.

Trends (the summary, kept up to date by reporting.summary: ReportScope.summary_rows)
    Per month: returned audits and their overall judgements before moderation; moderated
    audits and the moderator's judgements after; the KPI "% rated RI or better" before and
    after (reporting.selectors.figures.kpi); per domain (under the newest version's code, as
    in the monthly report; a split domain's history under both halves, core.tools) the
    auditor's grades over every returned audit (`all`, N/A a
    column) and the moderator's over the moderated pairs (`moderated_after`). A month without
    a programme (of the tool, if filtered) is a gap: `has_programme` false and every figure
    null, never zeros. Each domain of the list says in `notes` where it began or ended across
    tool versions (core.tools.lineage_notes).
    Quarters are UK local-government financial-year quarters: Q1 April-June, Q2 July-
    September, Q3 October-December, Q4 January-March; "2019-20 Q4" is January-March 2020.
    A quarter adds up its months with a programme (inside the range: `complete` is false
    when the range cuts it); `ri_or_better_change` is the change in percentage points from
    the quarter before it in the list.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum, Value
from django.utils import timezone

from core.models import Programme, User
from core.months import financial_quarter, first_of_month, format_month, quarter_label
from core.tools import canonical_domains, domain_catalogue, domain_order, lineage_notes
from reporting.scope import ReportScope, blind_summary_rows, unreadable_moderated_rows
from reporting.selectors.figures import DOMAIN_COLUMNS, GRADES, distribution, kpi
from reporting.selectors.ranges import range_filters_out, range_scope_for_user


class _Tally:
    """The counts of one month or quarter, folded from the summary's grouped rows."""

    def __init__(self):
        self.before: Counter[str] = Counter()
        self.after: Counter[str] = Counter()
        self.returned = self.moderated = 0
        self.domain_all: dict[int, Counter[str]] = defaultdict(Counter)
        self.domain_after: dict[int, Counter[str]] = defaultdict(Counter)

    def add(self, after: bool, key: int | None, grade: str, n: int) -> None:
        """One per-grade total: the auditor's (after false) or the moderator's grade, of the
        overall judgement (key None) or of the canonical domain `key`."""
        if key is None:
            if after:
                self.moderated += n
                self.after[grade] += n
            else:
                self.returned += n
                self.before[grade] += n
        elif after:
            self.domain_after[key][grade] += n
        elif grade:
            self.domain_all[key][grade] += n

    def merge(self, other: "_Tally") -> None:
        """Add another tally's counts to this one (a quarter from its months)."""
        self.before.update(other.before)
        self.after.update(other.after)
        self.returned += other.returned
        self.moderated += other.moderated
        for key, counts in other.domain_all.items():
            self.domain_all[key].update(counts)
        for key, counts in other.domain_after.items():
            self.domain_after[key].update(counts)

    def _domain(self, d: Mapping[str, Any]) -> dict:
        graded, moderated = self.domain_all[d["pk"]], self.domain_after[d["pk"]]
        audits, moderated_n = sum(graded.values()), sum(moderated.values())
        return {
            "code": d["code"],
            "title": d["title"],
            "tool": d["tool__code"],
            "audits": audits,
            "all": distribution(graded, DOMAIN_COLUMNS, audits),
            "moderated": moderated_n,
            "moderated_after": distribution(moderated, DOMAIN_COLUMNS, moderated_n),
        }

    def block(self, domains: list[Mapping[str, Any]]) -> dict:
        return {
            "audits": self.returned,
            "moderated": self.moderated,
            "before": distribution(self.before, GRADES, self.returned),
            "after": distribution(self.after, GRADES, self.moderated),
            "kpi": kpi(
                before=self.before,
                returned=self.returned,
                after=self.after,
                moderated=self.moderated,
            ),
            "domains": [self._domain(d) for d in domains],
        }


GAP: dict[str, Any] = {
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
    rows = _grade_totals(scope, months)
    catalogue = domain_catalogue()
    # A domain id -> the reported domains it counts under (two for both halves of a split).
    leaves = canonical_domains(catalogue)
    canonical = {pk: [leaf["pk"] for leaf in found] for pk, found in leaves.items()}
    wanted = {row["tool_id"] for row in programme_rows}
    keys = {k for pk, row in catalogue.items() if row["tool_id"] in wanted for k in canonical[pk]}
    keys |= {k for row in rows if row[2] is not None for k in canonical[row[2]]}
    domains = sorted((catalogue[k] for k in keys), key=domain_order)

    by_month: dict[dt.date, _Tally] = defaultdict(_Tally)
    by_quarter: dict[tuple[int, int], _Tally] = defaultdict(_Tally)
    for after, month, domain_id, grade, n in rows:
        if month not in with_programme:
            continue  # a gap month: its stray audits are not a month of figures
        tally = by_month[month]
        if domain_id is None:
            tally.add(after, None, grade, n)
        else:
            for key in canonical[domain_id]:
                tally.add(after, key, grade, n)
    for month, tally in by_month.items():
        by_quarter[financial_quarter(month)].merge(tally)

    month_blocks = []
    this_month = first_of_month(timezone.localdate())
    for month in months:
        has = month in with_programme
        block = by_month[month].block(domains) if has else GAP
        month_blocks.append(
            {
                "month": format_month(month),
                "has_programme": has,
                # Still under way: its figures are to date, not the month's.
                "to_date": month == this_month,
                **block,
            }
        )

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
            {
                "code": d["code"],
                "title": d["title"],
                "tool": d["tool__code"],
                "notes": lineage_notes(catalogue, d["pk"]),
            }
            for d in domains
        ],
        "months": month_blocks,
        "quarters": quarters,
    }


def _grade_totals(scope: ReportScope, months: list[dt.date]) -> list[tuple]:
    """The summary's per-grade totals over `months` as (after, month, domain_id, grade, n)
    (one query): the auditor's grades (after false; every row, the blind moderation's hidden
    audits taken off) and the moderator's (after true; overall judgements with a moderated
    grade, "" included, and domain grades with both grades non-blank: what _Tally counts).

    Grouping each side in the database returns about half the rows of grouping by both
    grades at once. The hidden audits have no moderated grade (blind_summary_rows), so they
    come off the auditor's side only.
    """
    rows = scope.summary_rows().filter(month__in=months)
    before = (
        rows.values("month", "domain_id", "grade")
        .annotate(after=Value(False), n=Sum("n"))
        .values_list("after", "month", "domain_id", "grade", "n")
    )
    moderated = Q(domain__isnull=True) | (~Q(grade="") & ~Q(moderated_grade=""))
    after = (
        rows.filter(moderated, moderated_grade__isnull=False)
        .values("month", "domain_id", "moderated_grade")
        .annotate(after=Value(True), n=Sum("n"))
        .values_list("after", "month", "domain_id", "moderated_grade", "n")
    )
    totals = list(before.union(after, all=True))
    hidden = blind_summary_rows(scope, months)
    unreadable = unreadable_moderated_rows(scope, months)
    if not hidden and not unreadable:
        return totals
    net: Counter[tuple] = Counter()
    for after_side, month, domain_id, grade, n in [*totals, *unreadable]:
        net[after_side, month, domain_id, grade] += n
    for row in hidden:
        net[False, row["month"], row["domain_id"], row["grade"]] += row["n"]
    return [(*key, n) for key, n in net.items() if n]


def trend_for_user(*, user: User, filters: Mapping | None) -> dict:
    """The trend the user may read: 400 on invalid filters, 403 outside their areas."""
    scope, months = range_scope_for_user(user, filters)
    return {**range_filters_out(scope, months), **trend(scope=scope, months=months)}
