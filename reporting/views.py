"""The report pages: the monthly report, trends and auditor calibration.

The figures come from reporting.selectors and reporting.trends (which also ask
reporting.permissions); this module only lays them out. Every count is a link to the audit
list filtered to exactly the audits behind it (drill-down): the report's filters plus the
AuditFilter fields that say what was counted (status, overall, domain, domain_grade,
moderated, moderated_overall, moderation_change...). Bad filters are a 400 page with an error
summary and the form to correct them.
"""

import math
from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.filters import tool_code_choices
from core.grades import SCALE, SHORT_NAMES
from core.models import Audit, Programme, ServiceArea
from core.months import FIRST_MONTH, format_month, months_before, parse_month
from reporting import charts, permissions, selectors, trends
from reporting.filters import ReportFilter
from reporting.selectors import DOMAIN_COLUMNS, GRADES

CHART_SERIES = [charts.Series(key=g, label=SHORT_NAMES[g], css=g.lower()) for g in SCALE]
KPI_SERIES = [
    charts.Series(key="ri_or_better_pct", label="Before moderation", css="kpi-before"),
    charts.Series(
        key="ri_or_better_pct_after_moderation", label="After moderation", css="kpi-after"
    ),
]
SUBMITTED = {"status": Audit.Status.SUBMITTED}
MODERATED = {"status": Audit.Status.SUBMITTED, "moderated": "yes"}
HEAT_LEVELS = 5


def _latest_programme_month():
    month = Programme.objects.order_by("-month").values_list("month", flat=True).first()
    return month or timezone.localdate().replace(day=1)


class Drill:
    """Links to the audit list for one scope: the report's filters plus what was counted."""

    def __init__(self, base: Mapping[str, object]):
        self.base = {key: value for key, value in base.items() if value not in (None, "")}

    def __call__(self, **extra) -> str:
        return reverse("audit_list") + "?" + urlencode({**self.base, **extra})

    def cell(self, n: int, pct: float | None = None, **extra) -> dict:
        """A count, its percentage and (when there is anything to list) its drill-down."""
        return {"n": n, "pct": pct, "href": self(**extra) if n else None}


def _drill(result: Mapping, **dates) -> Drill:
    """Links within a report's scope: its dates (month, or month_from and month_to) and filters."""
    filters = result["filters"]
    areas = filters["service_areas"]
    return Drill(
        {
            **dates,
            # A viewer's own areas are not a filter on the list: it shows only what they may see.
            "service_area": areas[0] if areas is not None and len(areas) == 1 else None,
            "team": filters["team"],
            "tool": filters["tool"],
        }
    )


def _grade_cells(drill: Drill, block: Mapping, keys, grade_as: str, **fixed) -> list[dict]:
    """One cell per grade, its drill-down filtering `grade_as` to that grade."""
    return [
        {"grade": key, **drill.cell(block[key]["n"], block[key]["pct"], **fixed, **{grade_as: key})}
        for key in keys
    ]


def _headline(drill: Drill, month: Mapping) -> list[dict]:
    """The headline's rows for one month (None cells: no programme, a gap)."""
    audits, moderations, kpi = month["audits"], month["moderations"], month["kpi"]
    assigned = audits["target_source"] == "assigned"
    live = moderations["target_source"] == "live_moderations"
    rows = [
        {
            "label": "Audits targeted" + (" (assigned)" if assigned else ""),
            **(
                drill.cell(audits["target"], current="yes")
                if assigned
                else {"n": audits["target"], "pct": None, "href": None}
            ),
        },
        {"label": "Audits returned", **drill.cell(audits["returned"], None, **SUBMITTED)},
    ]
    for grade in GRADES:
        cell = audits["overall"][grade]
        rows.append(
            {
                "label": f"{SHORT_NAMES[grade]} before moderation",
                **drill.cell(cell["n"], cell["pct"], overall=grade, **SUBMITTED),
            }
        )
    rows.append(
        {
            "label": "Inadequate – escalation (auditor)",
            **drill.cell(audits["escalations"], None, escalated="yes", **SUBMITTED),
        }
    )
    rows.append(
        {
            "label": "Moderations targeted" + (" (in the sample)" if live else ""),
            **(
                drill.cell(moderations["target"], sampled="yes")
                if live
                else {"n": moderations["target"], "pct": None, "href": None}
            ),
        }
    )
    rows.append(
        {
            "label": "Moderations completed",
            **drill.cell(moderations["completed"], None, **MODERATED),
        }
    )
    for grade in GRADES:
        cell = moderations["after"][grade]
        rows.append(
            {
                "label": f"{SHORT_NAMES[grade]} after moderation",
                **drill.cell(cell["n"], cell["pct"], moderated_overall=grade, **MODERATED),
            }
        )
    rows.append(
        {
            "label": "Escalations after moderation",
            **drill.cell(
                moderations["escalations_after"], None, moderated_escalated="yes", **MODERATED
            ),
        }
    )
    rows.append(
        {"label": "RI or better, before moderation", "kpi": kpi["ri_or_better_pct"], "n": None}
    )
    rows.append(
        {
            "label": "RI or better, after moderation",
            "kpi": kpi["ri_or_better_pct_after_moderation"],
            "n": None,
        }
    )
    return rows


