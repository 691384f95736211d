"""The monthly report (the dict reporting.selectors.monthly_report returns) as spreadsheets.

One table per part of the report, each a header row and plain rows: XLSX has one sheet per
table, CSV one file per table (a zip of them all). Counts are numbers and percentages are
numbers to one decimal place, so a reader can sum and chart them; a percentage of nothing is
an empty cell.

Text that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
return) is prefixed with an apostrophe: names come from users (a team called
"=HYPERLINK(...)") and must never run when the file is opened.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from core.grades import SHORT_NAMES as GRADE_NAMES
from core.models import ServiceArea, Team
from core.spreadsheets import neutralise
from reporting.selectors import DOMAIN_COLUMNS, GRADES

PCT_FORMAT = "0.0"


@dataclass(frozen=True)
class Table:
    name: str  # ?table=<name>, the CSV's file name
    title: str  # the sheet's name (at most 31 characters)
    header: list[str]
    rows: list[list]
    pct_columns: frozenset[int]  # column indexes holding percentages


def _table(name, title, columns: list[tuple[str, bool]], rows) -> Table:
    """columns: (heading, is a percentage)."""
    return Table(
        name=name,
        title=title,
        header=[heading for heading, _ in columns],
        rows=[list(row) for row in rows],
        pct_columns=frozenset(i for i, (_, is_pct) in enumerate(columns) if is_pct),
    )


def _grade_columns(keys, suffix: str = "") -> list[tuple[str, bool]]:
    columns = []
    for key in keys:
        columns += [(f"{GRADE_NAMES[key]}{suffix}", False), (f"{GRADE_NAMES[key]}{suffix} %", True)]
    return columns


def _grade_cells(block: Mapping, keys) -> list:
    cells = []
    for key in keys:
        cells += [block[key]["n"], block[key]["pct"]]
    return cells


# ---------------------------------------------------------------- the tables


def _about(report: Mapping, labels: Mapping[str, str]) -> Table:
    rows = [["Month", report["month"]]]
    rows += [[name, value] for name, value in labels.items()]
    return _table("about", "About", [("Item", False), ("Value", False)], rows)


def _headline_rows(month: Mapping) -> list[list]:
    audits, moderations, kpi = month["audits"], month["moderations"], month["kpi"]
    programme = "yes" if month["has_programme"] else "no"

    def row(measure, grade, n, pct):
        return [month["month"], programme, measure, grade, n, pct]

    rows = [
        row("Audits targeted", "", audits["target"], None),
        row("Audits returned", "", audits["returned"], audits["returned_pct"]),
    ]
    rows += [
        row("Overall judgement before moderation", GRADE_NAMES[g], c["n"], c["pct"])
        for g, c in ((g, audits["overall"][g]) for g in GRADES)
    ]
    rows += [
        row("Escalations by auditors", "", audits["escalations"], None),
        row("Moderations targeted", "", moderations["target"], None),
        row("Moderations completed", "", moderations["completed"], moderations["completed_pct"]),
    ]
    rows += [
        row("Overall judgement after moderation", GRADE_NAMES[g], c["n"], c["pct"])
        for g, c in ((g, moderations["after"][g]) for g in GRADES)
    ]
    rows += [
        row("Escalations after moderation", "", moderations["escalations_after"], None),
        row("Audits rated RI or better", "", None, kpi["ri_or_better_pct"]),
        row(
            "Moderated audits rated RI or better after moderation",
            "",
            None,
            kpi["ri_or_better_pct_after_moderation"],
        ),
    ]
    return rows


HEADLINE_COLUMNS = [
    ("Month", False),
    ("Programme", False),
    ("Measure", False),
    ("Grade", False),
    ("Count", False),
    ("%", True),
]


def _headline(report: Mapping) -> Table:
    return _table("headline", "Headline", HEADLINE_COLUMNS, _headline_rows(report))


def _previous_month(report: Mapping) -> Table:
    return _table(
        "previous_month",
        "Previous month",
        HEADLINE_COLUMNS,
        _headline_rows(report["previous_month"]),
    )


def _compliance(report: Mapping) -> Table:
    columns = [
        ("Month", False),
        ("Programme", False),
        ("Audits expected", False),
        ("Audits returned", False),
        ("% returned", True),
        ("Moderations expected", False),
        ("Moderations completed", False),
        ("% completed", True),
    ]
    rows = []
    for month in (report, report["previous_month"]):
        audits, moderations = month["audits"], month["moderations"]
        rows.append(
            [
                month["month"],
                "yes" if month["has_programme"] else "no",
                audits["target"],
                audits["returned"],
                audits["returned_pct"],
                moderations["target"],
                moderations["completed"],
                moderations["completed_pct"],
            ]
        )
    return _table("compliance", "Compliance", columns, rows)


DOMAIN_NAME_COLUMNS = [("Tool", False), ("Domain code", False), ("Domain", False)]


def _domain_name(domain: Mapping) -> list:
    return [domain["tool"], domain["code"], domain["title"]]


def _domains_all(report: Mapping) -> Table:
    columns = [*DOMAIN_NAME_COLUMNS, ("Audits", False), *_grade_columns(DOMAIN_COLUMNS)]
    rows = [
        [*_domain_name(d), d["audits"], *_grade_cells(d["all"], DOMAIN_COLUMNS)]
        for d in report["domains"]
    ]
    return _table("domains_all", "Domains, all audits", columns, rows)


def _domains_moderated(report: Mapping) -> Table:
    columns = [
        *DOMAIN_NAME_COLUMNS,
        ("Moderated audits", False),
        *_grade_columns(DOMAIN_COLUMNS, " (auditor)"),
        *_grade_columns(DOMAIN_COLUMNS, " (moderator)"),
    ]
    rows = [
        [
            *_domain_name(d),
            d["moderated"],
            *_grade_cells(d["moderated_before"], DOMAIN_COLUMNS),
            *_grade_cells(d["moderated_after"], DOMAIN_COLUMNS),
        ]
        for d in report["domains"]
    ]
    return _table("domains_moderated", "Domains, moderated audits", columns, rows)


def _before_after(report: Mapping) -> Table:
    moderations = report["moderations"]
    columns = [
        ("Overall judgement", False),
        ("Before moderation", False),
        ("Before %", True),
        ("After moderation", False),
        ("After %", True),
    ]
    rows = [
        [
            GRADE_NAMES[g],
            moderations["before"][g]["n"],
            moderations["before"][g]["pct"],
            moderations["after"][g]["n"],
            moderations["after"][g]["pct"],
        ]
        for g in GRADES
    ]
    rows.append(["Total", moderations["completed"], None, moderations["completed"], None])
    rows.append(
        [
            "Escalations",
            moderations["escalations_before"],
            None,
            moderations["escalations_after"],
            None,
        ]
    )
    return _table("before_after", "Before and after", columns, rows)


def _transitions(report: Mapping) -> Table:
    """The overall judgements' transition matrix: auditor's grade (rows) by moderator's."""
    cells = {(t["from"], t["to"]): t["n"] for t in report["moderations"]["transitions"]}
    columns = [
        ("Auditor's judgement", False),
        *[(f"Moderator: {GRADE_NAMES[g]}", False) for g in GRADES],
        ("Total", False),
    ]
    rows = []
    for before in GRADES:
        counts = [cells.get((before, after), 0) for after in GRADES]
        rows.append([GRADE_NAMES[before], *counts, sum(counts)])
    totals = [sum(cells.get((b, a), 0) for b in GRADES) for a in GRADES]
    rows.append(["Total", *totals, sum(totals)])
    return _table("transitions", "Transitions", columns, rows)


