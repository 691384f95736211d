"""What the monthly report page shows of each table (reporting.tables.monthly): the same
cells, some columns, domains grouped by tool, and the headline beside the month before."""

from collections.abc import Mapping

from django.utils.html import format_html

from core.grades import SHORT_NAMES
from reporting.selectors import DOMAIN_COLUMNS, GRADES
from reporting.tables import monthly
from reporting.tables.html import (
    DASH,
    Heading,
    PageCell,
    PageRow,
    PageTable,
    by_area_header,
    columns_table,
    count_html,
    matrix_table,
    number_html,
)
from reporting.tables.model import Cell, ReportTable

# The page's headline gives shares of the returned audits and completed moderations; the
# rates against the targets are the compliance table's.
NO_PCT_ON_HEADLINE = {"returned", "completed"}


def headline(current: ReportTable, previous: ReportTable | None, months) -> PageTable:
    rows = []
    for i, row in enumerate(current.rows):
        pct = row.key not in NO_PCT_ON_HEADLINE
        cells = [PageCell(count_html(row["count"], pct=pct))]
        if previous is None:
            cells.append(PageCell("No programme" if i == 0 else DASH))
        else:
            cells.append(PageCell(count_html(previous.rows[i]["count"], pct=pct)))
        rows.append(PageRow(row.label, cells))
    this, before = months
    headings = [
        Heading("Figure", numeric=False),
        Heading("", month=this),
        Heading(" (previous month)", month=before),
    ]
    caption = (
        this,
        " against ",
        before,
        ": count (% of returned audits or of completed moderations)",
    )
    return PageTable(caption, headings, rows, scroll=False)


def compliance(table: ReportTable, month) -> PageTable:
    row = table.row("current")
    rows = [
        PageRow(name, [PageCell(expected), PageCell(count_html(done, pct=False)), PageCell(pct)])
        for name, expected, done, pct in (
            (
                "Audits, against the programmes' target",
                row["audits_expected"].n,
                row["audits_returned"],
                count_html(Cell(None, row["audits_returned"].pct)),
            ),
            (
                "Audits, against the audits assigned",
                count_html(row["audits_assigned"], pct=False),
                row["audits_returned"],
                count_html(row["returned_of_assigned"]),
            ),
            (
                "Moderations",
                row["moderations_expected"].n,
                row["moderations_completed"],
                count_html(Cell(None, row["moderations_completed"].pct)),
            ),
        )
    ]
    headings = [Heading(""), Heading("Expected"), Heading("Returned or completed"), Heading("%")]
    caption = ("Returned against expected, ", month, " (moderations may exceed 100%)")
    return PageTable(caption, headings, rows, scroll=False)


def by_tool(table: ReportTable, count_key: str, prefix: str, caption: str, tool_names) -> list:
    """One table per tool: the domains' count and grades."""
    tools: dict[str, list] = {}
    for row in table.rows:
        tools.setdefault(row.group, []).append(row)
    keys = [count_key, *(f"{prefix}{k}" for k in DOMAIN_COLUMNS)]
    names = {f"{prefix}{k}": SHORT_NAMES[k] for k in DOMAIN_COLUMNS}
    names[count_key] = table.column(count_key).heading.replace(" audits", "")
    pages = []
    for tool, rows in tools.items():
        page = columns_table(
            table,
            keys,
            caption=f"{tool_names.get(tool, tool)}: {caption}",
            first="Domain",
            rows=rows,
            headings=names,
        )
        page.css = " app-domain-table"
        pages.append(page)
    return pages


def before_after(table: ReportTable) -> PageTable:
    """The grades, then the escalations (the page says the total in its text)."""
    rows = [
        PageRow(
            SHORT_NAMES.get(row.key, row.label),
            [PageCell(count_html(row["before"])), PageCell(count_html(row["after"]))],
        )
        for row in table.rows
        if row.key != "total"
    ]
    headings = [
        Heading("Judgement", numeric=False),
        Heading("Auditors (before)"),
        Heading("Moderators (after)"),
    ]
    return PageTable(table.caption, headings, rows, scroll=False)


