"""The monthly QA report, computed by the database. Every figure is defined here.

Scope
    Month M is Audit.month (its first day). An audit is *in scope* when it counts towards M and
    matches the filters: service area (case__team__service_area), team (case__team) and tool
    (tool code, every version). A viewer's report is limited to their own service areas
    (reporting.permissions); that limit works like a service-area filter.

Audits
    returned   audits in scope with status "submitted". A submission a moderator sent back for
               rework (status "returned") is not counted; its next revision counts once it is
               submitted.
    target     with no service-area or team filter (and no viewer limit): the sum of
               Programme.audit_target over M's programmes (of the tool, if filtered), because
               programme targets are set for the whole authority. With an area or team filter:
               the audits assigned in scope, whatever their status except "returned".
               `target_source` says which ("programme" or "assigned").
    returned_pct  returned / target.
    overall    returned audits by the auditor's overall judgement O / G / RI / I, % of returned.
    escalations   returned audits marked "Inadequate – escalation" by the auditor.

Moderations
    moderated  returned audits in scope whose moderation is "completed" (an audit has at most
               one live moderation: see Moderation's constraint). completed = moderated.
    target     the sum of Programme.moderation_target; with an area or team filter, the live
               moderations in scope (sampled, claimed or completed).
    completed_pct  completed / target; may exceed 100.
    before     the auditor's overall judgements of the moderated audits; after: the
               moderator's, over exactly the same audits; % of moderated.
    escalations_before / _after  moderated audits escalated by the auditor / the moderator.
    transitions   every (from, to) pair with n > 0: from = auditor's overall, to = moderator's.
    agreement_pct   pairs where from = to, % of pairs; upgraded_pct / downgraded_pct: the
                    moderator's grade is better / worse on the scale O > G > RI > I.
    weighted_kappa  Cohen's kappa with linear weights over the four grades O, G, RI, I
                    (disagreement weight |i - j|), rounded to 3 places, half up, over
                    `kappa_pairs` pairs. None when there are no pairs, or when the expected
                    disagreement is 0 (every pair in one grade on both sides: kappa is
                    undefined then).

Domains (M only)
    Tool versions map their domains to the previous version's (Domain.maps_to); a domain is
    reported under the newest version's code, title and position, within its tool code.
    all          the auditor's grade over the returned audits in scope of that tool: O, G,
                 RI, I and NA, % of `audits`, so each row adds to 100% (up to rounding).
    moderated_before / moderated_after  the auditor's / the moderator's grade over the
                 moderated audits, % of `moderated`.
    transitions, agreement, upgraded, downgraded  as for moderations, over every pair
                 including N/A (an N/A on one side only is a disagreement, neither an upgrade
                 nor a downgrade); weighted_kappa leaves out pairs with N/A on either side,
                 so `kappa_pairs` may be fewer than `pairs`.
    A blank grade (only imported moderations can have one) is not a judgement: it is left out
    of the domain figures.

KPI
    ri_or_better_pct  returned audits whose overall is O, G or RI, % of returned;
    ri_or_better_pct_after_moderation  the same over the moderated audits, moderator's overall.

Percentages are rounded to one decimal place, half up; a percentage of nothing is None.
previous_month repeats the audits, moderations and kpi blocks for M - 1; `has_programme`
false (no programme in that month, for the tool if filtered) is a gap, not a month of zeros.

By area (by_area)
    For every service area with audits in M and scope, and within it every team: the audits,
    moderations and kpi blocks above, each area or team taken as a scope of its own (so its
    targets are the audits assigned and the live moderations there). Ordered by name.

Queries: seven for the whole report (nine from the raw tables, source="raw"), including the
previous month and the areas and teams, whatever the volume of data. Python
only folds the small grouped rows the database returns.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Q

from core.grades import NOT_APPLICABLE, RI_OR_BETTER, SCALE, percent, steps
from core.models import Audit, DomainGrade, Programme, Team, User
from core.months import format_month
from core.tools import canonical_domains, domain_catalogue
from moderation.models import Moderation
from reporting import permissions
from reporting.scope import ReportScope, blind_left_out, report_filters, report_scope
from reporting.summary_rows import summary_report_rows

GRADES = SCALE  # best first, as on the scale
DOMAIN_COLUMNS = (*GRADES, NOT_APPLICABLE)


# ---------------------------------------------------------------- arithmetic


def distribution(counts: Mapping[str, int], keys: Iterable[str], whole: int) -> dict:
    return {
        key: {"n": counts.get(key, 0), "pct": percent(counts.get(key, 0), whole)} for key in keys
    }


def weighted_kappa(pairs: Mapping[tuple[str, str], int]) -> float | None:
    """Cohen's kappa with linear weights over O, G, RI, I; None when it is undefined."""
    position = {grade: i for i, grade in enumerate(GRADES)}
    graded = {(b, a): n for (b, a), n in pairs.items() if b in position and a in position}
    total = sum(graded.values())
    if not total:
        return None
    rows: Counter[str] = Counter()
    columns: Counter[str] = Counter()
    for (before, after), n in graded.items():
        rows[before] += n
        columns[after] += n
    observed = Fraction(
        sum(n * abs(position[b] - position[a]) for (b, a), n in graded.items()), total
    )
    expected = Fraction(
        sum(rows[b] * columns[a] * abs(position[b] - position[a]) for b in GRADES for a in GRADES),
        total * total,
    )
    if expected == 0:
        return None
    kappa = 1 - observed / expected
    rounded = (Decimal(kappa.numerator) / Decimal(kappa.denominator)).quantize(
        Decimal("0.001"), ROUND_HALF_UP
    )
    return float(rounded)


