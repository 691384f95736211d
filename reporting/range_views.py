"""The range report pages: trends, auditor calibration and re-audits.

The figures come from reporting.selectors (which asks reporting.permissions); every count is a
reporting.tables Cell whose filter lists exactly its audits (drill-down), as on the monthly
page. Bad filters are a 400 page with an error summary and the form to correct them.
"""

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.filters import tool_code_choices
from core.grades import SCALE, SHORT_NAMES
from core.models import Audit
from core.months import FIRST_MONTH, format_month, months_before, parse_month
from core.services.access_log import audit_read_record
from reporting import charts, permissions
from reporting.exports import tables_xlsx, to_csv
from reporting.selectors import GRADES
from reporting.selectors.calibration import calibration_for_user
from reporting.selectors.ranges import RangeReportFilter
from reporting.selectors.reaudits import reaudits_for_user
from reporting.selectors.trend import trend_for_user
from reporting.tables import ranges, ranges_html
from reporting.views import filter_form, latest_programme_month

REPORT_SCOPE = ("month_from", "month_to", "service_area", "team", "tool", "table")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_SERIES = [charts.Series(key=g, label=SHORT_NAMES[g], css=g.lower()) for g in SCALE]
KPI_SERIES = [
    charts.Series(key="ri_or_better_pct", label="Before moderation", css="kpi-before"),
    charts.Series(
        key="ri_or_better_pct_after_moderation", label="After moderation", css="kpi-after"
    ),
]


def _range_filters(request):
    """The range pages' filters (to the latest programme's month by default) and their form."""
    data = request.GET.copy()
    if not data.get("month_to") and not data.get("month"):
        # To the latest programme's month, but never past this month: a programme opened
        # ahead would show future months as empty.
        this_month = timezone.localdate().replace(day=1)
        data["month_to"] = format_month(min(latest_programme_month(), this_month))
    if not data.get("month_from"):
        # Shown in the form as the range it is: the 12 months to the last one.
        try:
            last = parse_month(data.get("month_to") or data.get("month"))
        except ValueError:
            pass  # the filter reports the bad month
        else:
            data["month_from"] = format_month(max(months_before(last, 11), FIRST_MONTH))
    form = RangeReportFilter(data=data, queryset=Audit.objects.none()).form
    del form.fields["month"]  # the range says it all on this page
    form.fields["month_from"].label = "From month"
    form.fields["month_to"].label = "To month"
    for name in ("month_from", "month_to"):
        form.fields[name].help_text = "As YYYY-MM."
    base = filter_form(data, request.user)
    for name in ("service_area", "team", "tool"):
        form.fields[name] = base.fields[name]
    form.order_fields(["month_from", "month_to", "service_area", "team", "tool"])
    return data, form


def _bad_range(request, template, form, error: DomainError):
    form.is_valid()
    for field, messages in (error.field_errors or {}).items():
        for message in messages:
            if field in form.fields and message not in form.errors.get(field, []):
                form.add_error(field, message)
    if not form.errors:
        form.add_error(None, error.message)
    return render(request, template, {"form": form, "data": None}, status=400)


@login_required
@require_GET
def trend_page(request):
    permissions.check_reports_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = trend_for_user(user=request.user, filters=data)
    except DomainError as error:
        return _bad_range(request, "reporting/trends.html", form, error)
    domain_key = data.get("domain") or ""
    domain = None
    domain_choices = [
        {"value": f"{d['tool']}:{d['code']}", "label": f"{d['title']} ({d['tool']})", **d}
        for d in result["domains"]
    ]
    if domain_key:
        domain = next((d for d in domain_choices if d["value"] == domain_key), None)
        if domain is None:
            form.is_valid()
            form.add_error(None, "Choose a domain from the list.")
            return render(
                request,
                "reporting/trends.html",
                {"form": form, "data": None, "domain_error": True},
                status=400,
            )
    months = result["months"]
    distribution_points = [
        charts.Point(
            label=m["month"],
            partial=m["to_date"],
            values=None
            if not m["has_programme"]
            else (
                {g: m["before"][g]["pct"] for g in GRADES}
                if domain is None
                else _domain_pcts(m, domain)
            ),
        )
        for m in months
    ]
    kpi_points = [
        charts.Point(
            label=m["month"],
            values=m["kpi"] if m["has_programme"] else None,
            partial=m["to_date"],
        )
        for m in months
    ]
    subject = "overall judgements" if domain is None else f"the {domain['title']} domain"
    first, last = result["month_from"], result["month_to"]
    bar_chart = charts.stacked_bars(
        chart_id="chart-distribution",
        title=f"Grades of {subject} by month, {first} to {last}",
        desc="Stacked bars, one per month, of the percentage of returned audits in each grade "
        "(auditors' grades, before moderation). Months without a programme are gaps. "
        "The table after the chart gives every figure.",
        points=distribution_points,
        series=CHART_SERIES,
    )
    line = charts.line_chart(
        chart_id="chart-kpi",
        title=f"Audits rated RI or better by month, {first} to {last}",
        desc="Two lines: the percentage of returned audits rated requires improvement or "
        "better by the auditors (circles), and of moderated audits by the moderators "
        "(squares, dashed). Months without a programme are gaps. The table after the chart "
        "gives every figure.",
        points=kpi_points,
        series=KPI_SERIES,
    )
    tables = {
        "trend_grades": ranges.trend_grades(result, domain),
        "trend_kpi": ranges.trend_kpi(result),
        "quarters": ranges.quarters(result),
    }
    return render(
        request,
        "reporting/trends.html",
        {
            "form": form,
            "data": result,
            "domain": domain,
            "domain_choices": domain_choices,
            "domain_key": domain_key,
            "version_notes": list(dict.fromkeys(n for d in result["domains"] for n in d["notes"])),
            "tables": tables,
            "page": {
                "grades": ranges_html.trend_grades(tables["trend_grades"]),
                "kpi": ranges_html.trend_kpi(tables["trend_kpi"]),
                "quarters": ranges_html.quarters(tables["quarters"]),
            },
            "bar_chart": bar_chart,
            "line_chart": line,
            "can_read_calibration": permissions.calibration_readable(user=request.user),
        },
    )


