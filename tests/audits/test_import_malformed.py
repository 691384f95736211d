"""Malformed import files get a clear, specific error and write nothing (issue 5, item 6).

Every refusal is tried through the service (read_table + audits_import), the /import/ page
and `manage.py import_audits` where that is cheap, and every test compares the row count of
every table (audits, grades, cases, users, teams, areas, programmes, moderations and all their
history tables) before and after.
"""

import csv
import html
import io
import random
import re
import time
import zipfile

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from core.models import Audit, Case, DomainGrade, Programme, ServiceArea, Team, User
from flows.importer import ImportFailed, audits_import, read_table
from flows.importer.files import MAX_FILE_BYTES, MAX_ROWS
from moderation.models import Moderation
from reporting import exports
from tests.audits.import_rows import audit_row, moderated, to_csv, to_xlsx

pytestmark = pytest.mark.django_db

# The models an import writes; all_counts() covers every table, these must be among them.
IMPORT_MODELS = [Audit, DomainGrade, Case, User, Team, ServiceArea, Programme, Moderation]
ROUTES = ["service", "page", "command"]


def all_counts() -> dict[str, int]:
    """Rows in every table, history and auth included: the proof that nothing was written."""
    tables = set(connection.introspection.table_names())
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in tables
    }
    for model in IMPORT_MODELS:
        assert model._meta.label in counts
    assert "audits.HistoricalAudit" in counts and "audits.HistoricalDomainGrade" in counts
    return counts


@pytest.fixture(params=ROUTES)
def refused(request, client, qa_lead, tmp_path):
    """attempt(content, name) imports the file by one route, proves that nothing was written
    and that the route showed a refusal, and returns the text the user was shown."""
    route = request.param
    client.force_login(qa_lead)  # its session row exists before the counts are taken

    def attempt(content: bytes, name: str = "audits.csv") -> str:
        before = all_counts()
        if route == "service":
            with pytest.raises(ImportFailed) as caught:
                audits_import(rows=read_table(io.BytesIO(content), name), actor=qa_lead)
            lines = [caught.value.message, *map(str, caught.value.errors)]
            text = "\n".join(lines)
        elif route == "page":
            response = client.post(
                reverse("import_audits"), {"file": SimpleUploadedFile(name, content)}
            )
            assert response.status_code == 200
            page = response.content.decode()
            assert "<title>Error: Import audits" in page and "govuk-error-summary" in page
            # The problems table, as the lines the command prints: "row R, column C: reason".
            cells = re.findall(r'<td class="govuk-table__cell[^"]*">(.*?)</td>', page, re.S)
            lines = [
                f"row {r}, column {c}: {reason}"
                for r, c, reason in zip(cells[0::3], cells[1::3], cells[2::3], strict=True)
            ]
            text = html.unescape("\n".join([page, *lines]))
        else:
            path = tmp_path / name
            path.write_bytes(content)
            err = io.StringIO()
            with pytest.raises(CommandError) as caught:
                call_command("import_audits", str(path), "--actor", qa_lead.username, stderr=err)
            assert caught.value.returncode == 1
            assert "Nothing was imported" in str(caught.value)
            text = f"{caught.value}\n{err.getvalue()}"
        assert all_counts() == before
        return text

    attempt.route = route
    return attempt


def csv_of(rows: list[dict], columns: list[str] | None = None) -> str:
    return to_csv(rows, columns=columns).decode()


def numbered(count: int, **values) -> list[dict[str, str]]:
    return [audit_row(case_reference=f"LCS-{i}", **values) for i in range(count)]


# Encodings -------------------------------------------------------------------------------


def test_utf16_is_named_as_utf16(refused):
    """Excel's "Unicode Text" is UTF-16 (with a byte-order mark): say so, not "position 1"."""
    text = refused(csv_of(numbered(2, team="Équipe 1")).encode("utf-16"))
    assert "UTF-16" in text and "save it as CSV UTF-8" in text


def test_utf16_without_a_byte_order_mark_is_named_as_utf16():
    with pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(csv_of(numbered(2)).encode("utf-16-le")), "a.csv")
    assert "UTF-16" in caught.value.message


