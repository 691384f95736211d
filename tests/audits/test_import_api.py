"""POST /api/imports/ and GET /api/imports/{id}/: history through the API alone, as the upload
page and the command import it: all or nothing, every problem by row and column, the tool
version in force, large files as a job for a worker."""

import pytest
from django.test import override_settings

from core.models import Audit, AuditTool, Domain, DomainGrade, ImportJob
from core.services.tools import tool_draft_new_version, tool_publish
from moderation.models import Moderation
from tests.audits.import_rows import audit_row, moderated, to_csv

pytestmark = pytest.mark.django_db
URL = "/api/imports/"


def rows(n=3, **values):
    return [
        moderated(audit_row(case_reference=f"API-{i}", **values))
        if i == 0
        else audit_row(case_reference=f"API-{i}", **values)
        for i in range(n)
    ]


def test_only_a_qa_lead_imports_and_nothing_is_written_for_anyone_else(
    api_client, auditor, moderator, viewer
):
    for user in (auditor, moderator, viewer):
        api_client.force_authenticate(user)
        response = api_client.post(URL, {"rows": rows()}, format="json")
        assert response.status_code == 403, user
        assert api_client.get(f"{URL}1/").status_code == 403
    api_client.force_authenticate(None)
    assert api_client.post(URL, {"rows": rows()}, format="json").status_code in (401, 403)
    assert not Audit.objects.exists()


def test_rows_or_csv_import_once_with_a_dry_run_first(api_client, qa_lead):
    api_client.force_authenticate(qa_lead)
    dry = api_client.post(URL, {"rows": rows(), "dry_run": True}, format="json")
    assert dry.status_code == 200, dry.json()
    assert (dry.json()["dry_run"], dry.json()["audits"], dry.json()["moderations"]) == (
        True,
        3,
        1,
    )
    assert not Audit.objects.exists()
    done = api_client.post(URL, {"csv": to_csv(rows()).decode("utf-8-sig")}, format="json")
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["audits"], body["moderations"], body["rows"]) == (3, 1, 3)
    assert "3 audits were imported." in body["summary"]
    assert Audit.objects.count() == 3 and Moderation.objects.count() == 1
    again = api_client.post(URL, {"rows": rows()}, format="json").json()
    assert (again["audits"], again["skipped"]) == (0, 3)
    assert Audit.objects.count() == 3


def test_every_problem_by_row_and_column_and_nothing_written(api_client, qa_lead):
    api_client.force_authenticate(qa_lead)
    bad = rows(4)
    bad[1]["overall"] = "Great"
    bad[3]["month"] = "2025-13"
    response = api_client.post(URL, {"rows": bad}, format="json")
    assert response.status_code == 400
    found = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert {(3, "overall"), (5, "month")} <= found
    assert not Audit.objects.exists()


def test_a_body_that_cannot_be_read_gets_a_message_per_field(api_client, qa_lead):
    api_client.force_authenticate(qa_lead)
    both = api_client.post(URL, {"rows": rows(), "csv": "a"}, format="json")
    assert both.status_code == 400 and "rows" in both.json()
    unknown = api_client.post(URL, {"rows": rows(), "tool_version": "nope:9"}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["tool_version"] == [
        "nope:9 is not a published tool version: give CODE:N, e.g. case-file:2."
    ]
    assert not Audit.objects.exists()


def test_the_named_version_decides_where_na_is_allowed(api_client, qa_lead):
    v1 = AuditTool.objects.get(code="case-file", version=1)
    draft = tool_draft_new_version(actor=qa_lead, tool=v1)
    Domain.objects.filter(tool=draft, code="assessment").update(na_allowed=True)
    api_client.force_authenticate(qa_lead)
    na = rows(2, assessment="N/A")
    as_draft = api_client.post(URL, {"rows": na, "tool_version": "case-file:2"}, format="json")
    assert as_draft.status_code == 400 and "tool_version" in as_draft.json()  # still a draft
    tool_publish(tool=draft, actor=qa_lead)
    as_v1 = api_client.post(URL, {"rows": na, "tool_version": "case-file:1"}, format="json")
    assert as_v1.status_code == 400
    assert {(e["row"], e["column"]) for e in as_v1.json()["errors"]} == {
        (2, "assessment"),
        (3, "assessment"),
    }
    as_v2 = api_client.post(URL, {"rows": na, "tool_version": "case-file:2"}, format="json")
    assert as_v2.status_code == 200, as_v2.json()
    assert DomainGrade.objects.filter(domain__code="assessment", grade="NA").count() == 2


@override_settings(IMPORT_BACKGROUND_ROWS=2)
def test_a_large_file_is_a_job_the_api_follows(
    api_client, qa_lead, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(qa_lead)
    sent = rows(3)
    sent[0]["case_reference"] = "=CMD()"  # kept as sent: the stored file is data
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api_client.post(URL, {"rows": sent, "dry_run": False}, format="json")
    assert response.status_code == 202, response.json()
    job = ImportJob.objects.get()
    assert response["Location"] == f"/api/imports/{job.pk}/" == response.json()["url"]
    assert (response.json()["status"], response.json()["rows"]) == ("queued", 3)
    assert b"=CMD()" in bytes(job.data)
    queued[0]()  # the task, eagerly
    followed = api_client.get(f"/api/imports/{job.pk}/").json()
    assert followed["status"] == "failed"  # "=CMD()" is not a case reference
    assert followed["errors"][0]["row"] == 2
    assert followed["errors"][0]["column"] == "case_reference"
    assert not Audit.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        ok = api_client.post(URL, {"csv": to_csv(rows(3)).decode("utf-8-sig")}, format="json")
    assert ok.status_code == 202
    followed = api_client.get(ok["Location"]).json()
    assert followed["status"] == "done" and "3 audits were imported." in followed["summary"]
    assert Audit.objects.count() == 3
    assert api_client.get("/api/imports/999999/").status_code == 404
