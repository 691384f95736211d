"""The monthly report's tables (reporting.selectors.monthly_report's dict), each defined once.

Every format renders these: the page (reporting.tables.html), XLSX, CSV and JSON
(reporting.exports). The page's tables are views of them (some columns, rows grouped by tool).
"""

from collections.abc import Mapping

from core.grades import SHORT_NAMES as GRADE_NAMES
from core.grades import percent
from core.models import Audit
from reporting.selectors import DOMAIN_COLUMNS, GRADES
from reporting.tables.model import Cell, Column, Drill, Kind, ReportTable, Row, report_drill

SUBMITTED = {"status": Audit.Status.SUBMITTED}
MODERATED = {"status": Audit.Status.SUBMITTED, "moderated": "yes"}
TEXT = Kind.TEXT


def grade_columns(keys, suffix: str = "", prefix: str = "") -> list[Column]:
    return [Column(f"{prefix}{key}", f"{GRADE_NAMES[key]}{suffix}", Kind.COUNT_PCT) for key in keys]


def grade_cells(drill: Drill, block: Mapping, keys, grade_as: str, prefix: str = "", **on):
    """One cell per grade, its drill-down filtering `grade_as` to that grade."""
    return {
        f"{prefix}{key}": drill.cell(block[key]["n"], block[key]["pct"], **on, **{grade_as: key})
        for key in keys
    }


def month_drill(report: Mapping, month: Mapping) -> Drill:
    return report_drill(report, month=month["month"])


# ---------------------------------------------------------------- about


def about(report: Mapping, labels: Mapping[str, str]) -> ReportTable:
    rows = [Row({"item": "Month", "value": report["month"]})]
    rows += [Row({"item": name, "value": value}) for name, value in labels.items()]
    columns = (Column("item", "Item", TEXT), Column("value", "Value", TEXT))
    return ReportTable("about", "About", "The month and the filters", columns, rows)


# ---------------------------------------------------------------- headline

HEADLINE_COLUMNS = (
    Column("month", "Month", TEXT),
    Column("programme", "Programme", TEXT),
    Column("measure", "Measure", TEXT),
    Column("grade", "Grade", TEXT),
    Column("count", "Count", Kind.COUNT_PCT, pct_heading="%"),
)


def headline_rows(drill: Drill, month: Mapping) -> list[Row]:
    """One row per figure of a month's headline, in the page's order. `label` is the page's
    name for the figure, the Measure and Grade columns the spreadsheet's."""
    audits, moderations, kpi = month["audits"], month["moderations"], month["kpi"]
    assigned = audits["target_source"] == "assigned"
    live = moderations["target_source"] == "live_moderations"
    fixed = {"month": month["month"], "programme": "yes" if month["has_programme"] else "no"}
    # A team manager may not list a colleague's draft: the audits assigned are a count only.
    team_manager = drill.team_manager

    def row(key, label, measure, cell: Cell, grade: str = "") -> Row:
        values = {**fixed, "measure": measure, "grade": grade, "count": cell}
        return Row(values, key=key, label=label)

    rows = [
        row(
            "targeted",
            "Audits targeted" + (" (assigned)" if assigned else ""),
            "Audits targeted",
            drill.cell(audits["target"], current="yes")
            if assigned and not team_manager
            else Cell(audits["target"]),
        ),
        row(
            "returned",
            "Audits returned",
            "Audits returned",
            drill.cell(audits["returned"], audits["returned_pct"], **SUBMITTED),
        ),
    ]
    rows += [
        row(
            f"before:{g}",
            f"{GRADE_NAMES[g]} before moderation",
            "Overall judgement before moderation",
            drill.cell(c["n"], c["pct"], overall=g, **SUBMITTED),
            GRADE_NAMES[g],
        )
        for g, c in ((g, audits["overall"][g]) for g in GRADES)
    ]
    rows += [
        row(
            "escalations",
            "Inadequate – escalation (auditor)",
            "Escalations by auditors",
            drill.cell(audits["escalations"], escalated="yes", **SUBMITTED),
        ),
        row(
            "moderations_targeted",
            "Moderations targeted" + (" (in the sample)" if live else ""),
            "Moderations targeted",
            drill.cell(moderations["target"], sampled="yes")
            if live
            else Cell(moderations["target"]),
        ),
        row(
            "completed",
            "Moderations completed",
            "Moderations completed",
            drill.cell(moderations["completed"], moderations["completed_pct"], **MODERATED),
        ),
    ]
    rows += [
        row(
            f"after:{g}",
            f"{GRADE_NAMES[g]} after moderation",
            "Overall judgement after moderation",
            drill.cell(c["n"], c["pct"], moderated_overall=g, **MODERATED),
            GRADE_NAMES[g],
        )
        for g, c in ((g, moderations["after"][g]) for g in GRADES)
    ]
    rows += [
        row(
            "escalations_after",
            "Escalations after moderation",
            "Escalations after moderation",
            drill.cell(moderations["escalations_after"], moderated_escalated="yes", **MODERATED),
        ),
        row(
            "kpi",
            "RI or better, before moderation",
            "Audits rated RI or better",
            Cell(None, kpi["ri_or_better_pct"]),
        ),
        row(
            "kpi_after",
            "RI or better, after moderation",
            "Moderated audits rated RI or better after moderation",
            Cell(None, kpi["ri_or_better_pct_after_moderation"]),
        ),
    ]
    return rows


