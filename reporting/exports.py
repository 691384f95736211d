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
import json
import re
import zipfile
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Font

from core.models import ServiceArea, Team
from core.spreadsheets import neutralise
from reporting.tables.model import ReportTable
from reporting.tables.monthly import TABLE_NAMES, report_tables

__all__ = ["TABLE_NAMES", "neutralise", "report_tables"]

PCT_FORMAT = "0.0"


# ---------------------------------------------------------------- labels


def filter_labels(filters: Mapping) -> dict[str, str]:
    """The report's filters (ids, as in report["filters"]) by name, for the "about" table."""
    areas = filters.get("service_areas")
    if areas is None:
        area_names = "All service areas"
    else:
        names = ServiceArea.objects.filter(pk__in=areas).order_by("name")
        area_names = ", ".join(names.values_list("name", flat=True))
    team: str | None = "All teams"
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
    workbook.remove(workbook.worksheets[0])  # the default empty sheet
    if created is not None:
        # openpyxl stamps "now" otherwise; a frozen snapshot's file records its own time.
        workbook.properties.created = workbook.properties.modified = created.replace(tzinfo=None)
    return _workbook_bytes(workbook, report_tables(report, labels))


def tables_xlsx(tables: list[ReportTable]) -> bytes:
    """Any report tables (a range page's) as an XLSX workbook, one sheet per table."""
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])
    return _workbook_bytes(workbook, tables)


def _workbook_bytes(workbook: Workbook, tables) -> bytes:
    for table in tables:
        sheet = workbook.create_sheet(title=table.title)
        sheet.append([neutralise(heading) for heading in table.header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.flat_rows():
            sheet.append([neutralise(value) for value in row])
        for column in table.pct_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                cell.number_format = PCT_FORMAT
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_csv(table: ReportTable) -> str:
    """One table as CSV text: the header row, then the rows; an empty cell for None."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(heading) for heading in table.header])
    for row in table.flat_rows():
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return buffer.getvalue()


def table_csv(report: Mapping, name: str, labels: Mapping[str, str] | None = None) -> str:
    """The CSV of one table by name; KeyError for an unknown name."""
    tables = {table.key: table for table in report_tables(report, labels)}
    return to_csv(tables[name])


def to_csv_zip(report: Mapping, labels: Mapping[str, str] | None = None) -> bytes:
    """Every table as <name>.csv in one zip file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in report_tables(report, labels):
            # UTF-8 with a byte-order mark, so Excel reads names with accents correctly.
            archive.writestr(f"{table.key}.csv", "\ufeff" + to_csv(table))
    return buffer.getvalue()


def table_json(table: ReportTable) -> dict:
    """One table as JSON: its columns, then each row's values (a figure as n, pct and the
    audit-list filter behind it)."""
    return {
        "key": table.key,
        "title": table.title,
        "caption": table.caption,
        "columns": [
            {"key": c.key, "heading": c.heading, "kind": c.kind.value} for c in table.columns
        ],
        "rows": [
            {
                key: value
                if isinstance(value, str)
                else {"n": value.n, "pct": value.pct, "filter": value.filter}
                for key, value in row.values.items()
            }
            for row in table.rows
        ],
    }


def to_json(report: Mapping, labels: Mapping[str, str] | None = None) -> str:
    """Every table of the report as one JSON document (the same tables as XLSX and CSV)."""
    tables = [table_json(table) for table in report_tables(report, labels)]
    return json.dumps({"month": report["month"], "tables": tables}, indent=2, default=str) + "\n"


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