def agreement_per_domain(table: ReportTable, tool_names) -> PageTable:
    rows = [row for row in table.rows if row.key != "overall"]
    several = len({row.group for row in rows}) > 1
    page_rows = []
    for row in rows:
        header = row.label
        if several:
            name = tool_names.get(row.group, row.group)
            header = format_html('{} <span class="govuk-body-s">({})</span>', row.label, name)
        cells = [
            PageCell(count_html(row[k])) for k in ("pairs", "agreed", "upgraded", "downgraded")
        ]
        cells.append(PageCell(f"{number_html(row['kappa'])} ({row['kappa_pairs'].n})"))
        page_rows.append(PageRow(header, cells))
    headings = [Heading("Domain", numeric=False)] + [
        Heading(h) for h in ("Pairs", "Agreed", "Upgraded", "Downgraded", "Weighted kappa (pairs)")
    ]
    return PageTable(table.caption, headings, page_rows)


def by_area(table: ReportTable, month) -> list[PageTable]:
    """Two tables of the same rows: the audits, then moderation and the key indicator."""
    audits = ["assigned", "returned", *GRADES, "escalations"]
    moderation = ["moderated", "agreement", "upgraded", "downgraded", "kpi", "kpi_after"]
    headings = [
        {
            "assigned": "Assigned",
            "returned": "Returned (% of assigned)",
            **{g: SHORT_NAMES[g] for g in GRADES},
        },
        {
            "agreement": "Agreement",
            "upgraded": "Upgraded",
            "downgraded": "Downgraded",
            "kpi": "RI or better, before",
            "kpi_after": "RI or better, after",
        },
    ]
    captions = [
        ("Audits by service area and team, ", month, ": count (% of returned audits)"),
        (
            "Moderation and the key indicator by service area and team, ",
            month,
            ': agreement, upgrades and downgrades are % of the moderated audits; "RI or '
            'better" is % of returned audits before moderation and % of moderated audits after',
        ),
    ]
    pages = []
    for keys, names, caption in zip((audits, moderation), headings, captions, strict=True):
        page = columns_table(
            table, keys, caption=caption, first="Service area or team", headings=names
        )
        page.css = " app-by-area"
        for page_row, row in zip(page.rows, table.rows, strict=True):
            level = "team" if row["level"] == "Team" else "area"
            page_row.header = by_area_header(row)
            page_row.css = f" app-by-area__{level}"
            page_row.header_css = " app-by-area__name"
        pages.append(page)
    return pages


def page_tables(report: Mapping, tables: Mapping[str, ReportTable], tool_names, months) -> dict:
    """Every table the monthly page shows, laid out from the report's tables."""
    previous = report["previous_month"]["has_programme"]
    grade_names = SHORT_NAMES
    return {
        "headline": headline(
            tables["headline"], tables["previous_month"] if previous else None, months
        ),
        "compliance": compliance(tables["compliance"], months[0]),
        "domains_all": by_tool(
            tables["domains_all"],
            "audits",
            "",
            "auditors' grades per domain, count (% of the audits that graded the domain)",
            tool_names,
        ),
        "domains_moderated": by_tool(
            tables["domains_moderated"],
            "moderated",
            "after:",
            "moderators' grades per domain, count (% of the moderated audits that graded the "
            "domain)",
            tool_names,
        ),
        "before_after": before_after(tables["before_after"]),
        "matrix": matrix_table(
            tables["transitions"],
            GRADES,
            grade_names,
            caption=tables["transitions"].caption,
            id="matrix-overall",
            first="Auditor's grade",
        ),
        "agreement": tables["comparisons"].row("overall"),
        "agreement_per_domain": agreement_per_domain(tables["comparisons"], tool_names),
        "domain_matrices": [
            matrix_table(
                t,
                DOMAIN_COLUMNS,
                grade_names,
                caption=t.caption,
                id=t.key,
                first="Auditor's grade",
            )
            for t in monthly.domain_matrices(report)
        ],
        "by_area": by_area(tables["by_area"], months[0]),
    }
