"""Reading CSV (UTF-8) and XLSX files into rows keyed by lower-case header."""

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable

from flows.importer.results import ImportFailed, RowError

MAX_ROWS = 50_000
# Far above a decade of audits (50,000 full rows are about 15 MB of CSV); a bigger upload is a
# mistake, and refusing it before parsing keeps the page's memory and time bounded.
MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
# An import has about 30 columns and short cells (names, references, grades); far more means
# the wrong file, and reading it would cost minutes of CPU (16,384 columns) or gigabytes.
MAX_COLUMNS = 100
MAX_CELL_CHARS = 2_000
# An XLSX is a zip: measured before openpyxl opens it. 50,000 rows of 30 columns unzip to
# about 60 MB; spreadsheets compress 5 to 50 times, never 1,000 times as a zip bomb does.
MAX_XLSX_UNCOMPRESSED = 150 * 1024 * 1024
MAX_XLSX_RATIO = 250
# How pictures, PDFs and old Office files begin: named .csv, they are not text.
BINARY_STARTS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\xd0\xcf\x11\xe0")
NOT_TEXT = (
    "The file is not text (it holds binary data, such as a picture): "
    "save the spreadsheet as CSV UTF-8."
)
TOO_MANY_ROWS = (
    f"The file has more than {MAX_ROWS:,} rows: a file can hold at most {MAX_ROWS:,} audits, "
    "so split it into smaller files."
)


def read_table(file_obj, filename: str) -> list[dict[str, str]]:
    """Read a CSV or the first sheet of an XLSX into rows keyed by lower-case header.

    Row i of the list is spreadsheet row i + 2; blank rows are kept (as blank values) so that
    the numbering matches what the user sees.
    """
    name = (filename or "").lower()
    if not name.endswith((".csv", ".xlsx", ".xls")):
        raise ImportFailed("The file must be a CSV (.csv) or an Excel workbook (.xlsx).")
    if name.endswith(".xls"):
        raise ImportFailed("Old Excel .xls files cannot be read: save it as .xlsx or CSV UTF-8.")
    data = file_obj.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(
            f"The file is larger than {MAX_FILE_MB} MB: a file can be at most {MAX_FILE_MB} MB "
            f"and {MAX_ROWS:,} rows, so split it into smaller files."
        )
    cells = _read_csv(data) if name.endswith(".csv") else _read_xlsx(data)
    if not cells:
        raise ImportFailed("The file is empty: the first row must hold the column headers.")
    headers = [header(c) for c in cells[0]]
    seen: set[str] = set()
    for column in headers:
        if column and column in seen:
            raise ImportFailed(
                f"Two columns have the same header ({column}).",
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


def _collect(lines: Iterable) -> list:
    """The lines up to the last one with a value; refused as soon as it passes MAX_ROWS.

    Blank lines are kept (as empty tuples) only when a line with a value follows them: a sheet
    formatted down to row 1,048,576 costs no memory, and a huge file is refused while reading.
    """
    kept: list = []
    blanks = 0
    for number, line in enumerate(lines, start=1):
        _check_line(number, line)
        if not any(cell_text(c, "") for c in line):
            blanks += 1
            continue
        kept.extend([()] * blanks)
        blanks = 0
        kept.append(line)
        if len(kept) - 1 > MAX_ROWS:
            raise ImportFailed(TOO_MANY_ROWS)
    return kept


def _check_line(number: int, line) -> None:
    if len(line) > MAX_COLUMNS and any(c not in (None, "") for c in line[MAX_COLUMNS:]):
        raise ImportFailed(
            f"Row {number} has values in more than {MAX_COLUMNS} columns: an import has about "
            "30. Check that this is the audit import file, and delete the columns it does not use."
        )
    for index, cell in enumerate(line):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            raise ImportFailed(
                f"Row {number} has a cell of more than {MAX_CELL_CHARS:,} characters (column "
                f"{index + 1}): the import's cells are names, references, dates and grades."
            )


def _check_zip(data: bytes) -> None:
    """Refuse a workbook that would unzip to far more than any import, before opening it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFailed(
            "The file is not an Excel workbook that can be read: save it as .xlsx or CSV UTF-8."
        ) from exc
    total = sum(part.file_size for part in parts)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ImportFailed(
            f"The workbook unzips to more than {MAX_XLSX_UNCOMPRESSED // 1024 // 1024} MB "
            f"({total / 1024 / 1024:,.0f} MB), far more than any import: save it as CSV UTF-8, "
            "or split it into smaller files."
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and ratio > MAX_XLSX_RATIO:
            raise ImportFailed(
                f"The workbook's part {part.filename} is compressed {ratio:,.0f} times, which "
                f"no spreadsheet is (at most {MAX_XLSX_RATIO} times): it cannot be read. "
                "Save it again from Excel, or as CSV UTF-8."
            )


def _read_csv(data: bytes | str) -> list[list]:
    text = _decode(data) if isinstance(data, bytes) else data
    try:
        return _collect(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFailed(f"The file is not a readable CSV file ({exc}).") from exc


def _decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is allowed), or a message saying what the file is."""
    sample = data[:4096]
    if sample.startswith(b"PK\x03\x04"):
        raise ImportFailed(
            "The file is a zip file or an Excel workbook, not CSV text: upload a workbook with "
            "its .xlsx name, or save it as CSV UTF-8."
        )
    if sample.startswith(BINARY_STARTS):
        raise ImportFailed(NOT_TEXT)
    # UTF-16 text has a byte-order mark, or a zero byte beside every ASCII character.
    quarter = len(sample) // 4
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        quarter and (sample[0::2].count(0) > quarter or sample[1::2].count(0) > quarter)
    ):
        raise ImportFailed(
            'The file is UTF-16 text (Excel\'s "Unicode Text"), not UTF-8: save it as CSV UTF-8.'
        )
    if b"\x00" in data:
        raise ImportFailed(NOT_TEXT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row, column = _where(data, exc.start)
        raise ImportFailed(
            f"The file is not UTF-8 text: save it as CSV UTF-8 (row {row} has the first "
            "character that cannot be read; the file may be Latin-1 or Windows-1252).",
            errors=[RowError(row, column, "This cell has a character that is not UTF-8.")],
        ) from exc


def _where(data: bytes, position: int) -> tuple[int, str]:
    """The line and the column (by its header) of a byte, for an encoding error."""
    row = data.count(b"\n", 0, position) + 1
    start = data.rfind(b"\n", 0, position) + 1
    before = data[start:position].decode("utf-8", "replace")
    index = len(next(csv.reader([before]), [""])) - 1 if before else 0
    first_line = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace")
    headers = next(csv.reader([first_line]), [])
    if row == 1 or index >= len(headers):
        return row, ""  # the header row itself, or a cell beyond the headers
    return row, header(headers[index])


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        # openpyxl warns about spreadsheet features it skips (styles, validation); we read values.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                # One column past the limit, so a value there is seen and refused.
                return _collect(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
            finally:
                workbook.close()
    except ImportFailed:
        raise
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
