"""The monthly QA report, computed by the database. Every figure is defined here (the
shared arithmetic, comparison and kappa: reporting.selectors.figures).

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
    weighted_kappa, kappa_pairs   as reporting.selectors.figures defines them.

Domains (M only)
    Tool versions map their domains to the previous version's (Domain.continues; core.tools):
    a domain is reported under the newest domains that continue it, with their code, title
    and position, within its tool code. A split domain's grades count under both halves; two
    merged domains' grades both count under the one they became.
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

Percentages are rounded to one decimal place, half up; a percentage of nothing is None
(core.grades.percent).
previous_month repeats the audits, moderations and kpi blocks for M - 1; `has_programme`
false (no programme in that month, for the tool if filtered) is a gap, not a month of zeros.

By area (by_area)
    For every service area with audits in M and scope, and within it every team: the audits,
    moderations and kpi blocks above, each area or team taken as a scope of its own (so its
    targets are the audits assigned and the live moderations there). Ordered by name.

Queries: six for the whole report (nine from the raw tables, source="raw": reporting.
selectors.monthly_rows), including the
previous month and the areas and teams, whatever the volume of data. Python
only folds the small grouped rows the database returns.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import replace

from core.grades import percent
from core.models import Audit, Team, User
from core.months import format_month
from core.tools import canonical_domains, domain_catalogue, domain_order
from reporting import permissions
from reporting.scope import ReportScope, blind_left_out, report_filters, report_scope
from reporting.selectors import monthly_rows
from reporting.selectors.figures import DOMAIN_COLUMNS, GRADES, comparison, distribution, kpi
from reporting.selectors.summary_rows import summary_report_rows

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
    return kpi(
        before={grade: audits["overall"][grade]["n"] for grade in GRADES},
        returned=audits["returned"],
        after={grade: moderations["after"][grade]["n"] for grade in GRADES},
        moderated=moderations["completed"],
    )


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
    keys = {
        leaf["pk"]
        for pk, row in catalogue.items()
        if row["tool_id"] in wanted
        for leaf in canonical[pk]
    }
    all_grades: dict[int, Counter[str]] = defaultdict(Counter)
    for row in domain_rows:
        for leaf in canonical[row["domain_id"]]:  # a split domain counts under each half
            all_grades[leaf["pk"]][row["grade"]] += row["n"]
    pairs: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    for row in pair_rows:
        if not (row["grade"] and row["moderated"]):
            continue
        for leaf in canonical[row["domain_id"]]:
            pairs[leaf["pk"]][(row["grade"], row["moderated"])] += row["n"]
    keys |= set(all_grades) | set(pairs)
    domains = []
    for key in sorted(keys, key=lambda k: domain_order(catalogue[k])):
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
    (summary_rows.summary_report_rows: six queries in all, fast at national scale); "raw"
    counts them from the audit tables (monthly_rows: nine queries). The figures are the same.
    """
    months = [scope.month, scope.previous_month]
    programmes = monthly_rows.programme_rows(scope, months)
    if scope.team_manager_id is not None:
        # The summary cannot tell whose moderation a grade is: a team manager's report
        # (one team) is counted from the raw tables, the moderations they may read only.
        source = "raw"
    if source == "summary":
        rows = summary_report_rows(scope, months)
        audit_rows, moderation_rows, domain_rows, pair_rows = rows[:4]
        team_audit_rows, team_moderation_rows = rows[4:]
    else:
        audit_rows = monthly_rows.audit_rows(scope, months)
        moderation_rows = monthly_rows.moderation_rows(scope, months)
        domain_rows = monthly_rows.domain_rows(scope)
        pair_rows = monthly_rows.domain_pair_rows(scope)
        team_audit_rows = monthly_rows.audit_rows(scope, [scope.month], by_team=True)
        team_moderation_rows = monthly_rows.moderation_rows(scope, [scope.month], by_team=True)
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