def comparison(pairs: Mapping[tuple[str, str], int], order: tuple[str, ...]) -> dict:
    """Before against after over the same pairs: transitions, agreement, shifts and kappa."""
    total = sum(pairs.values())
    agreed = sum(n for (before, after), n in pairs.items() if before == after)
    moved = [(steps(before, after), n) for (before, after), n in pairs.items()]
    upgraded = sum(n for step, n in moved if step is not None and step > 0)
    downgraded = sum(n for step, n in moved if step is not None and step < 0)
    rank = {grade: i for i, grade in enumerate(order)}
    last = len(order)
    ordered = sorted(
        pairs.items(), key=lambda pair: (rank.get(pair[0][0], last), rank.get(pair[0][1], last))
    )
    transitions = [{"from": b, "to": a, "n": n} for (b, a), n in ordered if n]
    kappa_pairs = sum(n for (b, a), n in pairs.items() if steps(b, a) is not None)
    return {
        "pairs": total,
        "transitions": transitions,
        "agreed": agreed,
        "agreement_pct": percent(agreed, total),
        "upgraded": upgraded,
        "upgraded_pct": percent(upgraded, total),
        "downgraded": downgraded,
        "downgraded_pct": percent(downgraded, total),
        "weighted_kappa": weighted_kappa(pairs),
        "kappa_pairs": kappa_pairs,
    }


# ---------------------------------------------------------------- queries


def _programme_rows(scope: ReportScope, months: list[dt.date]) -> list[dict]:
    programmes = Programme.objects.filter(month__in=months)
    if scope.tool_code:
        programmes = programmes.filter(tool__code=scope.tool_code)
    return list(
        programmes.order_by().values("month", "tool_id", "audit_target", "moderation_target")
    )


def _audit_rows(scope: ReportScope, months: list[dt.date], by_team: bool = False) -> list[dict]:
    teams = {"team": F("case__team")} if by_team else {}
    return list(
        Audit.objects.filter(scope.audits(), month__in=months)
        .order_by()
        .values("month", "status", "overall", "escalated", **teams)
        .annotate(n=Count("pk"))
    )


def _moderation_rows(
    scope: ReportScope, months: list[dt.date], by_team: bool = False
) -> list[dict]:
    completed = Q(status=Moderation.Status.COMPLETED, audit__status=Audit.Status.SUBMITTED)
    teams = {"team": F("audit__case__team")} if by_team else {}
    return list(
        Moderation.objects.filter(
            scope.audits("audit__"),
            audit__month__in=months,
            status__in=Moderation.LIVE_STATUSES,
        )
        .order_by()
        .values(
            "audit__month", "audit__overall", "overall", "audit__escalated", "escalated", **teams
        )
        .annotate(live=Count("pk"), completed=Count("pk", filter=completed))
    )


def _domain_rows(scope: ReportScope) -> list[dict]:
    """The auditor's domain grades of the month's returned audits, counted per grade."""
    return list(
        DomainGrade.objects.filter(
            scope.audits("audit__"), audit__month=scope.month, audit__status=Audit.Status.SUBMITTED
        )
        .exclude(grade="")
        .order_by()
        .values("domain_id", "grade")
        .annotate(n=Count("pk"))
    )


