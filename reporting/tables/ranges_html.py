"""What the range pages (trends, calibration, re-audits) show of their tables
(reporting.tables.ranges)."""

from django.template.defaultfilters import floatformat
from django.utils.html import format_html

from core.grades import SHORT_NAMES
from reporting.tables.html import (
    DASH,
    Heading,
    PageCell,
    PageRow,
    PageTable,
    cell_html,
    count_html,
    matrix_table,
)
from reporting.tables.model import ReportTable, Row
from reporting.tables.ranges import NO_PROGRAMME


def _row(row: Row, table: ReportTable, header=None, **cells) -> PageRow:
    """A row: its heading, then a cell per column after the first (or as given)."""
    columns = table.columns[1:]
    if row.label == NO_PROGRAMME:
        return PageRow(
            header or row.values[table.columns[0].key], [], gap=NO_PROGRAMME, span=len(columns)
        )
    return PageRow(
        header or row.values[table.columns[0].key],
        [PageCell(cells[c.key] if c.key in cells else cell_html(row, c)) for c in columns],
    )


def _headings(table: ReportTable, names: dict | None = None) -> list[Heading]:
    names = names or {}
    first, *rest = table.columns
    return [Heading(first.heading, numeric=False)] + [
        Heading(names.get(c.key, c.heading)) for c in rest
    ]


def trend_grades(table: ReportTable) -> PageTable:
    names = {c.key: SHORT_NAMES[c.key] for c in table.columns[2:]}
    return PageTable(
        table.caption, _headings(table, names), [_row(row, table) for row in table.rows]
    )


def trend_kpi(table: ReportTable) -> PageTable:
    rows = [_row(row, table) for row in table.rows]
    return PageTable(table.caption, _headings(table), rows, scroll=False)


def _points(value) -> str:
    return DASH if value is None else floatformat(value, 1)


def quarters(table: ReportTable) -> PageTable:
    """Shares as figures (the headings say %), the change in points."""
    rows = []
    for row in table.rows:
        header = row.key
        if row["quarter"] != row.key:
            header = format_html('{} <span class="govuk-body-s">(part)</span>', row.key)
        figures = {c.key: _points(row[c.key].pct) for c in table.columns[2:-1]}
        figures["change"] = _points(row["change"].n)
        rows.append(_row(row, table, header, **figures))
    return PageTable(table.caption, _headings(table), rows, scroll=False)


def calibration(table: ReportTable) -> PageTable:
    rows = []
    for row in table.rows:
        shift = row["mean_shift"].n
        share = row["domain_agreement"].pct
        cells = [cell_html(row, table.column(k)) for k in ("moderated", "agreed")]
        cells += [cell_html(row, table.column(k)) for k in ("upgraded", "downgraded")]
        cells.append(DASH if shift is None else floatformat(shift, 2))
        cells.append(
            DASH if share is None else f"{floatformat(share, 1)}% of {row['domain_pairs'].n}"
        )
        rows.append(PageRow(row.label, [PageCell(c) for c in cells]))
    headings = [
        Heading(table.columns[0].heading, numeric=False),
        *(Heading(h) for h in ("Moderated", "Agreed", "Upgraded", "Downgraded")),
        Heading("Mean shift"),
        Heading("Domain agreement"),
    ]
    return PageTable(table.caption, headings, rows, empty="No moderated audits in this range.")


def calibration_over_time(table: ReportTable) -> PageTable:
    """Each cell: the agreement %, then how many moderated audits it is of (linked to them)."""
    rows = []
    for row in table.rows:
        cells = []
        for column in table.columns[1:]:
            cell = row[column.key]
            if not cell.n:
                cells.append(PageCell(DASH))
                continue
            count = count_html(cell, pct=False)
            cells.append(PageCell(format_html("{}% of {}", floatformat(cell.pct, 1), count)))
        rows.append(PageRow(row.label, cells))
    return PageTable(
        table.caption,
        _headings(table),
        rows,
        css=" app-calibration-months",
        empty="No moderated audits in this range.",
    )


def reaudit_matrix(table: ReportTable) -> PageTable:
    keys = [c.key for c in table.columns[1:-1]]
    return matrix_table(
        table, keys, SHORT_NAMES, caption=table.caption, id="reaudit-matrix", first="Earlier audit"
    )


def reaudit_domains(table: ReportTable) -> PageTable:
    rows = []
    for row in table.rows:
        header = row.label
        if row.group:
            header = format_html('{} <span class="govuk-body-s">({})</span>', row.label, row.group)
        rows.append(_row(row, table, header))
    return PageTable(table.caption, _headings(table), rows)