def heat_level(n: int, largest: int) -> int:
    """0 for nothing, else 1..HEAT_LEVELS in proportion to the largest cell."""
    if not n or not largest:
        return 0
    return max(1, math.ceil(HEAT_LEVELS * n / largest))


def _matrix(drill: Drill, figures: Mapping, keys, pair_filter) -> dict:
    """The transition matrix: rows the auditor's grade, columns the moderator's."""
    counts = {(t["from"], t["to"]): t["n"] for t in figures["transitions"]}
    largest = max(counts.values(), default=0)
    rows = []
    for before in keys:
        cells = []
        for after in keys:
            n = counts.get((before, after), 0)
            cells.append(
                {
                    "after": after,
                    "level": heat_level(n, largest),
                    "same": before == after,
                    **drill.cell(n, None, **pair_filter(before, after)),
                }
            )
        total = sum(c["n"] for c in cells)
        rows.append({"before": before, "cells": cells, "total": total})
    totals = [sum(row["cells"][i]["n"] for row in rows) for i in range(len(keys))]
    return {"keys": keys, "rows": rows, "totals": totals, "pairs": figures["pairs"]}


def _agreement(drill: Drill, figures: Mapping, **base) -> dict:
    return {
        "pairs": drill.cell(figures["pairs"], None, **base),
        "agreed": drill.cell(
            figures["agreed"], figures["agreement_pct"], moderation_change="same", **base
        ),
        "upgraded": drill.cell(
            figures["upgraded"], figures["upgraded_pct"], moderation_change="upgraded", **base
        ),
        "downgraded": drill.cell(
            figures["downgraded"],
            figures["downgraded_pct"],
            moderation_change="downgraded",
            **base,
        ),
        "kappa": figures["weighted_kappa"],
        "kappa_pairs": figures["kappa_pairs"],
    }


def _domain_tables(drill: Drill, domains: list[dict], tool_names: Mapping[str, str]) -> list:
    """Per tool: the domains' rows, every count with its drill-down."""
    tools: dict[str, dict] = {}
    for domain in domains:
        key = f"{domain['tool']}:{domain['code']}"
        on_domain = {"domain": key, **SUBMITTED}
        on_moderated = {"domain": key, **MODERATED}
        tool = tools.setdefault(
            domain["tool"],
            {
                "code": domain["tool"],
                "name": tool_names.get(domain["tool"], domain["tool"]),
                "rows": [],
            },
        )
        tool["rows"].append(
            {
                "code": domain["code"],
                "title": domain["title"],
                "audits": drill.cell(domain["audits"], None, **on_domain),
                "all": _grade_cells(
                    drill, domain["all"], DOMAIN_COLUMNS, "domain_grade", **on_domain
                ),
                "moderated": drill.cell(domain["moderated"], None, **on_moderated),
                "after": _grade_cells(
                    drill,
                    domain["moderated_after"],
                    DOMAIN_COLUMNS,
                    "moderated_domain_grade",
                    **on_moderated,
                ),
                "agreement": _agreement(drill, domain, **on_moderated),
                "matrix": _matrix(
                    drill,
                    domain,
                    DOMAIN_COLUMNS,
                    lambda b, a, on=on_moderated: {
                        **on,
                        "domain_grade": b,
                        "moderated_domain_grade": a,
                    },
                ),
            }
        )
    return list(tools.values())


def _by_area_rows(drill: Drill, by_area: list[dict]) -> list[dict]:
    """The by-area table: each area's row, then its teams' rows, every count linked."""

    def row(part: Mapping, level: str, **where) -> dict:
        audits, moderations = part["audits"], part["moderations"]
        on = {**where, **SUBMITTED}
        return {
            "level": level,
            "name": part["name"],
            "assigned": drill.cell(audits["target"], None, **where, current="yes"),
            "returned": drill.cell(audits["returned"], None, **on),
            "returned_pct": audits["returned_pct"],
            "overall": _grade_cells(drill, audits["overall"], GRADES, "overall", **on),
            "escalations": drill.cell(audits["escalations"], None, escalated="yes", **on),
            "moderated": drill.cell(moderations["completed"], None, **where, **MODERATED),
            "agreement_pct": moderations["agreement_pct"],
            "upgraded_pct": moderations["upgraded_pct"],
            "downgraded_pct": moderations["downgraded_pct"],
            "kpi": part["kpi"],
        }

    rows = []
    for area in by_area:
        rows.append(row(area, "area", service_area=area["id"]))
        rows += [row(team, "team", team=team["id"]) for team in area["teams"]]
    return rows


