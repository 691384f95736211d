"""Reading CSV (UTF-8) and XLSX files into rows keyed by lower-case header."""

import csv
import datetime as dt
import io
import re
import warnings

from .results import ImportFailed, RowError

MAX_ROWS = 50_000


def read_table(file_obj, filename: str) -> list[dict[str, str]]:
    """Read a CSV or the first sheet of an XLSX into rows keyed by lower-case header.

    Row i of the list is spreadsheet row i + 2; blank rows are kept (as blank values) so that
    the numbering matches what the user sees.
    """
    name = (filename or "").lower()
    data = file_obj.read()
    if name.endswith(".csv"):
        cells = _read_csv(data)
    elif name.endswith(".xlsx"):
        cells = _read_xlsx(data)
    elif name.endswith(".xls"):
        raise ImportFailed("Old Excel .xls files cannot be read: save it as .xlsx or CSV UTF-8.")
    else:
        raise ImportFailed("The file must be a CSV (.csv) or an Excel workbook (.xlsx).")
    while cells and not any(cell_text(c, "") for c in cells[-1]):
        cells.pop()
    if not cells:
        raise ImportFailed("The file is empty: the first row must hold the column headers.")
    if len(cells) - 1 > MAX_ROWS:
        raise ImportFailed(
            f"The file has more than {MAX_ROWS:,} rows: split it into smaller files."
        )
    headers = [header(c) for c in cells[0]]
    seen: set[str] = set()
    for column in headers:
        if column and column in seen:
            raise ImportFailed(
                "Two columns have the same header.",
                errors=[RowError(1, column, "This header appears more than once.")],
            )
        seen.add(column)
    if len(headers) == 1 and ";" in headers[0]:
        raise ImportFailed("The file uses semicolons: save it as CSV UTF-8 (comma delimited).")
    return [
        {
            column: cell_text(line[i] if i < len(line) else None, column)
            for i, column in enumerate(headers)
            if column
        }
        for line in cells[1:]
    ]


def _read_csv(data: bytes | str) -> list[list]:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                "The file is not UTF-8 text: save it as CSV UTF-8 "
                f"(the first unreadable byte is at position {exc.start + 1})."
            ) from exc
    try:
        return list(csv.reader(io.StringIO(data, newline="")))
    except csv.Error as exc:
        raise ImportFailed(f"The file is not a readable CSV file ({exc}).") from exc


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        # openpyxl warns about spreadsheet features it skips (styles, validation); we read values.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                return [list(row) for row in sheet.iter_rows(values_only=True)]
            finally:
                workbook.close()
    # Whatever openpyxl trips over in an uploaded file is a problem with the file, not a crash.
    except Exception as exc:
        raise ImportFailed(
            "The file is not an Excel workbook that can be read: save it as .xlsx or CSV UTF-8."
        ) from exc


def header(value) -> str:
    """A header as the importer knows it: lower case, trimmed, inner spaces as underscores."""
    return re.sub(r"\s+", "_", str(value).strip().lower()) if value is not None else ""


def cell_text(value, column: str) -> str:
    """A cell as text; a date in the month column becomes YYYY-MM, other dates YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}" if column == "month" else f"{value:%Y-%m-%d}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
