"""The start page. A team manager (an auditor) gets a home: what waits for them (audits.inbox)
and how their team is doing this month (their team's monthly report, in brief, every count
opening the audits behind it). Everyone else starts on the audit list."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from audits.inbox import inbox_for_user
from core.months import format_month, parse_month
from reporting.permissions import reports_limited_to_team
from reporting.selectors import monthly_report_for_user
from reporting.tables.monthly import report_tables
from reporting.views import latest_programme_month


def _team_month(user) -> dict | None:
    """This month's figures for the team manager's team, from the report they may read."""
    if not reports_limited_to_team(user):
        return None
    report = monthly_report_for_user(
        user=user, filters={"month": format_month(latest_programme_month())}
    )
    tables = {table.key: table for table in report_tables(report)}
    headline = tables["headline"]
    return {
        "month": parse_month(report["month"]),
        "report": report,
        "team": user.team,
        "returned": headline.row("returned")["count"],
        "targeted": headline.row("targeted")["count"],
        "before": [headline.row(f"before:{g}") for g in ("O", "G", "RI", "I")],
        "completed": headline.row("completed")["count"],
        "kpi": report["kpi"]["ri_or_better_pct"],
        "kpi_previous": report["previous_month"]["kpi"]["ri_or_better_pct"],
        "query": f"month={report['month']}",
    }


@login_required
@require_GET
def home(request):
    user = request.user
    if not user.is_auditor:
        return redirect("audit_list")
    own, _ = inbox_for_user(user=user)
    return render(
        request,
        "audits/home.html",
        {
            "waiting": [(s, sum(i.overdue for i in s.items)) for s in own if s.items],
            "waiting_total": sum(len(s.items) for s in own),
            "team_month": _team_month(user),
        },
    )
