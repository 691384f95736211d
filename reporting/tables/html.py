"""The report tables as HTML tables: what a page shows of each, its cells pre-rendered.

A page lays out some of a ReportTable's columns (reporting/includes/table.html renders any
PageTable: caption, column headings with scope, a row heading per row). Each cell's HTML is
built here once, not by an include per cell: a monthly report has thousands of cells. A
count links to the audit list filtered by its Cell.filter when there is anything to list.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from urllib.parse import urlencode

from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe

from reporting.tables.model import Cell, Column, Kind, ReportTable, Row

DASH = "–"
NUMERIC = " govuk-table__cell--numeric"
HEAT_LEVELS = 5


@cache
def _list_path(script_prefix: str) -> str:
    return reverse("audit_list")


@cache
def _param(key: str, value) -> str:
    return urlencode({key: value})


def drill_href(filters) -> str:
    """The audit list filtered to a cell's audits. A page has a thousand of them, mostly the
    same few parameters: each key=value is encoded once."""
    query = "&".join(_param(key, value) for key, value in filters.items())
    return f"{_list_path(get_script_prefix())}?{query}"


def _one_place(pct: float) -> str:
    # core.grades.percent has already rounded to one place (half up): this only prints it,
    # as floatformat:1 would, for a fraction of its cost.
    return f"{pct:.1f}"


def pct_text(pct: float | None) -> str:
    return DASH if pct is None else f"{_one_place(pct)}%"


def count_html(cell: Cell, *, links: bool = True, pct: bool = True) -> SafeString:
    """A count (linked to the audits behind it), then its percentage in brackets. A cell
    with no count is a rate: its percentage, or a dash. (SafeString, not mark_safe: a page
    calls this a thousand times, and every part is escaped or a number.)"""
    if cell.n is None:
        return SafeString(pct_text(cell.pct))
    if links and cell.n and cell.filter is not None:  # cell.drillable, spelt out for mypy
        # urlencode leaves nothing to escape in an attribute but the ampersands.
        query = "&amp;".join(_param(key, value) for key, value in cell.filter.items())
        href = f"{_list_path(get_script_prefix())}?{query}"
        text = f'<a class="govuk-link" href="{href}">{cell.n}</a>'
    else:
        text = str(cell.n)
    if pct and cell.pct is not None:
        text += f' <span class="app-pct">({_one_place(cell.pct)}%)</span>'
    return SafeString(text)


def number_html(cell: Cell, places: int = 3) -> str:
    return DASH if cell.n is None else floatformat(cell.n, places)


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    numeric: bool = True
    month: date | None = None  # formatted by the template, before the text


@dataclass(frozen=True, slots=True)
class PageCell:
    html: SafeString | str
    css: str = ""  # extra classes
    numeric: bool = True  # right-aligned, as figures are


@dataclass(slots=True)
class PageRow:
    header: SafeString | str
    cells: list[PageCell]
    css: str = ""
    header_css: str = ""
    gap: str = ""  # a row with no figures: why, in one cell across the row
    span: int = 0

    @property
    def cells_html(self) -> SafeString:
        """The row's <td>s in one string: the template renders a row, not each cell."""
        if self.gap:
            return format_html(
                '<td class="govuk-table__cell" colspan="{}">{}</td>', self.span, self.gap
            )
        return mark_safe(
            "".join(
                f'<td class="govuk-table__cell{NUMERIC if c.numeric else ""}{c.css}">'
                f"{conditional_escape(c.html)}</td>"
                for c in self.cells
            )
        )


@dataclass
class PageTable:
    caption: str | tuple  # text, or text and months (dates) for the template to format
    headings: list[Heading]
    rows: list[PageRow] = field(default_factory=list)
    css: str = ""  # extra classes on the table
    id: str = ""
    scroll: bool = True  # wrapped to scroll sideways on a narrow screen
    empty: str = ""  # said in the table when it has no rows

    @property
    def caption_parts(self) -> tuple:
        return (self.caption,) if isinstance(self.caption, str) else self.caption


def columns_table(
    table: ReportTable,
    keys: Iterable[str],
    *,
    caption: str | tuple,
    first: str,
    rows: Iterable[Row] | None = None,
    links: bool = True,
    headings: dict[str, str] | None = None,
) -> PageTable:
    """Some columns of a table, one row heading (the row's label) and a cell per column."""
    columns = [table.column(key) for key in keys]
    names = headings or {}
    return PageTable(
        caption=caption,
        headings=[Heading(first, numeric=False)]
        + [Heading(names.get(c.key, c.heading)) for c in columns],
        rows=[
            PageRow(row.label, [PageCell(cell_html(row, c, links=links)) for c in columns])
            for row in (table.rows if rows is None else rows)
        ],
    )


def cell_html(row: Row, column: Column, *, links: bool = True) -> SafeString | str:
    value = row.values[column.key]
    if column.kind is Kind.TEXT:
        return DASH if value in (None, "") else value
    if column.kind is Kind.PCT:
        return pct_text(value.pct)
    if column.kind is Kind.NUMBER:
        return number_html(value)
    return count_html(value, links=links)


def whole_table(table: ReportTable, *, links: bool = False) -> PageTable:
    """Every column of a table (a published snapshot's page): the first column heads the row."""
    first, *rest = table.columns
    return PageTable(
        caption=table.title,
        headings=[Heading(first.heading, numeric=False)]
        + [Heading(c.heading, numeric=c.kind is not Kind.TEXT) for c in rest],
        rows=[
            PageRow(
                cell_html(row, first, links=links),
                [
                    PageCell(cell_html(row, c, links=links), numeric=c.kind is not Kind.TEXT)
                    for c in rest
                ],
            )
            for row in table.rows
        ],
        id=f"table-{table.key}",
    )


def heat_level(n: int, largest: int) -> int:
    """0 for nothing, else 1..HEAT_LEVELS in proportion to the largest cell."""
    if not n or not largest:
        return 0
    return max(1, -(-HEAT_LEVELS * n // largest))


def matrix_table(
    table: ReportTable, keys, names, *, caption: str, id: str, first: str
) -> PageTable:
    """A transition matrix as a heat map: the count in every cell, its shade (heat-0..5) a
    second cue only; the diagonal (the same grade twice) outlined."""
    *pairs, totals = table.rows
    largest = max((row.values[k].n for row in pairs for k in keys), default=0)
    rows = []
    for row in pairs:
        cells = []
        for key in keys:
            cell = row.values[key]
            same = " app-heat--same" if row.key == key else ""
            css = f" app-heat heat-{heat_level(cell.n, largest)}{same}"
            cells.append(PageCell(count_html(cell), css))
        cells.append(PageCell(str(row.values["total"].n)))
        rows.append(PageRow(names[row.key], cells))
    rows.append(PageRow("Total", [PageCell(str(totals.values[k].n)) for k in [*keys, "total"]]))
    headings = [Heading(first, numeric=False), *(Heading(names[k]) for k in keys)]
    return PageTable(caption, [*headings, Heading("Total")], rows, id=id, scroll=False)


def by_area_header(row: Row) -> SafeString:
    if row.values["level"] == "Team":
        return format_html('<span class="govuk-visually-hidden">Team: </span>{}', row.label)
    return escape(row.label)
