"""The monthly report's rows read from the summary table (reporting.summary keeps it), in the
shapes reporting.selectors.monthly_rows reads from the raw tables, so the figures are computed
by one code."""

import datetime as dt
from collections import Counter

from django.db.models import Count, F, Sum, Value

from core.models import Audit
from moderation.models import Moderation
from reporting.models import ReportSummary
from reporting.scope import ReportScope, blind_summary_rows, net_rows


def summary_domain_rows(scope: ReportScope) -> tuple[list[dict], list[dict]]:
    """The monthly report's domain rows and domain pair rows, from the summary (one query).

    The same shapes as monthly_rows.domain_rows and monthly_rows.domain_pair_rows.
    """
    return _fold_domain_rows(
        scope.summary_rows()
        .filter(month=scope.month, domain__isnull=False)
        .values("domain_id", "grade", "moderated_grade")
        .annotate(n=Sum("n"))
    )


def _fold_domain_rows(rows) -> tuple[list[dict], list[dict]]:
    """Summary rows of domains as monthly_rows.domain_rows and monthly_rows.domain_pair_rows."""
    grades: Counter[tuple[int, str]] = Counter()
    pairs: Counter[tuple[int, str, str]] = Counter()
    for row in rows:
        if row["grade"]:
            grades[(row["domain_id"], row["grade"])] += row["n"]
        if row["moderated_grade"] is not None:
            pairs[(row["domain_id"], row["grade"], row["moderated_grade"])] += row["n"]
    return (
        [{"domain_id": d, "grade": g, "n": n} for (d, g), n in grades.items()],
        [{"domain_id": d, "grade": g, "moderated": m, "n": n} for (d, g, m), n in pairs.items()],
    )


def summary_report_rows(scope: ReportScope, months: list[dt.date]) -> tuple[list, ...]:
    """The monthly report's rows (three queries): audit, moderation, domain and domain pair rows
    for `months`, then the audit and moderation rows of scope.month by team (each with a
    "team"), for the report's by-area table.

    Returned audits and completed moderations come from the summary; the few audits still
    open (assigned, in progress) and moderations still open (sampled, claimed), which the
    report counts as assigned and live, are counted from the raw tables by status and team,
    once for both uses. The rows have the shapes of monthly_rows.audit_rows, moderation_rows,
    domain_rows and domain_pair_rows, so the report's figures are computed by the same code
    either way.
    """
    summary = scope.summary_rows().filter(month__in=months)
    columns = ("month", "domain_id", "grade", "moderated_grade", "escalated", "moderated_escalated")
    # A moderator's report leaves out the blind-pending audits: what they add is taken off.
    hidden = blind_summary_rows(scope, months)
    by_month = net_rows(summary.values(*columns).annotate(n=Sum("n")), hidden, columns)
    by_team = net_rows(
        ReportSummary.objects.filter(scope.summary(), month=scope.month, domain__isnull=True)
        .order_by()
        .values(*columns, "team_id")
        .annotate(n=Sum("n")),
        [r for r in hidden if r["month"] == scope.month and r["domain_id"] is None],
        (*columns, "team_id"),
    )
    # One query for both kinds of open work (a UNION ALL): the audits still open (assigned, in
    # progress) and the moderations still open (sampled, claimed), by month and team.
    kind = {"moderation": Value(False)}
    open_audits = (
        Audit.objects.filter(scope.audits(), month__in=months, status__in=Audit.EDITABLE_STATUSES)
        .order_by()
        .values(open_month=F("month"), team=F("case__team"))
        .annotate(n=Count("pk"), **kind)
    )
    kind = {"moderation": Value(True)}
    open_moderations = (
        Moderation.objects.filter(
            scope.audits("audit__"),
            audit__month__in=months,
            status__in=(Moderation.Status.SAMPLED, Moderation.Status.CLAIMED),
        )
        .order_by()
        .values(open_month=F("audit__month"), team=F("audit__case__team"))
        .annotate(n=Count("pk"), **kind)
    )
    open_audit_rows, open_moderation_rows = [], []
    for r in open_audits.union(open_moderations, all=True):
        if r["moderation"]:
            open_moderation_rows.append(
                {
                    "audit__month": r["open_month"],
                    "audit__overall": "",
                    "overall": "",
                    "audit__escalated": False,
                    "escalated": False,
                    "live": r["n"],
                    "completed": 0,
                    "team": r["team"],
                }
            )
        else:
            open_audit_rows.append(
                {
                    "month": r["open_month"],
                    "status": "assigned",
                    "overall": "",
                    "escalated": False,
                    "n": r["n"],
                    "team": r["team"],
                }
            )
    # The report's own rows: the team rows as they are (the team key is never read there).
    audit_rows, moderation_rows = list(open_audit_rows), list(open_moderation_rows)
    domain_rows = []
    for row in by_month:
        if row["domain_id"] is None:
            _add_summary_row(row, audit_rows, moderation_rows)
        elif row["month"] == scope.month:
            domain_rows.append(row)
    team_audit_rows = [r for r in open_audit_rows if r["month"] == scope.month]
    team_moderation_rows = [r for r in open_moderation_rows if r["audit__month"] == scope.month]
    for row in by_team:
        _add_summary_row(row, team_audit_rows, team_moderation_rows, team=row["team_id"])
    return (
        audit_rows,
        moderation_rows,
        *_fold_domain_rows(domain_rows),
        team_audit_rows,
        team_moderation_rows,
    )


def _add_summary_row(row: dict, audit_rows: list, moderation_rows: list, **team) -> None:
    """A summary row of overall judgements as a returned audit row (and a completed
    moderation row when it was moderated)."""
    audit_rows.append(
        {
            "month": row["month"],
            "status": Audit.Status.SUBMITTED,
            "overall": row["grade"],
            "escalated": row["escalated"],
            "n": row["n"],
            **team,
        }
    )
    if row["moderated_grade"] is not None:
        moderation_rows.append(
            {
                "audit__month": row["month"],
                "audit__overall": row["grade"],
                "overall": row["moderated_grade"],
                "audit__escalated": row["escalated"],
                "escalated": bool(row["moderated_escalated"]),
                "live": row["n"],
                "completed": row["n"],
                **team,
            }
        )
