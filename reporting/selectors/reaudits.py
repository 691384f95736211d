"""Re-audits over a range of months (reporting.selectors.ranges).

Re-audits
    The cohort: submitted audits with re_audit_of set whose month is in the range (and in
    scope). For each, the first audit's overall judgement against the re-audit's: the
    transition matrix, improved (the re-audit's grade is better: core.grades.steps), same,
    worse, and per domain the same over the domains both audits graded (matched through
    Domain.continues, core.tools: a domain pairs with itself and with the earlier domains it
    continues, under every domain both are reported as; two old domains merged later are two
    pairs, not four); `not_comparable` counts pairs with N/A on one side only.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping

from django.db.models import Count, F, Q

from core.grades import percent
from core.models import Audit, DomainGrade, User
from core.tools import canonical_domains, domain_catalogue, domain_order, lineages
from reporting.scope import ReportScope
from reporting.selectors.figures import DOMAIN_COLUMNS, GRADES, comparison, distribution
from reporting.selectors.ranges import range_filters_out, range_scope_for_user


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
    # kept when both continue the same domain (core.tools), as tool versions change.
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
    lines = lineages(catalogue)
    per_domain: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for row in domain_rows:
        if row["first_domain"] is None or not (row["grade"] and row["first"]):
            continue
        now, then = row["domain_id"], row["first_domain"]
        if then not in lines[now] and now not in lines[then]:
            continue  # not the same line of practice (two domains merged later are two)
        first_keys = {leaf["pk"] for leaf in canonical[then]}
        for leaf in canonical[now]:
            if leaf["pk"] in first_keys:
                per_domain[leaf["pk"]][(row["first"], row["grade"])] += row["n"]
    ordered = sorted(per_domain, key=lambda k: domain_order(catalogue[k]))
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
    scope, months = range_scope_for_user(user, filters)
    return {**range_filters_out(scope, months), **reaudits(scope=scope, months=months)}