def test_latin1_names_the_row_and_column_of_the_first_unreadable_character(refused):
    rows = numbered(3)
    rows[1]["team"] = "Équipe 1"  # spreadsheet row 3
    text = refused(csv_of(rows).encode("latin-1"))
    assert "not UTF-8" in text and "CSV UTF-8" in text and "row 3" in text
    assert "Latin-1" in text
    assert "row 3, column team: This cell has a character that is not UTF-8." in text


def test_a_utf8_byte_order_mark_still_imports(client, qa_lead):
    """Excel's "CSV UTF-8" starts with a byte-order mark: the first header must still match."""
    content = to_csv([audit_row(team="Équipe 1")], bom=True)
    assert content.startswith(b"\xef\xbb\xbf")
    result = audits_import(rows=read_table(io.BytesIO(content), "a.csv"), actor=qa_lead)
    assert result.audits == 1
    assert Case.objects.get(reference="LCS-2000001").team.name == "Équipe 1"
    client.force_login(qa_lead)
    again = to_csv([audit_row(case_reference="LCS-2", team="Équipe 1")], bom=True)
    response = client.post(reverse("import_audits"), {"file": SimpleUploadedFile("b.csv", again)})
    assert "1 audit imported" in response.content.decode()
    assert Audit.objects.count() == 2


# Headers ---------------------------------------------------------------------------------


def test_missing_required_columns_are_named(refused):
    rows = [{k: v for k, v in row.items() if k not in ("team", "month")} for row in numbered(3)]
    text = refused(to_csv(rows))
    assert "Required columns are missing: team, month." in text
    assert "row 1, column team: This required column is missing." in text
    assert "row 1, column month: This required column is missing." in text


def test_a_missing_domain_column_is_named_with_its_domain(refused):
    rows = [{k: v for k, v in row.items() if k != "plan"} for row in numbered(2)]
    text = refused(to_csv(rows))
    assert "The column for Plan" in text and "is missing" in text


def test_a_duplicated_header_is_named(refused):
    columns = list(audit_row())
    content = to_csv(numbered(2), columns=columns).replace(b"escalated,", b"Team ,", 1)
    text = refused(content)
    assert "Two columns have the same header (team)." in text


def test_an_empty_file_is_refused(refused):
    text = refused(b"")
    # Django's form says it before the importer sees the file.
    expected = "The selected file is empty." if refused.route == "page" else "The file is empty"
    assert expected in text


@pytest.mark.parametrize(
    "content",
    [b"\xef\xbb\xbf", b"\r\n\r\n", b",,,,\n,,,,\n"],
    ids=["byte-order mark only", "blank lines", "empty cells"],
)
def test_a_file_without_headers_is_empty(content):
    with pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(content), "a.csv")
    assert "The file is empty: the first row must hold the column headers." in str(caught.value)


def test_headers_only_is_refused(refused):
    text = refused(to_csv([], columns=list(audit_row())) + b",,,\r\n\r\n")
    assert "The file has no audits in it" in text


def test_headers_only_xlsx_is_refused(refused):
    text = refused(to_xlsx([], columns=list(audit_row())), "audits.xlsx")
    assert "The file has no audits in it" in text


# Formula injection -----------------------------------------------------------------------


