"""The range reports' tables (reporting.selectors: trend, calibration, re-audits), each defined
once; reporting.tables.ranges_html lays them out for the pages."""

from collections.abc import Mapping

from core.grades import SHORT_NAMES as GRADE_NAMES
from core.months import parse_month
from reporting.selectors import DOMAIN_COLUMNS, GRADES
from reporting.tables.model import Cell, Column, Drill, Kind, ReportTable, Row, report_drill
from reporting.tables.monthly import MODERATED, SUBMITTED, grade_cells, grade_columns, matrix_rows

TEXT = Kind.TEXT
REAUDIT = {"status": "submitted", "reaudit": "yes"}
NO_PROGRAMME = "No programme"


def range_drill(result: Mapping) -> Drill:
    return report_drill(result, month_from=result["month_from"], month_to=result["month_to"])


def month_domain(month: Mapping, domain: Mapping) -> dict:
    """One month's figures for the chosen domain."""
    return next(
        d for d in month["domains"] if d["tool"] == domain["tool"] and d["code"] == domain["code"]
    )


def month_text(month: Mapping) -> str:
    """A month as its tables name it: the current month, still under way, is "to date"."""
    return f"{month['month']} (to date)" if month.get("to_date") else month["month"]


def _gap(month: Mapping, columns) -> Row:
    """A month without a programme: no figures, and the page says why."""
    values = {c.key: Cell(None) for c in columns[1:]}
    return Row({"month": month["month"], **values}, key=month["month"], label=NO_PROGRAMME)


def trend_grades(result: Mapping, domain: Mapping | None) -> ReportTable:
    """By month: the returned audits and each grade (of the overall judgement or a domain)."""
    keys = GRADES if domain is None else DOMAIN_COLUMNS
    columns = (Column("month", "Month", TEXT), Column("audits", "Audits"), *grade_columns(keys))
    rows = []
    for month in result["months"]:
        if not month["has_programme"]:
            rows.append(_gap(month, columns))
            continue
        drill = report_drill(result, month=month["month"])
        if domain is None:
            block, total, on, grade_as = month["before"], month["audits"], SUBMITTED, "overall"
        else:
            found = month_domain(month, domain)
            block, total, grade_as = found["all"], found["audits"], "domain_grade"
            on = {"domain": domain["value"], **SUBMITTED}
        values = {
            "month": month_text(month),
            "audits": drill.cell(total, **on),
            **grade_cells(drill, block, keys, grade_as, **on),
        }
        rows.append(Row(values, key=month["month"]))
    subject = (
        "auditors' overall judgements"
        if domain is None
        else (f"auditors' grades of {domain['title']}")
    )
    caption = f"The chart's figures: {subject} by month, count (% of the month's returned audits)"
    return ReportTable("trend_grades", "Grades by month", caption, columns, rows)


def trend_kpi(result: Mapping) -> ReportTable:
    columns = (
        Column("month", "Month", TEXT),
        Column("kpi", "Before moderation", Kind.PCT),
        Column("moderated", "Moderated audits"),
        Column("kpi_after", "After moderation", Kind.PCT),
    )
    rows = []
    for month in result["months"]:
        if not month["has_programme"]:
            rows.append(_gap(month, columns))
            continue
        drill = report_drill(result, month=month["month"])
        values = {
            "month": month_text(month),
            "kpi": Cell(None, month["kpi"]["ri_or_better_pct"]),
            "moderated": drill.cell(month["moderated"], **MODERATED),
            "kpi_after": Cell(None, month["kpi"]["ri_or_better_pct_after_moderation"]),
        }
        rows.append(Row(values, key=month["month"]))
    caption = "The chart's figures: % of audits rated requires improvement or better, by month"
    return ReportTable("trend_kpi", "RI or better by month", caption, columns, rows)


def quarters(result: Mapping) -> ReportTable:
    columns = (
        Column("quarter", "Quarter", TEXT),
        Column("audits", "Audits"),
        *[Column(g, f"{GRADE_NAMES[g]} %", Kind.PCT) for g in GRADES],
        Column("kpi", "RI or better %", Kind.PCT),
        Column("change", "Change (points)", Kind.NUMBER),
    )
    rows = []
    for q in result["quarters"]:
        label = q["quarter"] if q["complete"] else f"{q['quarter']} (part)"
        if not q["has_programme"]:
            empty = {c.key: Cell(None) for c in columns[1:]}
            rows.append(Row({"quarter": label, **empty}, key=q["quarter"], label=NO_PROGRAMME))
            continue
        figures = {
            "audits": Cell(q["audits"]),
            **{g: Cell(None, q["before"][g]["pct"]) for g in GRADES},
            "kpi": Cell(None, q["kpi"]["ri_or_better_pct"]),
            "change": Cell(q["ri_or_better_change"]),
        }
        rows.append(Row({"quarter": label, **figures}, key=q["quarter"]))
    caption = "Financial-year quarters (Q1 is April to June): overall judgements before moderation"
    return ReportTable("quarters", "Quarter against quarter", caption, columns, rows)


# ---------------------------------------------------------------- calibration


