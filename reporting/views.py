"""The monthly report page: its figures from reporting.selectors, its tables from
reporting.tables (each defined once, the same as the downloads'), laid out for the page.

Every count is a link to the audit list filtered to exactly the audits behind it (drill-down):
the report's filters plus the AuditFilter fields that say what was counted (status, overall,
domain, domain_grade, moderated, moderated_overall, moderation_change...). Bad filters are a
400 page with an error summary and the form to correct them.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.filters import tool_code_choices
from core.models import Audit, Programme, ServiceArea
from core.months import format_month, months_before, parse_month
from reporting import permissions, selectors
from reporting.filters import ReportFilter
from reporting.tables import monthly_html
from reporting.tables.monthly import report_tables


def latest_programme_month():
    month = Programme.objects.order_by("-month").values_list("month", flat=True).first()
    return month or timezone.localdate().replace(day=1)


def filter_form(data, user):
    form = ReportFilter(data=data, queryset=Audit.objects.none()).form
    fields: dict[str, Any] = form.fields  # the filters' own field types
    fields["month"].label = "Month"
    fields["month"].help_text = "As YYYY-MM, for example 2019-03."
    fields["service_area"].label = "Service area"
    fields["service_area"].empty_label = "All service areas"
    fields["team"].label = "Team"
    fields["team"].empty_label = "All teams"
    fields["tool"].label = "Audit tool"
    fields["tool"].empty_label = "All tools"
    fields["tool"].help_text = ""
    if permissions.reports_limited_to_team(user):
        # A team manager's reports are their own team's: the form offers only that.
        fields["service_area"].queryset = ServiceArea.objects.filter(teams__members=user)
        fields["team"].queryset = fields["team"].queryset.filter(pk=user.team_id)
        fields["service_area"].empty_label = fields["team"].empty_label = None
    elif not permissions.reports_cover_every_area(user):
        # A head of service may choose only within their own areas.
        own = user.service_areas.all()
        fields["service_area"].queryset = ServiceArea.objects.filter(pk__in=own)
        fields["team"].queryset = fields["team"].queryset.filter(service_area__in=own)
    return form


def _downloads(query: str) -> dict:
    xlsx, csv = reverse("reports:download_xlsx"), reverse("reports:download_csv")
    json = reverse("reports:download_json")
    return {
        "xlsx": f"{xlsx}?{query}",
        "csv": f"{csv}?{query}",
        "csv_base": f"{csv}?{query}&table=",
        "json": f"{json}?{query}",
    }


REPORT_INDEX = (
    # (name, url name, what it answers, who may open it)
    (
        "Monthly report",
        "reports:monthly",
        "One month's grades before and after moderation, compliance, escalations and actions.",
        lambda user: permissions.reports_readable(user=user),
    ),
    (
        "Trends",
        "reports:trends",
        "Grades and the share rated requires improvement or better, month by month.",
        lambda user: permissions.reports_readable(user=user),
    ),
    (
        "Re-audits",
        "reports:reaudits",
        "Cases audited again: whether practice improved, stayed the same or declined.",
        lambda user: permissions.reports_readable(user=user),
    ),
    (
        "Auditor calibration",
        "reports:calibration",
        "How often each auditor's grades agree with moderation.",
        lambda user: permissions.calibration_readable(user=user),
    ),
    (
        "Published reports",
        "reports:snapshots",
        "The monthly reports as published, unchanged since, to download.",
        permissions.snapshots_readable,
    ),
)


@login_required
@require_GET
def index(request):
    """The reports this person may open, each in words: the same yes/no rules as the pages."""
    permissions.check_reports_readable(request.user)
    reports = [
        {"name": name, "href": reverse(url_name), "description": description}
        for name, url_name, description, allowed in REPORT_INDEX
        if allowed(request.user)
    ]
    return render(request, "reporting/index.html", {"reports": reports})


@login_required
@require_GET
def monthly(request):
    permissions.check_reports_readable(request.user)
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = format_month(latest_programme_month())
    form = filter_form(data, request.user)
    # The tools once, for the form's select and the tables' tool names (else one query each).
    tools = tool_code_choices()
    form.fields["tool"].choices = tools
    try:
        report = selectors.monthly_report_for_user(user=request.user, filters=data)
    except DomainError as error:
        form.is_valid()
        if not form.errors:
            form.add_error(None, error.message)
        return render(request, "reporting/monthly.html", {"form": form, "report": None}, status=400)
    query = urlencode(
        {k: v for k in ("month", "service_area", "team", "tool") if (v := data.get(k))}
    )
    month_date = parse_month(report["month"])
    # The month before, worked out: 2000-01's is outside what parse_month takes.
    previous_date = months_before(month_date, 1)
    tables = {table.key: table for table in report_tables(report)}
    page = monthly_html.page_tables(report, tables, dict(tools), (month_date, previous_date))
    context = {
        "form": form,
        "report": report,
        "can_read_snapshots": permissions.snapshots_readable(request.user),
        # The link and the page ask the same rule: whoever may read calibration is offered it.
        "can_read_calibration": permissions.calibration_readable(user=request.user),
        "month_date": month_date,
        "previous_date": previous_date,
        "tables": tables,
        "page": page,
        "downloads": _downloads(query),
        "query": query,
    }
    return render(request, "reporting/monthly.html", context)