def _filter_form(data, user):
    form = ReportFilter(data=data, queryset=Audit.objects.none()).form
    form.fields["month"].label = "Month"
    form.fields["month"].help_text = "As YYYY-MM, for example 2019-03."
    form.fields["service_area"].label = "Service area"
    form.fields["service_area"].empty_label = "All service areas"
    form.fields["team"].label = "Team"
    form.fields["team"].empty_label = "All teams"
    form.fields["tool"].label = "Audit tool"
    form.fields["tool"].empty_label = "All tools"
    form.fields["tool"].help_text = ""
    if not (user.is_qa_lead or user.is_moderator):
        # A head of service may choose only within their own areas.
        own = user.service_areas.all()
        form.fields["service_area"].queryset = ServiceArea.objects.filter(pk__in=own)
        form.fields["team"].queryset = form.fields["team"].queryset.filter(service_area__in=own)
    return form


def _downloads(query: str) -> dict:
    xlsx, csv = reverse("reports:download_xlsx"), reverse("reports:download_csv")
    return {"xlsx": f"{xlsx}?{query}", "csv": f"{csv}?{query}", "csv_base": f"{csv}?{query}&table="}


@login_required
@require_GET
def monthly(request):
    permissions.check_reports_readable(request.user)
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = format_month(_latest_programme_month())
    form = _filter_form(data, request.user)
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
    drill = _drill(report, month=report["month"])
    previous = report["previous_month"]
    previous_drill = _drill(report, month=previous["month"])
    moderations = report["moderations"]
    month_date = parse_month(report["month"])
    headline = _headline(drill, report)
    previous_headline = _headline(previous_drill, previous) if previous["has_programme"] else None
    context = {
        "form": form,
        "report": report,
        "can_read_snapshots": permissions.snapshots_readable(request.user),
        "month_date": month_date,
        # The month before, worked out: 2000-01's is outside what parse_month takes.
        "previous_date": months_before(month_date, 1),
        "headline": [
            {"current": row, "previous": previous_headline[i] if previous_headline else None}
            for i, row in enumerate(headline)
        ],
        "compliance": {
            "audits": {
                "target": report["audits"]["target"],
                "returned": drill.cell(report["audits"]["returned"], None, **SUBMITTED),
                "pct": report["audits"]["returned_pct"],
            },
            "moderations": {
                "target": moderations["target"],
                "completed": drill.cell(moderations["completed"], None, **MODERATED),
                "pct": moderations["completed_pct"],
            },
        },
        "before_after": [
            {
                "grade": grade,
                "name": SHORT_NAMES[grade],
                "before": drill.cell(
                    moderations["before"][grade]["n"],
                    moderations["before"][grade]["pct"],
                    overall=grade,
                    **MODERATED,
                ),
                "after": drill.cell(
                    moderations["after"][grade]["n"],
                    moderations["after"][grade]["pct"],
                    moderated_overall=grade,
                    **MODERATED,
                ),
            }
            for grade in GRADES
        ],
        "escalations": {
            "before": drill.cell(
                moderations["escalations_before"], None, escalated="yes", **MODERATED
            ),
            "after": drill.cell(
                moderations["escalations_after"], None, moderated_escalated="yes", **MODERATED
            ),
        },
        "matrix": _matrix(
            drill,
            moderations,
            GRADES,
            lambda b, a: {"overall": b, "moderated_overall": a, **MODERATED},
        ),
        "agreement": _agreement(drill, moderations, **MODERATED),
        "tools": _domain_tables(drill, report["domains"], dict(tool_code_choices())),
        "by_area": _by_area_rows(drill, report["by_area"]),
        "grade_names": SHORT_NAMES,
        "grades": GRADES,
        "domain_columns": DOMAIN_COLUMNS,
        "downloads": _downloads(query),
        "query": query,
    }
    return render(request, "reporting/monthly.html", context)


# ---------------------------------------------------------------- trends


def _range_filters(request):
    """The range pages' filters (to the latest programme's month by default) and their form."""
    data = request.GET.copy()
    if not data.get("month_to") and not data.get("month"):
        data["month_to"] = format_month(_latest_programme_month())
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
    base = _filter_form(data, request.user)
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
        drill = _drill(data, month=month["month"])
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
    return _drill(result, month_from=result["month_from"], month_to=result["month_to"])


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
        change: {"n": figures[change], "pct": figures[f"{change}_pct"], "href": None}
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
            "matrix": _matrix(
                drill,
                overall,
                GRADES,
                lambda first, again: {"first_overall": first, "overall": again, **REAUDIT},
            ),
            "changes": _changes(overall),
            "domains": _reaudit_domain_rows(drill, result),
            "grade_names": SHORT_NAMES,
        },
    )