def headline(report: Mapping) -> ReportTable:
    rows = headline_rows(month_drill(report, report), report)
    caption = f"The headline figures, {report['month']}"
    return ReportTable("headline", "Headline", caption, HEADLINE_COLUMNS, rows)


def previous_month(report: Mapping) -> ReportTable:
    previous = report["previous_month"]
    rows = headline_rows(month_drill(report, previous), previous)
    caption = f"The headline figures of the month before, {previous['month']}"
    return ReportTable("previous_month", "Previous month", caption, HEADLINE_COLUMNS, rows)


# ---------------------------------------------------------------- compliance


def compliance(report: Mapping) -> ReportTable:
    columns = (
        Column("month", "Month", TEXT),
        Column("programme", "Programme", TEXT),
        Column("audits_expected", "Audits expected (programme target)"),
        Column("audits_returned", "Audits returned", Kind.COUNT_PCT, "% of target"),
        Column("audits_assigned", "Audits assigned"),
        Column("returned_of_assigned", "Returned % of assigned", Kind.PCT),
        Column("moderations_expected", "Moderations expected"),
        Column("moderations_completed", "Moderations completed", Kind.COUNT_PCT, "% completed"),
    )
    rows = []
    for key, month in (("current", report), ("previous", report["previous_month"])):
        drill = month_drill(report, month)
        audits, moderations = month["audits"], month["moderations"]
        values = {
            "month": month["month"],
            "programme": "yes" if month["has_programme"] else "no",
            "audits_expected": Cell(audits["target"]),
            "audits_returned": drill.cell(audits["returned"], audits["returned_pct"], **SUBMITTED),
            # A team manager may not open colleagues' drafts: a plain number for them.
            "audits_assigned": Cell(audits["assigned"])
            if drill.team_manager
            else drill.cell(audits["assigned"], current="yes"),
            "returned_of_assigned": Cell(None, percent(audits["returned"], audits["assigned"])),
            "moderations_expected": Cell(moderations["target"]),
            "moderations_completed": drill.cell(
                moderations["completed"], moderations["completed_pct"], **MODERATED
            ),
        }
        rows.append(Row(values, key=key))
    caption = (
        "Returned against expected: audits against the programmes' target and against the "
        "audits assigned (moderations may exceed 100%)"
    )
    return ReportTable("compliance", "Compliance", caption, columns, rows)


# ---------------------------------------------------------------- domains

DOMAIN_NAME_COLUMNS = (
    Column("tool", "Tool", TEXT),
    Column("code", "Domain code", TEXT),
    Column("domain", "Domain", TEXT),
)