def _comparison_cells(block: Mapping) -> list:
    return [
        block["pairs"],
        block["agreed"],
        block["agreement_pct"],
        block["upgraded"],
        block["upgraded_pct"],
        block["downgraded"],
        block["downgraded_pct"],
        block["weighted_kappa"],
        block["kappa_pairs"],
    ]


def _comparisons(report: Mapping) -> Table:
    columns = [
        *DOMAIN_NAME_COLUMNS,
        ("Pairs", False),
        ("Agreed", False),
        ("Agreement %", True),
        ("Upgraded", False),
        ("Upgraded %", True),
        ("Downgraded", False),
        ("Downgraded %", True),
        ("Weighted kappa (linear)", False),
        ("Kappa pairs", False),
    ]
    rows = [["", "overall", "Overall judgement", *_comparison_cells(report["moderations"])]]
    rows += [[*_domain_name(d), *_comparison_cells(d)] for d in report["domains"]]
    return _table("comparisons", "Comparisons by domain", columns, rows)


def _by_area(report: Mapping) -> Table:
    """Each service area, then its teams (a report published before this table: empty)."""
    columns = [
        ("Level", False),
        ("Service area", False),
        ("Team", False),
        ("Assigned", False),
        ("Returned", False),
        ("Returned %", True),
        *_grade_columns(GRADES),
        ("Escalations", False),
        ("Moderated", False),
        ("Agreement %", True),
        ("Upgraded %", True),
        ("Downgraded %", True),
        ("RI or better %", True),
        ("RI or better after moderation %", True),
    ]

    def cells(part: Mapping) -> list:
        audits, moderations, kpi = part["audits"], part["moderations"], part["kpi"]
        return [
            audits["target"],
            audits["returned"],
            audits["returned_pct"],
            *_grade_cells(audits["overall"], GRADES),
            audits["escalations"],
            moderations["completed"],
            moderations["agreement_pct"],
            moderations["upgraded_pct"],
            moderations["downgraded_pct"],
            kpi["ri_or_better_pct"],
            kpi["ri_or_better_pct_after_moderation"],
        ]

    rows = []
    for area in report.get("by_area", []):
        rows.append(["Service area", area["name"], "", *cells(area)])
        rows += [["Team", area["name"], team["name"], *cells(team)] for team in area["teams"]]
    return _table("by_area", "By service area and team", columns, rows)