def _domain_pair_rows(scope: ReportScope) -> list[dict]:
    """(auditor's grade, moderator's grade) per domain over the month's moderated audits.

    The auditor's row and the moderator's row for the same domain are joined in one filter()
    call, so both conditions apply to the same moderation and grade (one join, no fan-out).
    Blank grades are dropped from the grouped rows (an exclude() here would become a
    subquery over every moderation of the audit).
    """
    return list(
        DomainGrade.objects.filter(
            scope.audits("audit__"),
            audit__month=scope.month,
            audit__status=Audit.Status.SUBMITTED,
            audit__moderations__status=Moderation.Status.COMPLETED,
            audit__moderations__grades__domain=F("domain"),
        )
        .order_by()
        .values("domain_id", "grade", moderated=F("audit__moderations__grades__grade"))
        .annotate(n=Count("pk"))
    )


# ---------------------------------------------------------------- blocks


def _audits_block(scope: ReportScope, rows: list[dict], target: int) -> dict:
    assigned = sum(r["n"] for r in rows if r["status"] != Audit.Status.RETURNED)
    submitted = [r for r in rows if r["status"] == Audit.Status.SUBMITTED]
    returned = sum(r["n"] for r in submitted)
    overall: Counter[str] = Counter()
    for row in submitted:
        overall[row["overall"]] += row["n"]
    if not scope.authority_wide:
        target = assigned
    return {
        "target": target,
        "target_source": "programme" if scope.authority_wide else "assigned",
        "assigned": assigned,
        "returned": returned,
        "returned_pct": percent(returned, target),
        "overall": distribution(overall, GRADES, returned),
        "escalations": sum(r["n"] for r in submitted if r["escalated"]),
    }


def _moderations_block(scope: ReportScope, rows: list[dict], target: int) -> dict:
    live = sum(r["live"] for r in rows)
    completed = sum(r["completed"] for r in rows)
    before: Counter[str] = Counter()
    after: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for row in rows:
        n = row["completed"]
        if not n:  # a moderation still open: its draft grades are no judgement yet
            continue
        before[row["audit__overall"]] += n
        after[row["overall"]] += n
        pairs[(row["audit__overall"], row["overall"])] += n
    if not scope.authority_wide:
        target = live
    return {
        "target": target,
        "target_source": "programme" if scope.authority_wide else "live_moderations",
        "live": live,
        "completed": completed,
        "completed_pct": percent(completed, target),
        "before": distribution(before, GRADES, completed),
        "after": distribution(after, GRADES, completed),
        "escalations_before": sum(r["completed"] for r in rows if r["audit__escalated"]),
        "escalations_after": sum(r["completed"] for r in rows if r["escalated"]),
        **comparison(pairs, GRADES),
    }


def _kpi(audits: dict, moderations: dict) -> dict:
    def better(block: dict) -> int:
        return sum(block[grade]["n"] for grade in RI_OR_BETTER)

    return {
        "ri_or_better_pct": percent(better(audits["overall"]), audits["returned"]),
        "ri_or_better_pct_after_moderation": percent(
            better(moderations["after"]), moderations["completed"]
        ),
    }


def _month_blocks(scope, month, programmes, audit_rows, moderation_rows) -> dict:
    programmes = [p for p in programmes if p["month"] == month]
    audits = _audits_block(
        scope,
        [r for r in audit_rows if r["month"] == month],
        sum(p["audit_target"] for p in programmes),
    )
    moderations = _moderations_block(
        scope,
        [r for r in moderation_rows if r["audit__month"] == month],
        sum(p["moderation_target"] for p in programmes),
    )
    return {
        "month": format_month(month),
        "has_programme": bool(programmes),
        "audits": audits,
        "moderations": moderations,
        "kpi": _kpi(audits, moderations),
    }


def _domains(scope, programmes, domain_rows, pair_rows, catalogue) -> list[dict]:
    canonical = canonical_domains(catalogue)
    wanted = {p["tool_id"] for p in programmes if p["month"] == scope.month}
    keys = {canonical[pk]["pk"] for pk, row in catalogue.items() if row["tool_id"] in wanted}
    all_grades: dict[int, Counter[str]] = defaultdict(Counter)
    for row in domain_rows:
        key = canonical[row["domain_id"]]["pk"]
        all_grades[key][row["grade"]] += row["n"]
    pairs: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for row in pair_rows:
        if not (row["grade"] and row["moderated"]):
            continue
        key = canonical[row["domain_id"]]["pk"]
        pairs[key][(row["grade"], row["moderated"])] += row["n"]
    keys |= set(all_grades) | set(pairs)
    domains = []
    for key in sorted(keys, key=lambda k: (catalogue[k]["tool__code"], catalogue[k]["position"])):
        audits = sum(all_grades[key].values())
        moderated = sum(pairs[key].values())
        before: Counter[str] = Counter()
        after: Counter[str] = Counter()
        for (b, a), n in pairs[key].items():
            before[b] += n
            after[a] += n
        domains.append(
            {
                "code": catalogue[key]["code"],
                "title": catalogue[key]["title"],
                "tool": catalogue[key]["tool__code"],
                "audits": audits,
                "all": distribution(all_grades[key], DOMAIN_COLUMNS, audits),
                "moderated": moderated,
                "moderated_before": distribution(before, DOMAIN_COLUMNS, moderated),
                "moderated_after": distribution(after, DOMAIN_COLUMNS, moderated),
                **comparison(pairs[key], DOMAIN_COLUMNS),
            }
        )
    return domains