def _domain_name(domain: Mapping) -> dict:
    return {"tool": domain["tool"], "code": domain["code"], "domain": domain["title"]}


def _on_domain(domain: Mapping, on: Mapping) -> dict:
    return {"domain": f"{domain['tool']}:{domain['code']}", **on}


def domains_all(report: Mapping) -> ReportTable:
    drill = month_drill(report, report)
    columns = (*DOMAIN_NAME_COLUMNS, Column("audits", "Audits"), *grade_columns(DOMAIN_COLUMNS))
    rows = []
    for d in report["domains"]:
        on = _on_domain(d, SUBMITTED)
        values = {
            **_domain_name(d),
            "audits": drill.cell(d["audits"], **on),
            **grade_cells(drill, d["all"], DOMAIN_COLUMNS, "domain_grade", **on),
        }
        rows.append(Row(values, key=d["code"], label=d["title"], group=d["tool"]))
    caption = "Auditors' grades per domain, count (% of the audits that graded the domain)"
    return ReportTable("domains_all", "Domains, all audits", caption, columns, rows)


def domains_moderated(report: Mapping) -> ReportTable:
    drill = month_drill(report, report)
    columns = (
        *DOMAIN_NAME_COLUMNS,
        Column("moderated", "Moderated audits"),
        *grade_columns(DOMAIN_COLUMNS, " (auditor)", prefix="before:"),
        *grade_columns(DOMAIN_COLUMNS, " (moderator)", prefix="after:"),
    )
    rows = []
    for d in report["domains"]:
        on = _on_domain(d, MODERATED)
        before, after = d["moderated_before"], d["moderated_after"]
        values = {
            **_domain_name(d),
            "moderated": drill.cell(d["moderated"], **on),
            **grade_cells(drill, before, DOMAIN_COLUMNS, "domain_grade", "before:", **on),
            **grade_cells(drill, after, DOMAIN_COLUMNS, "moderated_domain_grade", "after:", **on),
        }
        rows.append(Row(values, key=d["code"], label=d["title"], group=d["tool"]))
    caption = "Grades per domain of the moderated audits, the auditors' and the moderators'"
    return ReportTable("domains_moderated", "Domains, moderated audits", caption, columns, rows)


# ---------------------------------------------------------------- before and after


def before_after(report: Mapping) -> ReportTable:
    drill = month_drill(report, report)
    moderations = report["moderations"]
    columns = (
        Column("judgement", "Overall judgement", TEXT),
        Column("before", "Before moderation", Kind.COUNT_PCT, "Before %"),
        Column("after", "After moderation", Kind.COUNT_PCT, "After %"),
    )
    rows = []
    for g in GRADES:
        before, after = moderations["before"][g], moderations["after"][g]
        values = {
            "judgement": GRADE_NAMES[g],
            "before": drill.cell(before["n"], before["pct"], overall=g, **MODERATED),
            "after": drill.cell(after["n"], after["pct"], moderated_overall=g, **MODERATED),
        }
        rows.append(Row(values, key=g))
    total = drill.cell(moderations["completed"], **MODERATED)
    rows.append(Row({"judgement": "Total", "before": total, "after": total}, key="total"))
    values = {
        "judgement": "Escalations",
        "before": drill.cell(moderations["escalations_before"], escalated="yes", **MODERATED),
        "after": drill.cell(
            moderations["escalations_after"], moderated_escalated="yes", **MODERATED
        ),
    }
    rows.append(Row(values, key="escalations", label="Inadequate – escalation"))
    caption = "Overall judgements of the moderated audits, count (% of moderated)"
    return ReportTable("before_after", "Before and after", caption, columns, rows)


