"""History checked against the tool version in force for its month; the template and the
audit list's export in the import format, and export -> import as a round trip."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Audit, AuditRead, AuditTool, Domain, DomainGrade
from core.services.tools import tool_create, tool_draft_new_version, tool_publish
from core.tool_definitions import DomainSpec, ToolSpec
from flows.importer import ImportFailed, audits_import, read_table
from flows.importer.format import template_columns
from moderation.models import ModeratedGrade, Moderation
from reporting.models import ReportSummary
from tests.audits.import_rows import CASE_FILE_DOMAINS, audit_row, moderated, to_csv
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def v1():
    return AuditTool.objects.get(code="case-file", version=1)


@pytest.fixture
def v2(v1, qa_lead):
    """Version 2 allows N/A in assessment and voice, which version 1 forbids."""
    draft = tool_draft_new_version(actor=qa_lead, tool=v1)
    Domain.objects.filter(tool=draft, code__in=["assessment", "voice"]).update(na_allowed=True)
    return tool_publish(tool=draft, actor=qa_lead)


def na_rows(n=3, **values):
    return [
        audit_row(case_reference=f"LCS-90{i}", assessment="N/A", voice="na", **values)
        for i in range(n)
    ]


def test_na_is_accepted_where_the_version_in_force_allows_it(v1, v2, qa_lead):
    assert not v1.domains.get(code="assessment").na_allowed
    result = audits_import(rows=na_rows(), actor=qa_lead)
    assert result.audits == 3
    audit = Audit.objects.get(case__reference="LCS-900")
    assert audit.tool == v2
    assert DomainGrade.objects.get(audit=audit, domain__code="assessment").grade == "NA"


def test_the_version_named_for_the_file_is_checked(v1, v2, qa_lead):
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=na_rows(), actor=qa_lead, tool_versions={"case-file": v1})
    found = {(e.row, e.column) for e in failure.value.errors}
    assert found == {(r, c) for r in (2, 3, 4) for c in ("assessment", "voice")}
    assert not Audit.objects.exists()
    result = audits_import(rows=[audit_row()], actor=qa_lead, tool_versions={"case-file": v1})
    assert Audit.objects.get().tool == v1 and result.programmes


def test_a_tool_version_column_decides_row_by_row(v1, v2, qa_lead):
    rows = [*na_rows(1, tool_version="2"), audit_row(month="2025-02", tool_version="1")]
    audits_import(rows=rows, actor=qa_lead)
    assert {a.month.month: a.tool.version for a in Audit.objects.all()} == {3: 2, 2: 1}
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=[audit_row(month="2025-01", tool_version="7")], actor=qa_lead)
    assert failure.value.errors[0][:2] == (2, "tool_version")
    assert "has versions 1, 2" in failure.value.errors[0].reason


def test_a_months_programme_fixes_its_version(v1, v2, qa_lead):
    ProgrammeFactory(month="2025-03-01", tool=v1)
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=na_rows(1), actor=qa_lead, tool_versions={"case-file": v2})
    assert "uses version 1" in failure.value.errors[0].reason
    # Without a name, the programme's version is the one in force: v1 forbids N/A here.
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=na_rows(1), actor=qa_lead)
    assert {e.column for e in failure.value.errors} == {"assessment", "voice"}


def test_one_month_of_a_tool_uses_one_version_within_a_file(v1, v2, qa_lead):
    rows = [audit_row(tool_version="1"), audit_row(case_reference="LCS-2", tool_version="2")]
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=rows, actor=qa_lead)
    assert failure.value.errors[0][:2] == (3, "tool_version")


def test_the_command_takes_a_tool_version(tmp_path, v1, v2, qa_lead, capsys):
    path = tmp_path / "history.csv"
    path.write_bytes(to_csv(na_rows()))
    with pytest.raises(CommandError):
        call_command("import_audits", str(path), "--tool-version", "case-file:1")
    assert "row 2, column assessment" in capsys.readouterr().err
    with pytest.raises(CommandError, match="not a tool version"):
        call_command("import_audits", str(path), "--tool-version", "case-file:x")
    call_command("import_audits", str(path), "--tool-version", "case-file:2")
    assert Audit.objects.count() == 3


def test_the_page_lists_the_versions_columns_and_offers_its_template(client, qa_lead, v1, v2):
    client.force_login(qa_lead)
    page = client.get(reverse("import_audits"), {"tool": v1.pk}).content.decode()
    for code in CASE_FILE_DOMAINS:
        assert f"<code>{code}</code>" in page
    assert f"template.xlsx?tool={v1.pk}" in page and f"template.csv?tool={v1.pk}" in page
    response = client.get(reverse("import_template_csv"), {"tool": v2.pk})
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == template_columns(v2)
    assert {*CASE_FILE_DOMAINS, "tool_version", "moderated_voice"} <= set(header)
    response = client.get(reverse("import_template_xlsx"), {"tool": v2.pk})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == header
    # The page's own upload with a version chosen.
    upload = SimpleUploadedFile("h.csv", to_csv(na_rows()))
    response = client.post(reverse("import_audits"), {"file": upload, "tool_version": v1.pk})
    assert "cannot be N/A" in response.content.decode()
    assert not Audit.objects.exists()


def test_templates_and_exports_are_the_qa_leads(client, auditor, moderator, viewer, v1):
    for user in (auditor, moderator, viewer):
        client.force_login(user)
        for name in ("audit_export_csv", "audit_export_xlsx"):
            assert client.get(reverse(name)).status_code == 403
        assert client.get(reverse("import_template_csv"), {"tool": v1.pk}).status_code == 403


def _export(client, name: str, **query) -> list[dict[str, str]]:
    response = client.get(reverse(name), query)
    assert response.status_code == 200
    filename = "e.csv" if name.endswith("csv") else "e.xlsx"
    return read_table(io.BytesIO(response.content), filename)


@pytest.mark.parametrize("name", ["audit_export_csv", "audit_export_xlsx"])
def test_export_then_import_is_a_round_trip(name, client, qa_lead, v1, v2):
    rows = [
        *na_rows(2, tool_version="2"),
        moderated(audit_row(case_reference="LCS-77", month="2025-02", tool_version="1")),
        audit_row(
            case_reference="LCS-78", month="2025-02", overall="I", escalated="yes", tool_version="1"
        ),
    ]
    audits_import(rows=rows, actor=qa_lead)
    client.force_login(qa_lead)
    exported = _export(client, name)
    assert len(exported) == 4
    by_ref = {row["case_reference"]: row for row in exported}
    assert by_ref["LCS-900"]["assessment"] == "NA" and by_ref["LCS-900"]["tool_version"] == "2"
    assert by_ref["LCS-77"]["moderated_overall"] == "RI" and by_ref["LCS-77"]["moderator"]
    assert by_ref["LCS-78"]["escalated"] == "yes"
    # Importing the export again finds every audit already there.
    again = audits_import(rows=exported, actor=qa_lead)
    assert (again.audits, again.skipped) == (0, 4)
    # The same rows as new cases make the same audits, grades and moderations.
    copies = [row | {"case_reference": "NEW-" + row["case_reference"]} for row in exported]
    result = audits_import(rows=copies, actor=qa_lead)
    assert (result.audits, result.moderations) == (4, 1)
    for row in exported:
        original = Audit.objects.get(case__reference=row["case_reference"])
        copy = Audit.objects.get(case__reference="NEW-" + row["case_reference"])
        assert (copy.tool, copy.overall, copy.escalated, copy.month) == (
            original.tool,
            original.overall,
            original.escalated,
            original.month,
        )
        assert grades_of(copy) == grades_of(original)
    moderations = Moderation.objects.filter(audit__case__reference__endswith="LCS-77")
    assert sorted(m.overall for m in moderations) == ["RI", "RI"]
    assert AuditRead.objects.filter(what__startswith="export:audits-for-import").count() == 1


def test_the_export_takes_the_audit_lists_filters(client, qa_lead, v1, v2):
    rows = [*na_rows(2), audit_row(month="2025-02", case_reference="X-1")]
    audits_import(rows=rows, actor=qa_lead)
    client.force_login(qa_lead)
    exported = _export(client, "audit_export_csv", month="2025-02")
    assert [row["case_reference"] for row in exported] == ["X-1"]


def grades_of(audit: Audit) -> dict[str, str]:
    return dict(audit.grades.values_list("domain__code", "grade"))


def test_bulk_import_writes_one_history_row_per_row_with_its_author(qa_lead, v1):
    """COPY on PostgreSQL, bulk_create elsewhere: the record stays complete either way."""
    rows = [moderated(audit_row(case_reference=f"H-{i}")) for i in range(3)]
    rows.append(audit_row(case_reference="H-9"))
    audits_import(rows=rows, actor=qa_lead)
    audits = Audit.objects.filter(case__reference__startswith="H-")
    grades = DomainGrade.objects.filter(audit__in=audits)
    moderations = Moderation.objects.filter(audit__in=audits)
    mgrades = ModeratedGrade.objects.filter(moderation__in=moderations)
    assert (audits.count(), grades.count(), moderations.count()) == (4, 32, 3)
    for queryset in (audits, grades, moderations, mgrades):
        model = queryset.model
        history = model.history.filter(id__in=queryset.values("pk"))  # type: ignore[attr-defined]
        assert history.count() == queryset.count(), model
        assert set(
            history.values_list("history_type", "history_user", "history_change_reason")
        ) == {("+", qa_lead.pk, "Imported")}
    stored = Moderation.objects.filter(audit__case__reference="H-0").values().get()
    assert stored["status"] == "completed" and stored["moderator_id"] is not None
    assert stored["created_at"] is not None and stored["version"] == 1
    # The summary was refreshed at the end: it counts every imported audit.
    assert (
        sum(ReportSummary.objects.filter(domain__isnull=True).values_list("n", flat=True))
        == Audit.objects.filter(status="submitted").count()
    )


def test_a_draft_version_is_never_recorded_under(v1, v2, qa_lead, client):
    """A QA lead's unfinished draft (version 3 here) is not the newest version history goes
    under, cannot be named by a row or for the file, and is not offered on the import page."""
    draft = tool_draft_new_version(actor=qa_lead, tool=v2)
    result = audits_import(rows=[audit_row()], actor=qa_lead)
    assert result.audits == 1
    assert Audit.objects.get().tool == v2  # the newest published version, not the draft
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=[audit_row(case_reference="LCS-91", tool_version="3")], actor=qa_lead)
    [error] = failure.value.errors
    assert (error.row, error.column) == (2, "tool_version")
    assert "Version 3 of case-file is a draft" in error.reason
    with pytest.raises(CommandError, match="case-file:3 is a draft"):
        call_command("import_audits", "/dev/null", "--tool-version", "case-file:3")
    client.force_login(qa_lead)
    page = client.get(reverse("import_audits")).content.decode()
    assert f'value="{v2.pk}"' in page
    assert f'value="{draft.pk}"' not in page
    upload = SimpleUploadedFile("h.csv", to_csv([audit_row(case_reference="LCS-92")]))
    response = client.post(reverse("import_audits"), {"file": upload, "tool_version": draft.pk})
    assert "Choose a tool version from the list." in response.content.decode()
    assert Audit.objects.count() == 1


def test_a_tool_with_no_published_version_takes_no_history(qa_lead):
    words = {grade: f"{grade} practice." for grade in ("O", "G", "RI", "I")}
    spec = ToolSpec(
        code="themed", name="Themed", domains=[DomainSpec("safety", "Safety", descriptors=words)]
    )
    tool_create(actor=qa_lead, spec=spec)  # a draft
    with pytest.raises(ImportFailed) as failure:
        audits_import(rows=[audit_row(tool="themed", safety="G")], actor=qa_lead)
    [error] = failure.value.errors
    assert (error.row, error.column) == (2, "tool")
    assert "themed has no published version yet" in error.reason
    assert not Audit.objects.exists()