def _domain_pcts(month: Mapping, domain: Mapping) -> dict:
    found = ranges.month_domain(month, domain)
    # The N/A share is left out of the bars: they show the graded part (the table has N/A).
    graded = sum(found["all"][g]["n"] for g in GRADES)
    return {g: (100 * found["all"][g]["n"] / graded if graded else 0) for g in GRADES}


# ---------------------------------------------------------------- calibration


def _calibration_tables(result: Mapping) -> dict:
    tables = [ranges.calibration(result, w) for w in ("auditors", "teams")]
    tables += [ranges.calibration_over_time(result, w) for w in ("auditors", "teams")]
    return {t.key: t for t in tables}


@login_required
@require_GET
def calibration_page(request):
    permissions.check_calibration_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = calibration_for_user(user=request.user, filters=data)
    except DomainError as error:
        return _bad_range(request, "reporting/calibration.html", form, error)
    tables = _calibration_tables(result)
    query = urlencode({k: v for k, v in data.items() if v})
    return render(
        request,
        "reporting/calibration.html",
        {
            "form": form,
            "data": result,
            "tables": tables,
            "auditors": ranges_html.calibration(tables["calibration_auditors"]),
            "teams": ranges_html.calibration(tables["calibration_teams"]),
            "auditors_by_month": ranges_html.calibration_over_time(
                tables["calibration_months_auditors"]
            ),
            "teams_by_month": ranges_html.calibration_over_time(tables["calibration_months_teams"]),
            "xlsx": f"{reverse('reports:calibration_xlsx')}?{query}",
            "downloads_csv": {"csv_base": f"{reverse('reports:calibration_csv')}?{query}&table="},
        },
    )


def _calibration_download(request, extension: str) -> HttpResponse:
    """The calibration page's tables as XLSX (every table) or CSV (?table=KEY), from the same
    definitions as the page; a filtered file names its range and filters."""
    permissions.check_calibration_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = calibration_for_user(user=request.user, filters=data)
        tables = _calibration_tables(result)
        key = request.GET.get("table", "")
        if extension == "csv" and key not in tables:
            raise DomainError(
                f"There is no table called {key!r}: choose one of " + ", ".join(tables)
            )
    except DomainError as error:
        return _bad_range(request, "reporting/calibration.html", form, error)
    audit_read_record(
        user=request.user,
        channel="page",
        what=f"export:calibration-{extension}",
        scope={k: v for k, v in data.items() if k in REPORT_SCOPE},
    )
    stem = _calibration_stem(result)
    if extension == "xlsx":
        content, kind = tables_xlsx(list(tables.values())), XLSX
        name = f"{stem}.xlsx"
    else:
        content, kind = to_csv(tables[key]).encode(), "text/csv; charset=utf-8"
        name = f"{stem}-{key}.csv"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _calibration_stem(result: Mapping) -> str:
    filters = result["filters"]
    parts = [f"calibration-{result['month_from']}-to-{result['month_to']}"]
    if filters["service_areas"] is not None:
        parts.append("area-" + "-".join(str(pk) for pk in filters["service_areas"]))
    if filters["team"] is not None:
        parts.append(f"team-{filters['team']}")
    if filters["tool"]:
        parts.append(re.sub(r"[^A-Za-z0-9_.-]", "", filters["tool"]))
    return "-".join(parts)


@login_required
@require_GET
def calibration_xlsx(request):
    return _calibration_download(request, "xlsx")


@login_required
@require_GET
def calibration_csv(request):
    return _calibration_download(request, "csv")


# ---------------------------------------------------------------- re-audits


@login_required
@require_GET
def reaudits_page(request):
    permissions.check_reports_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = reaudits_for_user(user=request.user, filters=data)
    except DomainError as error:
        return _bad_range(request, "reporting/reaudits.html", form, error)
    tables = {
        "reaudits": ranges.reaudit_summary(result),
        "reaudit_matrix": ranges.reaudit_matrix(result),
        "reaudit_domains": ranges.reaudit_domains(result, dict(tool_code_choices())),
    }
    return render(
        request,
        "reporting/reaudits.html",
        {
            "form": form,
            "data": result,
            "tables": tables,
            "summary": tables["reaudits"].row("overall"),
            "matrix": ranges_html.reaudit_matrix(tables["reaudit_matrix"]),
            "domains": ranges_html.reaudit_domains(tables["reaudit_domains"]),
        },
    )
