"""Bodies and files are bounded before they are parsed.

An 8.5 MB JSON body of 200,000 grades tied a worker for 11 s; a 400 KB XLSX expanded to 1 GB
of memory; a 969 KB one of 2,000 x 16,384 cells took 378 s of CPU. Every request body is at
most 2 MB (the import upload 20 MB); a grades object has at most one entry per domain; an
XLSX is measured (zip sizes) before openpyxl opens it, and read with capped columns and cells.
The hostile files are built here, small on disk.
"""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from flows.importer import ImportFailed, read_table
from flows.importer.files import MAX_CELL_CHARS, MAX_COLUMNS, MAX_XLSX_UNCOMPRESSED
from moderation.services.claims import moderation_claim
from tests.audits.import_rows import audit_row, to_csv, to_xlsx
from tests.audits.test_import_malformed import all_counts, refused  # noqa: F401

pytestmark = pytest.mark.django_db

TWO_MB = 2 * 1024 * 1024


def test_an_api_json_body_over_2_mb_is_refused_with_413_unparsed(api_client, auditor, audit):
    api_client.force_login(auditor)
    body = json.dumps({"version": 1, "working_well": "x" * (TWO_MB + 1)})
    response = api_client.patch(f"/api/audits/{audit.pk}/", body, content_type="application/json")
    assert response.status_code == 413
    assert "at most 2 MB" in response.json()["detail"]
    audit.refresh_from_db()
    assert audit.version == 1


def test_a_page_post_over_2_mb_is_refused_with_413(client, auditor, audit):
    client.force_login(auditor)
    response = client.post(
        reverse("audit_edit", args=[audit.pk]),
        {"intent": "save", "version": 1, "working_well": "x" * (TWO_MB + 1)},
    )
    assert response.status_code == 413
    assert "at most 2 MB" in response.content.decode()


def test_the_import_page_still_takes_a_file_larger_than_2_mb(client, qa_lead):
    client.force_login(qa_lead)
    content = to_csv([audit_row()]) + b",,,,,,,\r\n" * 300_000  # 2.7 MB, blank rows after one
    assert len(content) > TWO_MB
    response = client.post(
        reverse("import_audits"), {"file": SimpleUploadedFile("audits.csv", content)}
    )
    assert response.status_code in (200, 302)


def test_a_full_audit_at_every_limit_fits_in_the_body_limit(client, auditor, audit):
    """The largest legitimate save: every text at its limit, in 3-byte characters."""
    from core import limits

    client.force_login(auditor)
    data = {"intent": "save", "version": 1, "overall": "I", "escalated": "on"}
    data["escalation_reason"] = "€" * limits.ESCALATION_REASON
    for name in ("working_well", "worried_about", "needs_to_happen"):
        data[name] = "€" * limits.NARRATIVE
    data["family_feedback"] = "€" * limits.FAMILY_FEEDBACK
    for domain in audit.tool.domains.all():
        data[f"grade_{domain.code}"] = "G"
        data[f"evidence_{domain.code}"] = "€" * limits.EVIDENCE
    response = client.post(reverse("audit_edit", args=[audit.pk]), data)
    assert response.status_code == 302


def test_audit_grades_with_more_entries_than_domains_are_refused_before_validation(
    api_client, auditor, audit
):
    api_client.force_login(auditor)
    grades = {f"d{i}": {"grade": "G", "evidence": ""} for i in range(5_000)}
    response = api_client.patch(
        f"/api/audits/{audit.pk}/", {"version": 1, "grades": grades}, format="json"
    )
    assert response.status_code == 400
    domains = audit.tool.domains.count()
    assert response.json()["grades"] == [
        f"5,000 domains were sent but this tool has {domains}: send at most one entry per "
        "domain of the tool."
    ]


def test_moderation_grades_with_more_entries_than_domains_are_refused(
    api_client, moderator, moderation
):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    api_client.force_login(moderator)
    grades = {f"d{i}": {"grade": "G"} for i in range(5_000)}
    response = api_client.patch(
        f"/api/moderations/{claimed.pk}/",
        {"version": claimed.version, "grades": grades},
        format="json",
    )
    assert response.status_code == 400
    assert "5,000 domains were sent" in response.json()["grades"][0]


def with_entry(xlsx: bytes, name: str, payload: bytes) -> bytes:
    """The workbook with one part replaced (or added), deflated as Excel does."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item), zipfile.ZIP_DEFLATED)
        target.writestr(name, payload, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_an_xlsx_that_expands_far_beyond_its_size_is_refused_before_opening(refused):  # noqa: F811
    one_string = b"A" * (MAX_XLSX_UNCOMPRESSED + 1)
    shared = (
        b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" count="1" uniqueCount="1"><si><t>' + one_string + b"</t></si></sst>"
    )
    content = with_entry(to_xlsx([audit_row()]), "xl/sharedStrings.xml", shared)
    assert len(content) < 1024 * 1024  # a few hundred KB on disk
    text = refused(content, "audits.xlsx")
    assert "unzips to more than" in text


def test_an_xlsx_compressed_beyond_any_spreadsheet_is_refused(refused):  # noqa: F811
    sheet = b"<x>" + b" " * (20 * 1024 * 1024) + b"</x>"  # 20 MB in about 20 KB
    content = with_entry(to_xlsx([audit_row()]), "xl/worksheets/sheet2.xml", sheet)
    text = refused(content, "audits.xlsx")
    assert "compressed" in text and "times" in text


def test_an_xlsx_with_too_many_columns_is_refused(refused):  # noqa: F811
    workbook = Workbook()
    workbook.active.append(list(audit_row()) + [f"extra{i}" for i in range(MAX_COLUMNS)])
    out = io.BytesIO()
    workbook.save(out)
    text = refused(out.getvalue(), "audits.xlsx")
    assert f"more than {MAX_COLUMNS} columns" in text


def test_an_xlsx_cell_over_the_limit_is_refused_naming_its_row():
    row = audit_row()
    row["team"] = "x" * (MAX_CELL_CHARS + 1)
    with pytest.raises(ImportFailed) as refused_file:
        read_table(io.BytesIO(to_xlsx([row])), "audits.xlsx")
    assert f"Row 2 has a cell of more than {MAX_CELL_CHARS:,} characters" in str(
        refused_file.value.message
    )
