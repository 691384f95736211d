"""The one table model every report format renders: HTML, XLSX, CSV and JSON.

A ReportTable is defined once per table of a report (reporting.tables.monthly, .ranges). Each
figure is a Cell: its count `n`, its percentage `pct` (core.grades.percent's float, or None)
and `filter`, the audit-list filter parameters that list exactly the audits behind it (the
drill-down; None when there is nothing to list). A renderer never works a figure out again: it
only lays the cells out, so no format can lose one.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """What a column holds, and so how each format writes it."""

    TEXT = "text"  # a label: the row's name, a month, a code
    COUNT = "count"  # a Cell's n
    COUNT_PCT = "count_pct"  # a Cell's n and its pct (two columns in a spreadsheet)
    PCT = "pct"  # a Cell's pct alone (a rate: agreement %, RI or better %)
    NUMBER = "number"  # a Cell's n that is not a count (a kappa, a mean shift)


@dataclass(frozen=True, slots=True)
class Cell:
    n: int | float | None
    pct: float | None = None
    filter: Mapping[str, object] | None = None

    @property
    def drillable(self) -> bool:
        """A link only when there is something to list."""
        return bool(self.n) and self.filter is not None


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    heading: str
    kind: Kind = Kind.COUNT
    pct_heading: str = ""  # COUNT_PCT: the percentage's own heading in a spreadsheet

    @property
    def flat_headings(self) -> list[str]:
        if self.kind is Kind.COUNT_PCT:
            return [self.heading, self.pct_heading or f"{self.heading} %"]
        return [self.heading]


@dataclass(frozen=True, slots=True)
class Row:
    """One row: values by column key (str for TEXT columns, Cell otherwise). `key` names the
    row for a page that picks it out; `label` is its name on a page when that differs from
    its TEXT columns; `group` gathers rows a page shows as separate tables (a tool)."""

    values: Mapping[str, Any]
    key: str = ""
    label: str = ""
    group: str = ""

    def __getitem__(self, column_key: str):
        return self.values[column_key]


@dataclass(frozen=True, slots=True)
class ReportTable:
    key: str  # ?table=KEY, the CSV's file name
    title: str  # the sheet's name (at most 31 characters)
    caption: str
    columns: tuple[Column, ...]
    rows: list[Row] = field(default_factory=list)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def row(self, key: str) -> Row:
        return next(r for r in self.rows if r.key == key)

    def cells(self) -> Iterator[tuple[Row, Column, Cell]]:
        """Every figure of the table."""
        for row in self.rows:
            for column in self.columns:
                if column.kind is not Kind.TEXT:
                    yield row, column, row.values[column.key]

    # ------------------------------------------------------------ flat (spreadsheets, JSON)

    @property
    def header(self) -> list[str]:
        return [heading for column in self.columns for heading in column.flat_headings]

    @property
    def pct_columns(self) -> frozenset[int]:
        """Indexes of the flat columns that hold percentages."""
        indexes, i = set(), 0
        for column in self.columns:
            if column.kind is Kind.PCT:
                indexes.add(i)
            elif column.kind is Kind.COUNT_PCT:
                indexes.add(i + 1)
            i += len(column.flat_headings)
        return frozenset(indexes)

    def flat_rows(self) -> list[list]:
        """Each row as plain values: a count and its percentage are two columns."""
        return [_flat(row, self.columns) for row in self.rows]


def _flat(row: Row, columns) -> list:
    values = []
    for column in columns:
        value = row.values[column.key]
        if column.kind is Kind.TEXT:
            values.append(value)
        elif column.kind is Kind.PCT:
            values.append(value.pct)
        elif column.kind is Kind.COUNT_PCT:
            values += [value.n, value.pct]
        else:
            values.append(value.n)
    return values


class Drill:
    """The filters every drill-down of one report shares (its month or range, area, team,
    tool), added to what each cell counted."""

    def __init__(self, base: Mapping[str, object], team_manager: bool = False):
        self.base = {key: value for key, value in base.items() if value not in (None, "")}
        # A team manager's report: a count of audits assigned is not opened as a list
        # (it counts colleagues' drafts, which they may not read).
        self.team_manager = team_manager

    def cell(self, n, pct: float | None = None, /, **counted: object) -> Cell:
        return Cell(n, pct, {**self.base, **counted})

    def narrowed(self, **where) -> "Drill":
        return Drill({**self.base, **where}, self.team_manager)


def report_drill(result: Mapping, **dates) -> Drill:
    """Drill-downs within a report's scope: its dates (month, or month_from and month_to) and
    its filters."""
    filters = result["filters"]
    areas = filters["service_areas"]
    return Drill(
        {
            **dates,
            # A viewer's own areas are not a filter on the list: it shows only what they may see.
            "service_area": areas[0] if areas is not None and len(areas) == 1 else None,
            "team": filters["team"],
            "tool": filters["tool"],
        },
        # Published snapshots from before the key have none: they are no one's team report.
        team_manager=bool(filters.get("team_manager")),
    )
