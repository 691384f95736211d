"""The range report pages: trends, auditor calibration and re-audits.

The figures come from reporting.trends (which asks reporting.permissions); every count is a
reporting.tables Cell whose filter lists exactly its audits (drill-down), as on the monthly
page. Bad filters are a 400 page with an error summary and the form to correct them.
"""

from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.filters import tool_code_choices
from core.grades import SCALE, SHORT_NAMES
from core.models import Audit
from core.months import FIRST_MONTH, format_month, months_before, parse_month
from reporting import charts, permissions, trends
from reporting.selectors import DOMAIN_COLUMNS, GRADES
from reporting.tables.html import matrix_table
from reporting.tables.model import Cell, Drill, ReportTable, report_drill
from reporting.tables.monthly import MODERATED, SUBMITTED, matrix_rows
from reporting.views import filter_form, latest_programme_month

CHART_SERIES = [charts.Series(key=g, label=SHORT_NAMES[g], css=g.lower()) for g in SCALE]
KPI_SERIES = [
    charts.Series(key="ri_or_better_pct", label="Before moderation", css="kpi-before"),
    charts.Series(
        key="ri_or_better_pct_after_moderation", label="After moderation", css="kpi-after"
    ),
]


def _grade_cells(drill: Drill, block: Mapping, keys, grade_as: str, **fixed) -> list[dict]:
    """One cell per grade, its drill-down filtering `grade_as` to that grade."""
    return [
        {
            "grade": key,
            "cell": drill.cell(block[key]["n"], block[key]["pct"], **fixed, **{grade_as: key}),
        }
        for key in keys
    ]


def _range_filters(request):
    """The range pages' filters (to the latest programme's month by default) and their form."""
    data = request.GET.copy()
    if not data.get("month_to") and not data.get("month"):
        data["month_to"] = format_month(latest_programme_month())
    if not data.get("month_from"):
        # Shown in the form as the range it is: the 12 months to the last one.
        try:
            last = parse_month(data.get("month_to") or data.get("month"))
        except ValueError:
            pass  # the filter reports the bad month
        else:
            data["month_from"] = format_month(max(months_before(last, 11), FIRST_MONTH))
    form = trends.RangeReportFilter(data=data, queryset=Audit.objects.none()).form
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


def _month_domain(month: Mapping, domain: Mapping) -> dict:
    """One month's figures for the chosen domain."""
    return next(
        d for d in month["domains"] if d["tool"] == domain["tool"] and d["code"] == domain["code"]
    )


def _trend_rows(data: dict, domain: dict | None) -> list[dict]:
    rows = []
    for month in data["months"]:
        drill = report_drill(data, month=month["month"])
        if not month["has_programme"]:
            rows.append({"month": month["month"], "gap": True})
            continue
        if domain is None:
            block, total = month["before"], month["audits"]
            extra = dict(SUBMITTED)
            grade_as, keys = "overall", GRADES
        else:
            found = _month_domain(month, domain)
            block, total = found["all"], found["audits"]
            extra = {"domain": domain["value"], **SUBMITTED}
            grade_as, keys = "domain_grade", DOMAIN_COLUMNS
        rows.append(
            {
                "month": month["month"],
                "gap": False,
                "total": drill.cell(total, None, **extra),
                "cells": _grade_cells(drill, block, keys, grade_as, **extra),
                "moderated": drill.cell(month["moderated"], None, **MODERATED),
                "kpi": month["kpi"],
            }
        )
    return rows


@login_required
@require_GET
def trend_page(request):
    permissions.check_reports_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = trends.trend_for_user(user=request.user, filters=data)
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
        charts.Point(label=m["month"], values=m["kpi"] if m["has_programme"] else None)
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
    return render(
        request,
        "reporting/trends.html",
        {
            "form": form,
            "data": result,
            "domain": domain,
            "domain_choices": domain_choices,
            "domain_key": domain_key,
            "rows": _trend_rows(result, domain),
            "keys": GRADES if domain is None else DOMAIN_COLUMNS,
            "grades": GRADES,
            "grade_names": SHORT_NAMES,
            "bar_chart": bar_chart,
            "line_chart": line,
            "quarters": result["quarters"],
        },
    )