def test_cells_that_would_run_as_formulas_are_refused_naming_row_and_column(refused):
    """The decision: a cell that a spreadsheet would run is refused where no real value could
    start that way, and stored as inert text where one could.

    Teams, service areas, usernames, e-mail addresses, tool codes and case types never begin
    with = + - @ (nor a tab or carriage return, which cells lose when trimmed), so such a cell
    is a mistake or an attack: it is refused with the row, the column and the character to
    remove, and the file writes nothing. A case reference is copied from the case management
    system as it is, and a legacy reference may begin with "-": that one is imported as text
    (test_a_case_reference_may_begin_with_a_dash). Evidence text is never imported (imported
    grades carry none); typed in the audit form, it may begin with "-" (a bulleted note) and is
    kept as typed. Every export neutralises text starting with = + - @ tab or CR
    (tests/reporting/test_export_injection.py).
    """
    rows = [
        audit_row(case_reference="LCS-1"),
        audit_row(case_reference='=HYPERLINK("http://evil.example/x","Open")'),
        audit_row(case_reference="LCS-3", team="+cmd|' /C calc'!A0"),
        audit_row(case_reference="LCS-4", service_area="-2+3"),
        audit_row(case_reference="LCS-5", auditor="@SUM(1+1)*cmd|' /C calc'!A0"),
        moderated(audit_row(case_reference="LCS-6"), moderator="=1+1"),
        audit_row(case_reference="LCS-7", team="\t=1+2"),
        audit_row(case_reference="LCS-8", case_type="=cmd"),
    ]
    text = refused(to_csv(rows))
    assert "The file has 7 problems, listed by row and column." in text
    for row, column, start in [
        (3, "case_reference", "="),
        (4, "team", "+"),
        (5, "service_area", "-"),
        (6, "auditor", "@"),
        (7, "moderator", "="),
        (8, "team", "="),
        (9, "case_type", "="),
    ]:
        expected = f"starts with '{start}' and could run as a formula"
        assert any(
            line.startswith(f"row {row}, column {column}: ") and expected in line
            for line in text.splitlines()
        ), (row, column)