def calibration(result: Mapping, who: str) -> ReportTable:
    """Per auditor or per team (who: "auditors" or "teams"): how often moderators agreed."""
    base = range_drill(result)
    columns = (
        Column("name", "Auditor" if who == "auditors" else "Team", TEXT),
        Column("moderated", "Moderated"),
        Column("agreed", "Agreed", Kind.COUNT_PCT, "Agreement %"),
        Column("upgraded", "Upgraded"),
        Column("downgraded", "Downgraded"),
        Column("mean_shift", "Mean shift", Kind.NUMBER),
        Column("domain_pairs", "Domain pairs", Kind.NUMBER),
        Column("domain_agreement", "Domain agreement %", Kind.PCT),
    )
    rows = []
    for row in result[who]:
        if who == "auditors":
            drill, name = base.narrowed(auditor=row["auditor"]["username"]), row["auditor"]["name"]
        else:
            drill, name = base.narrowed(team=row["team"]["id"]), row["team"]["name"]
        values = {
            "name": name,
            "moderated": drill.cell(row["moderated"], **MODERATED),
            "agreed": drill.cell(
                row["agreed"], row["agreement_pct"], moderation_change="same", **MODERATED
            ),
            "upgraded": drill.cell(row["upgraded"], moderation_change="upgraded", **MODERATED),
            "downgraded": drill.cell(
                row["downgraded"], moderation_change="downgraded", **MODERATED
            ),
            "mean_shift": Cell(row["mean_shift"]),
            "domain_pairs": Cell(row["domain_pairs"]),
            "domain_agreement": Cell(None, row["domain_agreement_pct"]),
        }
        rows.append(Row(values, key=name, label=name))
    if who == "auditors":
        caption = "Moderated audits per auditor"
    else:
        caption = "Moderated audits per team of the audited case"
    return ReportTable(f"calibration_{who}", f"Calibration by {who[:-1]}", caption, columns, rows)


def calibration_over_time(result: Mapping, who: str) -> ReportTable:
    """Per auditor or per team, month by month: agreement on the overall judgement. Each
    cell's n is the month's moderated audits (the drill-down lists them, with the moderator's
    judgement beside the auditor's) and its pct how many of them the moderator kept."""
    by_month = result["by_month"]
    base = range_drill(result)
    columns = (
        Column("name", "Auditor" if who == "auditors" else "Team", TEXT),
        *(
            Column(
                month,
                f"{parse_month(month):%b %Y}",
                Kind.COUNT_PCT,
                f"{parse_month(month):%b %Y} agreement %",
            )
            for month in by_month["months"]
        ),
        Column("total", "Whole range", Kind.COUNT_PCT, "Whole range agreement %"),
    )
    rows = []
    for row in by_month[who]:
        if who == "auditors":
            drill, name = base.narrowed(auditor=row["auditor"]["username"]), row["auditor"]["name"]
        else:
            drill, name = base.narrowed(team=row["team"]["id"]), row["team"]["name"]
        values: dict = {"name": name}
        for month in row["months"]:
            month_drill = Drill(
                {**drill.base, "month_from": None, "month_to": None, "month": month["month"]},
                drill.team_manager,
            )
            values[month["month"]] = month_drill.cell(
                month["moderated"], month["agreement_pct"], **MODERATED
            )
        total = row["total"]
        values["total"] = drill.cell(total["moderated"], total["agreement_pct"], **MODERATED)
        rows.append(Row(values, key=name, label=name))
    subject = "auditor" if who == "auditors" else "team of the audited case"
    caption = (
        f"Agreement with moderation by {subject}, month by month: moderated audits "
        "(% whose overall judgement the moderator kept)"
    )
    title = f"Calibration by month, {who}"
    return ReportTable(f"calibration_months_{who}", title, caption, columns, rows)


# ---------------------------------------------------------------- re-audits

CHANGES = (
    Column("improved", "Improved", Kind.COUNT_PCT),
    Column("same", "Same", Kind.COUNT_PCT),
    Column("worse", "Worse", Kind.COUNT_PCT),
)


def _changes(figures: Mapping) -> dict:
    """Improved, same and worse: counts with their percentages (no list to drill into)."""
    return {c.key: Cell(figures[c.key], figures[f"{c.key}_pct"]) for c in CHANGES}


def reaudit_summary(result: Mapping) -> ReportTable:
    drill = range_drill(result)
    columns = (Column("reaudits", "Re-audits"), *CHANGES)
    values = {"reaudits": drill.cell(result["cohort"], **REAUDIT), **_changes(result["overall"])}
    caption = "Re-audits and how their overall judgement changed"
    return ReportTable("reaudits", "Re-audits", caption, columns, [Row(values, key="overall")])


def reaudit_matrix(result: Mapping) -> ReportTable:
    columns = (
        Column("first", "Earlier audit", TEXT),
        *[Column(g, f"Re-audit: {GRADE_NAMES[g]}") for g in GRADES],
        Column("total", "Total"),
    )
    rows = matrix_rows(
        range_drill(result),
        result["overall"],
        GRADES,
        lambda first, again: {"first_overall": first, "overall": again, **REAUDIT},
    )
    caption = "Re-audits by the earlier judgement (rows) and the re-audit's (columns)"
    return ReportTable("reaudit_matrix", "Re-audit matrix", caption, columns, rows)


def reaudit_domains(result: Mapping, tool_names: Mapping[str, str]) -> ReportTable:
    """A row per domain; the tool's name beside it only when the cohort spans tools."""
    drill = range_drill(result)
    several = len({domain["tool"] for domain in result["domains"]}) > 1
    columns = (Column("domain", "Domain", TEXT), Column("pairs", "Pairs"), *CHANGES)
    rows = []
    for d in result["domains"]:
        tool = tool_names.get(d["tool"], d["tool"]) if several else ""
        values = {
            "domain": d["title"],
            "pairs": drill.cell(d["pairs"], **REAUDIT, domain=f"{d['tool']}:{d['code']}"),
            **_changes(d),
        }
        rows.append(Row(values, key=f"{d['tool']}:{d['code']}", label=d["title"], group=tool))
    caption = "Domains graded in both audits (N/A on either side is not compared)"
    return ReportTable("reaudit_domains", "Re-audits by domain", caption, columns, rows)