BUILDERS = (
    _headline,
    _compliance,
    _domains_all,
    _domains_moderated,
    _before_after,
    _transitions,
    _comparisons,
    _by_area,
    _previous_month,
)
TABLE_NAMES = (
    "about",
    "headline",
    "compliance",
    "domains_all",
    "domains_moderated",
    "before_after",
    "transitions",
    "comparisons",
    "by_area",
    "previous_month",
)


def report_tables(report: Mapping, labels: Mapping[str, str] | None = None) -> list[Table]:
    """Every table of the report, "about" (the month and the filters by name) first."""
    return [_about(report, labels or {}), *(build(report) for build in BUILDERS)]


# ---------------------------------------------------------------- labels


def filter_labels(filters: Mapping) -> dict[str, str]:
    """The report's filters (ids, as in report["filters"]) by name, for the "about" table."""
    areas = filters.get("service_areas")
    if areas is None:
        area_names = "All service areas"
    else:
        names = ServiceArea.objects.filter(pk__in=areas).order_by("name")
        area_names = ", ".join(names.values_list("name", flat=True))
    team = "All teams"
    if filters.get("team") is not None:
        team = Team.objects.filter(pk=filters["team"]).values_list("name", flat=True).first()
    labels = {
        "Service areas": area_names,
        "Team": team or "",
        "Tool": filters.get("tool") or "All tools",
    }
    if left_out := filters.get("blind_left_out"):
        labels["Left out for you"] = (
            f"{left_out} audit(s) waiting for blind moderation: you may moderate, so their "
            "grades are not counted here"
        )
    return labels


# ---------------------------------------------------------------- formats


def to_xlsx(
    report: Mapping, labels: Mapping[str, str] | None = None, *, created: dt.datetime | None = None
) -> bytes:
    """The report as an XLSX workbook, one sheet per table. `created` fixes the file's date."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    if created is not None:
        # openpyxl stamps "now" otherwise; a frozen snapshot's file records its own time.
        workbook.properties.created = workbook.properties.modified = created.replace(tzinfo=None)
    for table in report_tables(report, labels):
        sheet = workbook.create_sheet(title=table.title)
        sheet.append([neutralise(heading) for heading in table.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([neutralise(value) for value in row])
        for column in table.pct_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = PCT_FORMAT
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(table: Table) -> str:
    """One table as CSV text: the header row, then the rows; an empty cell for None."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(heading) for heading in table.header])
    for row in table.rows:
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return buffer.getvalue()


def table_csv(report: Mapping, name: str, labels: Mapping[str, str] | None = None) -> str:
    """The CSV of one table by name; KeyError for an unknown name."""
    tables = {table.name: table for table in report_tables(report, labels)}
    return to_csv(tables[name])


def to_csv_zip(report: Mapping, labels: Mapping[str, str] | None = None) -> bytes:
    """Every table as <name>.csv in one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in report_tables(report, labels):
            # UTF-8 with a byte-order mark, so Excel reads names with accents correctly.
            archive.writestr(f"{table.name}.csv", "\ufeff" + to_csv(table))
    return buffer.getvalue()


def file_stem(report: Mapping) -> str:
    """The download's name: the month, then each filter (ids and the tool code), so that a
    filtered download never takes the whole authority's name."""
    filters = report.get("filters") or {}
    parts = [f"qa-report-{report['month']}"]
    if filters.get("service_areas") is not None:
        parts.append("area-" + "-".join(str(pk) for pk in filters["service_areas"]))
    if filters.get("team") is not None:
        parts.append(f"team-{filters['team']}")
    if filters.get("tool"):
        parts.append(re.sub(r"[^A-Za-z0-9_.-]", "", filters["tool"]))
    return "-".join(parts)