def xlsx_with_text_cells(rows: list[dict], columns: list[str]) -> bytes:
    """An XLSX whose cells are all typed text, as Excel stores a cell typed as '=1+1."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, not a formula
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_formula_text_in_an_xlsx_is_refused_like_in_a_csv(refused):
    rows = [audit_row(case_reference="LCS-1"), audit_row(case_reference="LCS-2", team="=1+1")]
    text = refused(xlsx_with_text_cells(rows, list(rows[0])), "audits.xlsx")
    assert "starts with '=' and could run as a formula" in text
    assert "row 3, column team: '=1+1' starts with '='" in text


def test_a_real_formula_in_an_xlsx_is_never_imported():
    """A formula cell is read as its cached value; one saved without a value reads as empty."""
    rows = [audit_row(case_reference="LCS-1"), audit_row(case_reference='=HYPERLINK("x","y")')]
    content = to_xlsx(rows)  # openpyxl stores a string starting with = as a formula
    before = all_counts()
    with pytest.raises(ImportFailed) as caught:
        audits_import(rows=read_table(io.BytesIO(content), "a.xlsx"), actor=None)
    assert [str(e) for e in caught.value.errors] == [
        "row 3, column case_reference: Enter a value: this column is required."
    ]
    assert all_counts() == before


def test_a_case_reference_may_begin_with_a_dash(qa_lead):
    """A reference from the case management system is kept exactly, as inert text."""
    rows = [audit_row(case_reference="-2.3"), audit_row(case_reference="-0042/A")]
    result = audits_import(rows=read_table(io.BytesIO(to_csv(rows)), "a.csv"), actor=qa_lead)
    assert result.audits == 2
    stored = sorted(Case.objects.values_list("reference", flat=True))
    assert stored == ["-0042/A", "-2.3"]
    # Exported anywhere, the text is made literal.
    assert [exports.neutralise(reference) for reference in stored] == ["'-0042/A", "'-2.3"]


# Size: rows and bytes --------------------------------------------------------------------


def big_csv(count: int, *, last: dict | None = None) -> bytes:
    """count audit rows with the columns of audit_row, written fast; `last` changes the last."""
    template = audit_row()
    columns = list(template)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    values = list(template.values())
    for i in range(count):
        values[0] = f"LCS-{4000000 + i}"
        if i == count - 1 and last:
            values = [
                last.get(column, value) for column, value in zip(columns, values, strict=True)
            ]
        writer.writerow(values)
    return out.getvalue().encode()


def test_100000_rows_are_refused_with_the_limit(refused, capsys):
    """Decision: at most 50,000 rows a file (a decade of a large authority's audits is under
    10,000). A longer file is refused while it is being read, before any row is checked."""
    content = big_csv(100_000)
    started = time.perf_counter()
    text = refused(content)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(
            f"\n100,000-row file ({len(content) / 1e6:.1f} MB) refused by {refused.route} "
            f"in {elapsed:.2f} s"
        )
    assert f"a file can hold at most {MAX_ROWS:,} audits" in text
    assert "split it into smaller files" in text


def test_100000_rows_in_an_xlsx_are_refused_with_the_limit(capsys):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    # Two columns keep the file quick to write and read; the limit counts rows, not cells.
    sheet.append(["case_reference", "team"])
    for i in range(100_000):
        sheet.append([f"LCS-{i}", "CIN team 1"])
    out = io.BytesIO()
    workbook.save(out)
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as caught:
        read_table(io.BytesIO(out.getvalue()), "big.xlsx")
    with capsys.disabled():
        print(f"\n100,000-row XLSX refused in {time.perf_counter() - started:.2f} s")
    assert f"at most {MAX_ROWS:,} audits" in caught.value.message


def test_a_full_file_with_one_bad_row_at_the_end_writes_nothing_and_names_it(qa_lead, capsys):
    """50,000 rows (the most a file may hold) whose last row is wrong: every row is checked,
    the error names row 50,001, and nothing is written."""
    content = big_csv(MAX_ROWS, last={"plan": "Good-ish"})
    before = all_counts()
    started = time.perf_counter()
    with pytest.raises(ImportFailed) as caught:
        audits_import(rows=read_table(io.BytesIO(content), "history.csv"), actor=qa_lead)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n{MAX_ROWS:,}-row file with a bad last row checked in {elapsed:.2f} s")
    assert [str(e) for e in caught.value.errors] == [
        f"row {MAX_ROWS + 1}, column plan: 'Good-ish' is not a grade: use O, G, RI, I or N/A "
        "(or the words, such as Good)."
    ]
    assert caught.value.message == "The file has 1 problem, listed by row and column."
    assert all_counts() == before


def test_trailing_blank_rows_do_not_count_towards_the_limit(qa_lead):
    """Sheets formatted far below their data end in blank rows; those are not audits."""
    content = to_csv(numbered(2)) + b",,,,,,,\r\n" * (MAX_ROWS + 10)
    rows = read_table(io.BytesIO(content), "a.csv")
    assert len(rows) == 2
    assert audits_import(rows=rows, actor=qa_lead).audits == 2


def test_an_oversized_upload_is_refused_before_it_is_read(refused):
    header = ",".join(audit_row()).encode() + b"\r\n"
    content = header + b"x" * (MAX_FILE_BYTES - len(header) + 1)
    text = refused(content)
    assert "The file is larger than 20 MB: a file can be at most 20 MB" in text


def test_the_page_declares_the_limits(client, qa_lead):
    client.force_login(qa_lead)
    page = client.get(reverse("import_audits")).content.decode()
    assert "at most 20 MB and 50,000 rows" in page


# Binary junk -----------------------------------------------------------------------------


def random_bytes(size: int = 20_000) -> bytes:
    return random.Random(5).randbytes(size)


def a_zip_that_is_not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "Not a workbook.")
    return out.getvalue()


# The start of a real 1x1 PNG: signature, then the IHDR chunk.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + bytes(40)


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (random_bytes, "audits.csv", "The file is not text"),
        (random_bytes, "audits.xlsx", "not an Excel workbook that can be read"),
        (a_zip_that_is_not_a_workbook, "audits.xlsx", "not an Excel workbook that can be read"),
        (a_zip_that_is_not_a_workbook, "audits.csv", "a zip file or an Excel workbook"),
        (lambda: to_xlsx([audit_row()]), "audits.csv", "a zip file or an Excel workbook"),
        (lambda: PNG, "audits.csv", "The file is not text"),
        (lambda: PNG, "audits.xlsx", "not an Excel workbook that can be read"),
        (lambda: to_csv([audit_row()]), "audits.xlsx", "not an Excel workbook that can be read"),
    ],
    ids=[
        "random bytes .csv",
        "random bytes .xlsx",
        "zip .xlsx",
        "zip .csv",
        "workbook .csv",
        "png .csv",
        "png .xlsx",
        "csv .xlsx",
    ],
)
def test_binary_junk_gets_a_clear_error(refused, make, name, message):
    assert message in refused(make(), name)