def matrix_rows(drill: Drill, figures: Mapping, keys, pair_filter, names=GRADE_NAMES) -> list:
    """A transition matrix's rows (the first judgement), a count per second judgement and a
    total, then a row of totals. `pair_filter(first, second)` lists one cell's audits."""
    counts = {(t["from"], t["to"]): t["n"] for t in figures["transitions"]}
    rows = []
    for before in keys:
        row = {a: counts.get((before, a), 0) for a in keys}
        cells = {a: drill.cell(n, **pair_filter(before, a)) for a, n in row.items()}
        total = Cell(sum(row.values()))
        rows.append(Row({"first": names[before], **cells, "total": total}, key=before))
    sums = {a: sum(counts.get((b, a), 0) for b in keys) for a in keys}
    totals = {a: Cell(n) for a, n in sums.items()}
    total = Cell(sum(sums.values()))
    rows.append(Row({"first": "Total", **totals, "total": total}, key="total"))
    return rows


def transitions(report: Mapping) -> ReportTable:
    """The overall judgements' transition matrix: auditor's grade (rows) by moderator's."""
    columns = (
        Column("first", "Auditor's judgement", TEXT),
        *[Column(g, f"Moderator: {GRADE_NAMES[g]}") for g in GRADES],
        Column("total", "Total"),
    )
    rows = matrix_rows(
        month_drill(report, report),
        report["moderations"],
        GRADES,
        lambda b, a: {"overall": b, "moderated_overall": a, **MODERATED},
    )
    caption = (
        "Transition matrix of the overall judgement: auditor's grade (rows) by moderator's "
        "grade (columns)"
    )
    return ReportTable("transitions", "Transitions", caption, columns, rows)


# ---------------------------------------------------------------- agreement

AGREEMENT_COLUMNS = (
    Column("pairs", "Pairs"),
    Column("agreed", "Agreed", Kind.COUNT_PCT, "Agreement %"),
    Column("upgraded", "Upgraded", Kind.COUNT_PCT, "Upgraded %"),
    Column("downgraded", "Downgraded", Kind.COUNT_PCT, "Downgraded %"),
    Column("kappa", "Weighted kappa (linear)", Kind.NUMBER),
    Column("kappa_pairs", "Kappa pairs", Kind.NUMBER),
)


def agreement_cells(drill: Drill, block: Mapping, **on) -> dict:
    return {
        "pairs": drill.cell(block["pairs"], **on),
        "agreed": drill.cell(
            block["agreed"], block["agreement_pct"], moderation_change="same", **on
        ),
        "upgraded": drill.cell(
            block["upgraded"], block["upgraded_pct"], moderation_change="upgraded", **on
        ),
        "downgraded": drill.cell(
            block["downgraded"], block["downgraded_pct"], moderation_change="downgraded", **on
        ),
        "kappa": Cell(block["weighted_kappa"]),
        "kappa_pairs": Cell(block["kappa_pairs"]),
    }


def comparisons(report: Mapping) -> ReportTable:
    drill = month_drill(report, report)
    overall = {"tool": "", "code": "overall", "domain": "Overall judgement"}
    rows = [
        Row({**overall, **agreement_cells(drill, report["moderations"], **MODERATED)}, "overall")
    ]
    for d in report["domains"]:
        values = {**_domain_name(d), **agreement_cells(drill, d, **_on_domain(d, MODERATED))}
        rows.append(Row(values, key=d["code"], label=d["title"], group=d["tool"]))
    caption = (
        "Agreement per domain over the moderated audits (N/A counts as a grade; kappa leaves "
        "N/A out)"
    )
    columns = (*DOMAIN_NAME_COLUMNS, *AGREEMENT_COLUMNS)
    return ReportTable("comparisons", "Comparisons by domain", caption, columns, rows)


# ---------------------------------------------------------------- by area