def monthly_report(*, scope: ReportScope, source: str = "summary") -> dict:
    """The whole monthly report for a scope, with the previous month's headline beside it.

    source "summary" reads returned audits and completed moderations from the summary table
    (reporting.summary_rows.summary_report_rows: seven queries in all, fast at national scale);
    "raw" counts them from the audit tables (nine queries). The figures are the same.
    """
    months = [scope.month, scope.previous_month]
    programmes = _programme_rows(scope, months)
    if source == "summary":
        rows = summary_report_rows(scope, months)
        audit_rows, moderation_rows, domain_rows, pair_rows = rows[:4]
        team_audit_rows, team_moderation_rows = rows[4:]
    else:
        audit_rows = _audit_rows(scope, months)
        moderation_rows = _moderation_rows(scope, months)
        domain_rows, pair_rows = _domain_rows(scope), _domain_pair_rows(scope)
        team_audit_rows = _audit_rows(scope, [scope.month], by_team=True)
        team_moderation_rows = _moderation_rows(scope, [scope.month], by_team=True)
    current = _month_blocks(scope, scope.month, programmes, audit_rows, moderation_rows)
    previous = _month_blocks(scope, scope.previous_month, programmes, audit_rows, moderation_rows)
    domains = _domains(scope, programmes, domain_rows, pair_rows, domain_catalogue())
    return {
        **current,
        "filters": {**scope.filters_out(), "blind_left_out": blind_left_out(scope, months)},
        "domains": domains,
        "by_area": _by_area(scope, team_audit_rows, team_moderation_rows),
        "previous_month": previous,
    }


def _by_area(scope: ReportScope, audit_rows: list[dict], moderation_rows: list[dict]) -> list:
    """The month's figures per service area and, within it, per team (rows with a "team").

    Each area and team is a scope of its own, so targets are the audits assigned and the live
    moderations there (as for any report filtered by area or team), and every figure means
    what it means in the headline. Areas and teams without an audit that month are left out.
    """
    by_team_audits: dict[int, list[dict]] = defaultdict(list)
    by_team_moderations: dict[int, list[dict]] = defaultdict(list)
    for row in audit_rows:
        by_team_audits[row["team"]].append(row)
    for row in moderation_rows:
        by_team_moderations[row["team"]].append(row)
    teams = Team.objects.filter(pk__in=by_team_audits).values(
        "pk", "name", "service_area_id", "service_area__name"
    )

    def figures(part: ReportScope, team_ids: list[int]) -> dict:
        audits = _audits_block(part, [r for t in team_ids for r in by_team_audits[t]], 0)
        moderations = _moderations_block(
            part, [r for t in team_ids for r in by_team_moderations[t]], 0
        )
        return {"audits": audits, "moderations": moderations, "kpi": _kpi(audits, moderations)}

    areas: dict[int, dict] = {}
    for team in sorted(teams, key=lambda t: (t["service_area__name"], t["name"], t["pk"])):
        area = areas.setdefault(
            team["service_area_id"],
            {"id": team["service_area_id"], "name": team["service_area__name"], "teams": []},
        )
        area["teams"].append(
            {
                "id": team["pk"],
                "name": team["name"],
                **figures(replace(scope, team_id=team["pk"]), [team["pk"]]),
            }
        )
    for area in areas.values():
        part = replace(scope, service_area_ids=(area["id"],))
        area.update(figures(part, [team["id"] for team in area["teams"]]))
    return list(areas.values())


# ---------------------------------------------------------------- entry points


def monthly_report_for_user(*, user: User, filters: Mapping | None) -> dict:
    """The monthly report the user may read: 400 on invalid filters, 403 outside their areas."""
    cleaned = report_filters(filters)
    areas = permissions.report_areas_for_user(
        user=user, service_area=cleaned.get("service_area"), team=cleaned.get("team")
    )
    return monthly_report(scope=report_scope(cleaned=cleaned, areas=areas, user=user))
