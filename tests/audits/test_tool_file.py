"""A tool as a file: export -> import round trips (JSON and XLSX), all or nothing, every
problem named by row and column."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditTool
from core.tool_definitions import CODE_MESSAGE, definition_of
from flows.tool_file import ToolFileError, tool_file_import, tool_json, tool_xlsx
from tests.factories import case_file_tool


def renamed_json(tool, code: str) -> bytes:
    data = json.loads(tool_json(tool))
    data["code"] = code
    return json.dumps(data).encode()


def renamed_xlsx(tool, code: str) -> bytes:
    book = load_workbook(io.BytesIO(tool_xlsx(tool)))
    sheet = book["Tool"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "code":
            row[1].value = code
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def same_definition(a: AuditTool, b: AuditTool) -> None:
    left, right = definition_of(a), definition_of(b)
    assert (left.name, left.audit_type, left.offers_outstanding, left.blind_moderation) == (
        right.name,
        right.audit_type,
        right.offers_outstanding,
        right.blind_moderation,
    )
    strip = [{**d.__dict__, "continues": ()} for d in left.domains]
    assert strip == [{**d.__dict__, "continues": ()} for d in right.domains]


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_export_then_import_is_the_same_tool(qa_lead, kind):
    tool = case_file_tool()
    data = renamed_json(tool, "neighbour") if kind == "json" else renamed_xlsx(tool, "neighbour")
    imported = tool_file_import(actor=qa_lead, file_obj=io.BytesIO(data), filename=f"tool.{kind}")
    assert imported.code == "neighbour" and imported.version == 1
    assert not imported.is_published()  # a draft, to check and publish
    same_definition(tool, imported)


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_a_file_with_a_known_code_is_its_next_version(qa_lead, kind):
    tool = case_file_tool()
    data = tool_json(tool) if kind == "json" else tool_xlsx(tool)
    imported = tool_file_import(actor=qa_lead, file_obj=io.BytesIO(data), filename=f"x.{kind}")
    assert imported.version == tool.version + 1 and imported.previous == tool
    same_definition(tool, imported)
    for domain in imported.domains.all():
        assert [d.code for d in domain.continues.all()] == [domain.code]


def test_the_maps_column_splits_a_domain(qa_lead):
    tool = case_file_tool()
    book = load_workbook(io.BytesIO(tool_xlsx(tool)))
    sheet = book["Domains"]
    headers = [c.value for c in sheet[1]]
    plan_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "plan")
    values = [c.value for c in plan_row]
    values[headers.index("code")] = "permanence"
    values[headers.index("title")] = "Permanence and contingency planning"
    values[headers.index("maps")] = "plan"
    sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    v2 = tool_file_import(actor=qa_lead, file_obj=io.BytesIO(out.getvalue()), filename="t.xlsx")
    old_plan = tool.domains.get(code="plan")
    assert set(old_plan.continued_by.values_list("code", flat=True)) == {"plan", "permanence"}
    assert v2.domains.get(code="permanence").position == tool.domains.count() + 1


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(qa_lead):
    tool = case_file_tool()
    book = load_workbook(io.BytesIO(renamed_xlsx(tool, "neighbour")))
    sheet = book["Domains"]
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("code") + 1).value = "Bad Code"
    sheet.cell(row=3, column=headers.index("RI") + 1).value = ""
    sheet.cell(row=4, column=headers.index("na_allowed") + 1).value = "perhaps"
    out = io.BytesIO()
    book.save(out)
    before = AuditTool.objects.count()
    with pytest.raises(ToolFileError) as refused:
        tool_file_import(actor=qa_lead, file_obj=io.BytesIO(out.getvalue()), filename="t.xlsx")
    assert refused.value.errors == ["Domains sheet, row 4, column na_allowed: enter yes or no."]
    sheet.cell(row=4, column=headers.index("na_allowed") + 1).value = "no"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ToolFileError) as refused:
        tool_file_import(actor=qa_lead, file_obj=io.BytesIO(out.getvalue()), filename="t.xlsx")
    assert set(refused.value.errors) == {
        f"Domains sheet, row 2, column code: {CODE_MESSAGE}",
        "Domains sheet, row 3, column RI: Enter the descriptor for Requires improvement.",
    }
    assert AuditTool.objects.count() == before


def test_json_problems_are_named_by_path(qa_lead):
    data = json.loads(renamed_json(case_file_tool(), "neighbour"))
    data["domains"][1]["descriptors"]["G"] = ""
    data["name"] = ""
    with pytest.raises(ToolFileError) as refused:
        tool_file_import(
            actor=qa_lead, file_obj=io.BytesIO(json.dumps(data).encode()), filename="t.json"
        )
    assert set(refused.value.errors) == {
        "name: Enter the tool's name.",
        "domains[1].descriptors.G: Enter the descriptor for Good.",
    }
    with pytest.raises(ToolFileError):
        tool_file_import(actor=qa_lead, file_obj=io.BytesIO(b"not json"), filename="t.json")
    with pytest.raises(ToolFileError):
        tool_file_import(actor=qa_lead, file_obj=io.BytesIO(b"PK junk"), filename="t.xlsx")
    assert not AuditTool.objects.filter(code="neighbour").exists()


def test_the_pages_download_and_import(client, qa_lead, auditor):
    tool = case_file_tool()
    client.force_login(qa_lead)
    response = client.get(reverse("tool_json", args=[tool.pk]))
    assert response.status_code == 200
    assert json.loads(response.content)["code"] == "case-file"
    response = client.get(reverse("tool_xlsx", args=[tool.pk]))
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Tool", "Domains"]
    upload = io.BytesIO(renamed_json(tool, "neighbour"))
    upload.name = "neighbour.json"
    response = client.post(reverse("tool_import"), {"file": upload})
    imported = AuditTool.objects.get(code="neighbour")
    assert response["Location"] == f"/tools/{imported.pk}/"
    bad = io.BytesIO(b"{}")
    bad.name = "bad.json"
    response = client.post(reverse("tool_import"), {"file": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Give the tool at least one domain." in page
    client.force_login(auditor)
    assert client.get(reverse("tool_json", args=[tool.pk])).status_code == 403
    assert client.get(reverse("tool_import")).status_code == 403