def by_area(report: Mapping) -> ReportTable:
    """Each service area, then its teams (a report published before this table: empty)."""
    columns = (
        Column("level", "Level", TEXT),
        Column("area", "Service area", TEXT),
        Column("team", "Team", TEXT),
        Column("assigned", "Audits assigned"),
        Column("returned", "Returned", Kind.COUNT_PCT, "Returned % of assigned"),
        *grade_columns(GRADES),
        Column("escalations", "Escalations"),
        Column("moderated", "Moderated"),
        Column("agreement", "Agreement %", Kind.PCT),
        Column("upgraded", "Upgraded %", Kind.PCT),
        Column("downgraded", "Downgraded %", Kind.PCT),
        Column("kpi", "RI or better %", Kind.PCT),
        Column("kpi_after", "RI or better after moderation %", Kind.PCT),
    )
    drill = month_drill(report, report)

    def cells(part: Mapping, **where) -> dict:
        audits, moderations, kpi = part["audits"], part["moderations"], part["kpi"]
        on = {**where, **SUBMITTED}
        return {
            "assigned": Cell(audits["assigned"])
            if drill.team_manager
            else drill.cell(audits["assigned"], **where, current="yes"),
            "returned": drill.cell(
                audits["returned"], percent(audits["returned"], audits["assigned"]), **on
            ),
            **grade_cells(drill, audits["overall"], GRADES, "overall", **on),
            "escalations": drill.cell(audits["escalations"], escalated="yes", **on),
            "moderated": drill.cell(moderations["completed"], **where, **MODERATED),
            "agreement": Cell(None, moderations["agreement_pct"]),
            "upgraded": Cell(None, moderations["upgraded_pct"]),
            "downgraded": Cell(None, moderations["downgraded_pct"]),
            "kpi": Cell(None, kpi["ri_or_better_pct"]),
            "kpi_after": Cell(None, kpi["ri_or_better_pct_after_moderation"]),
        }

    rows = []
    if report.get("by_area"):
        # The whole authority first, by the same definition as its areas (% of the audits
        # assigned), so no area's 100% sits beside a different authority figure unexplained.
        values = {"level": "Authority", "area": "", "team": ""}
        rows.append(Row({**values, **cells(report)}, key="authority", label="Whole authority"))
    for area in report.get("by_area", []):
        values = {"level": "Service area", "area": area["name"], "team": ""}
        rows.append(Row({**values, **cells(area, service_area=area["id"])}, label=area["name"]))
        for team in area["teams"]:
            values = {"level": "Team", "area": area["name"], "team": team["name"]}
            rows.append(Row({**values, **cells(team, team=team["id"])}, label=team["name"]))
    caption = "Audits, moderation and the key indicator by service area and team"
    return ReportTable("by_area", "By service area and team", caption, columns, rows)


BUILDERS = (
    headline,
    compliance,
    domains_all,
    domains_moderated,
    before_after,
    transitions,
    comparisons,
    by_area,
    previous_month,
)
TABLE_NAMES = ("about", *(build.__name__ for build in BUILDERS))


def report_tables(report: Mapping, labels: Mapping[str, str] | None = None) -> list[ReportTable]:
    """Every table of the monthly report, "about" (the month and the filters by name) first."""
    return [about(report, labels or {}), *(build(report) for build in BUILDERS)]


def domain_matrices(report: Mapping) -> list[ReportTable]:
    """Per domain with moderated pairs: its transition matrix, auditor's grade by moderator's
    (the page shows them; the spreadsheets give each domain's pairs in "comparisons")."""
    drill = month_drill(report, report)
    tables = []
    for d in report["domains"]:
        if not d["pairs"]:
            continue
        on = _on_domain(d, MODERATED)
        columns = (
            Column("first", "Auditor's grade", TEXT),
            *[Column(k, f"Moderator: {GRADE_NAMES[k]}") for k in DOMAIN_COLUMNS],
            Column("total", "Total"),
        )
        rows = matrix_rows(
            drill,
            d,
            DOMAIN_COLUMNS,
            lambda b, a, on=on: {**on, "domain_grade": b, "moderated_domain_grade": a},
        )
        caption = f"{d['title']}: auditor's grade (rows) by moderator's grade (columns)"
        key = f"matrix-{d['tool']}-{d['code']}"
        tables.append(ReportTable(key, d["title"], caption, columns, rows))
    return tables