def _domain_pcts(month: Mapping, domain: Mapping) -> dict:
    found = _month_domain(month, domain)
    # The N/A share is left out of the bars: they show the graded part (the table has N/A).
    graded = sum(found["all"][g]["n"] for g in GRADES)
    return {g: (100 * found["all"][g]["n"] / graded if graded else 0) for g in GRADES}


# ---------------------------------------------------------------- calibration


def _range_drill(result: Mapping) -> Drill:
    return report_drill(result, month_from=result["month_from"], month_to=result["month_to"])


def _calibration_rows(result: dict, who: str) -> list[dict]:
    base = _range_drill(result).base
    rows = []
    for row in result[who]:
        if who == "auditors":
            drill = Drill({**base, "auditor": row["auditor"]["username"]})
            name = row["auditor"]["name"]
        else:
            drill = Drill({**base, "team": row["team"]["id"]})
            name = row["team"]["name"]
        rows.append(
            {
                "name": name,
                "moderated": drill.cell(row["moderated"], None, **MODERATED),
                "agreed": drill.cell(
                    row["agreed"], row["agreement_pct"], moderation_change="same", **MODERATED
                ),
                "upgraded": drill.cell(
                    row["upgraded"], None, moderation_change="upgraded", **MODERATED
                ),
                "downgraded": drill.cell(
                    row["downgraded"], None, moderation_change="downgraded", **MODERATED
                ),
                "mean_shift": row["mean_shift"],
                "domain_pairs": row["domain_pairs"],
                "domain_agreement_pct": row["domain_agreement_pct"],
            }
        )
    return rows


@login_required
@require_GET
def calibration_page(request):
    permissions.check_calibration_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = trends.calibration_for_user(user=request.user, filters=data)
    except DomainError as error:
        return _bad_range(request, "reporting/calibration.html", form, error)
    return render(
        request,
        "reporting/calibration.html",
        {
            "form": form,
            "data": result,
            "auditors": _calibration_rows(result, "auditors"),
            "teams": _calibration_rows(result, "teams"),
        },
    )


# ---------------------------------------------------------------- re-audits

REAUDIT = {"status": "submitted", "reaudit": "yes"}


def _changes(figures: Mapping) -> dict:
    """Improved, same and worse: counts with their percentages (no list to drill into)."""
    return {
        change: Cell(figures[change], figures[f"{change}_pct"])
        for change in ("improved", "same", "worse")
    }


def _reaudit_domain_rows(drill: Drill, result: dict) -> list[dict]:
    """A row per domain; the tool's name beside it only when the cohort spans tools."""
    names = dict(tool_code_choices())
    several = len({domain["tool"] for domain in result["domains"]}) > 1
    return [
        {
            "title": domain["title"],
            "tool": names.get(domain["tool"], domain["tool"]) if several else "",
            "pairs": drill.cell(
                domain["pairs"], None, **REAUDIT, domain=f"{domain['tool']}:{domain['code']}"
            ),
            **_changes(domain),
        }
        for domain in result["domains"]
    ]


@login_required
@require_GET
def reaudits_page(request):
    permissions.check_reports_readable(request.user)
    data, form = _range_filters(request)
    try:
        result = trends.reaudits_for_user(user=request.user, filters=data)
    except DomainError as error:
        return _bad_range(request, "reporting/reaudits.html", form, error)
    drill = _range_drill(result)
    overall = result["overall"]
    return render(
        request,
        "reporting/reaudits.html",
        {
            "form": form,
            "data": result,
            "cohort": drill.cell(result["cohort"], None, **REAUDIT),
            "matrix": matrix_table(
                ReportTable(
                    "reaudits",
                    "Re-audits",
                    "",
                    (),
                    matrix_rows(
                        drill,
                        overall,
                        GRADES,
                        lambda first, again: {"first_overall": first, "overall": again, **REAUDIT},
                    ),
                ),
                GRADES,
                SHORT_NAMES,
                caption="Re-audits by the earlier judgement (rows) and the re-audit's (columns)",
                id="reaudit-matrix",
                first="Earlier audit",
            ),
            "changes": _changes(overall),
            "domains": _reaudit_domain_rows(drill, result),
            "grade_names": SHORT_NAMES,
        },
    )
