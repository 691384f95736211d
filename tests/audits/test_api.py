"""The REST API under /api/: happy paths, errors (400 per field, 409), filters, tokens, queries.

Who may do what is in test_permissions.py; these tests mostly act as the right person.
"""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import Action, ApiToken, Audit, AuditTool, Case, Programme
from flows.audits import audit_submit
from tests.factories import (
    AuditFactory,
    CaseFactory,
    ProgrammeFactory,
    UserFactory,
    action_due,
    case_file_tool,
    complete_content,
)


def login(client, user):
    client.force_login(user)
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def complete_grades(tool, grade="G") -> dict:
    return {
        d.code: {"grade": grade, "evidence": f"Evidence for {d.code}."} for d in tool.domains.all()
    }


@pytest.fixture
def submitted(auditor, team):
    audit = AuditFactory(auditor=auditor, case__team=team)
    return audit_submit(audit=audit, actor=auditor, version=1, content=complete_content(audit.tool))


# ---------------------------------------------------------------- tools, areas, teams


def test_tools_have_domains_in_order_and_their_grade_scale(api_client, auditor):
    response = login(api_client, auditor).get("/api/tools/")
    assert response.status_code == 200
    tools = {t["code"]: t for t in response.json()["results"]}
    case_file, foster = tools["case-file"], tools["foster-carer"]
    assert [g["value"] for g in case_file["grade_scale"]] == ["O", "G", "RI", "I"]
    assert [g["value"] for g in foster["grade_scale"]] == ["G", "RI", "I"]
    positions = [d["position"] for d in case_file["domains"]]
    assert positions == sorted(positions) and case_file["domains"][0]["code"]
    plan = next(d for d in case_file["domains"] if d["code"] == "plan")
    assert set(plan["descriptors"]) == {"O", "G", "RI", "I"}
    assert plan["na_allowed"] is False
    assert "O" not in foster["domains"][0]["descriptors"]


def test_tool_detail_and_unknown_tool(api_client, auditor):
    tool = case_file_tool()
    client = login(api_client, auditor)
    response = client.get(f"/api/tools/{tool.pk}/")
    assert response.status_code == 200
    assert response.json()["code"] == "case-file"
    assert len(response.json()["domains"]) == tool.domains.count()
    assert client.get("/api/tools/999999/").status_code == 404
    assert client.get("/api/tools/abc/").status_code == 404


def test_teams_filter_by_service_area(api_client, auditor, team, other_team, other_area):
    client = login(api_client, auditor)
    response = client.get("/api/teams/", {"service_area": other_area.pk})
    assert ids(response) == {other_team.pk}
    assert ids(client.get("/api/teams/")) >= {team.pk, other_team.pk}
    bad = client.get("/api/teams/", {"service_area": "abc"})
    assert bad.status_code == 400
    assert "service_area" in bad.json()
    names = [a["name"] for a in client.get("/api/service-areas/").json()["results"]]
    assert names == sorted(names) and "Children in care" in names


# ---------------------------------------------------------------- cases


def test_cases_are_listed_within_scope_and_filtered(api_client, auditor, team, other_team):
    mine = CaseFactory(team=team, reference="LCS-1", case_type=Case.CaseType.CHILD_PROTECTION)
    also_mine = CaseFactory(team=team, reference="LCS-2")
    CaseFactory(team=other_team, reference="LCS-3")
    client = login(api_client, auditor)
    assert ids(client.get("/api/cases/")) == {mine.pk, also_mine.pk}
    assert ids(client.get("/api/cases/", {"case_type": "cp"})) == {mine.pk}
    assert ids(client.get("/api/cases/", {"reference": "lcs-2"})) == {also_mine.pk}
    assert ids(client.get("/api/cases/", {"team": other_team.pk})) == set()
    assert ids(client.get("/api/cases/", {"service_area": team.service_area_id})) == {
        mine.pk,
        also_mine.pk,
    }
    row = client.get("/api/cases/", {"reference": "LCS-1"}).json()["results"][0]
    assert row == {
        "id": mine.pk,
        "reference": "LCS-1",
        "case_type": "cp",
        "team": team.pk,
        "team_name": team.name,
        "service_area": team.service_area_id,
        "service_area_name": team.service_area.name,
    }


def test_qa_lead_records_a_case(api_client, qa_lead, team):
    client = login(api_client, qa_lead)
    body = {"reference": "LCS-900", "team": team.pk, "case_type": "cin"}
    # Sent with spaces around it, the reference is refused, not quietly trimmed.
    padded = client.post("/api/cases/", {**body, "reference": " LCS-900 "}, format="json")
    assert padded.status_code == 400 and "reference" in padded.json()
    response = client.post("/api/cases/", body, format="json")
    assert response.status_code == 201
    assert Case.objects.get(pk=response.json()["id"]).reference == "LCS-900"
    again = client.post("/api/cases/", {**body, "reference": "lcs-900"}, format="json")
    assert again.status_code == 400
    assert "reference" in again.json()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"team": 999999}, "team"),
        ({"team": "abc"}, "team"),
        ({"case_type": "martian"}, "case_type"),
        ({"reference": "x" * 41}, "reference"),
        ({"reference": ""}, "reference"),
        ({"reference": ["a"]}, "reference"),
    ],
)
def test_case_input_errors_are_per_field(api_client, qa_lead, team, change, field):
    body = {"reference": "LCS-901", "team": team.pk, "case_type": "cin", **change}
    response = login(api_client, qa_lead).post("/api/cases/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


# ---------------------------------------------------------------- programmes


def test_qa_lead_opens_and_edits_a_programme(api_client, qa_lead):
    client = login(api_client, qa_lead)
    body = {"month": "2026-11", "tool": "case-file", "theme": "Voice", "audit_target": 55}
    response = client.post("/api/programmes/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["month"], created["tool"], created["tool_version"]) == (
        "2026-11",
        "case-file",
        1,
    )
    assert Programme.objects.get(pk=created["id"]).month == dt.date(2026, 11, 1)
    again = client.post("/api/programmes/", body, format="json")
    assert again.status_code == 400 and "month" in again.json()

    change = {"audit_target": 60, "due_date": "2026-11-30"}
    patched = client.patch(f"/api/programmes/{created['id']}/", change, format="json")
    assert patched.status_code == 200
    assert (patched.json()["audit_target"], patched.json()["due_date"]) == (60, "2026-11-30")
    assert patched.json()["theme"] == "Voice"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "November"}, "month"),
        ({"month": 202611}, "month"),
        ({"tool": "no-such-tool"}, "tool"),
        ({"audit_target": -1}, "audit_target"),
        ({"audit_target": 10**12}, "audit_target"),
        ({"due_date": "31/11/2026"}, "due_date"),
        ({"theme": "x" * 201}, "theme"),
    ],
)
def test_programme_input_errors_are_per_field(api_client, qa_lead, change, field):
    body = {"month": "2026-11", "tool": "case-file", **change}
    response = login(api_client, qa_lead).post("/api/programmes/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_programmes_filter_by_month_and_tool(api_client, auditor):
    october = ProgrammeFactory(month=dt.date(2026, 10, 1))
    november = ProgrammeFactory(month=dt.date(2026, 11, 1))
    client = login(api_client, auditor)
    assert ids(client.get("/api/programmes/", {"month": "2026-11"})) == {november.pk}
    assert ids(client.get("/api/programmes/", {"tool": "case-file"})) == {october.pk, november.pk}
    assert ids(client.get("/api/programmes/", {"tool": "foster-carer"})) == set()
    for bad in ({"month": "2026-1"}, {"tool": "nope"}):
        response = client.get("/api/programmes/", bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())
    assert client.get(f"/api/programmes/{october.pk}/").json()["month"] == "2026-10"


def test_programme_patch_checks_its_input(api_client, qa_lead):
    programme = ProgrammeFactory()
    response = login(api_client, qa_lead).patch(
        f"/api/programmes/{programme.pk}/", {"moderation_target": "many"}, format="json"
    )
    assert response.status_code == 400 and "moderation_target" in response.json()


# ---------------------------------------------------------------- audits: list and detail


def test_audit_list_is_compact_and_paginated(api_client, qa_lead, audit):
    AuditFactory.create_batch(2, case__team=audit.case.team)
    client = login(api_client, qa_lead)
    response = client.get("/api/audits/", {"page_size": 2})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["next"] and body["previous"] is None
    rows = client.get("/api/audits/").json()["results"]
    row = next(r for r in rows if r["id"] == audit.pk)
    assert (row["case"], row["month"], row["auditor"]) == (
        audit.case.reference,
        "2026-10",
        "auditor",
    )
    assert "grades" not in row and "working_well" not in row
    assert client.get("/api/audits/", {"page": 9}).status_code == 404


def test_audit_detail_has_grades_in_domain_order_and_an_etag(api_client, auditor, submitted):
    response = login(api_client, auditor).get(f"/api/audits/{submitted.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == f'"{submitted.version}"'
    body = response.json()
    team = submitted.case.team
    assert body["case"] == submitted.case.reference
    assert (body["team"], body["team_name"]) == (team.pk, team.name)
    assert (body["service_area"], body["service_area_name"]) == (
        team.service_area_id,
        team.service_area.name,
    )
    assert (body["auditor"], body["tool"], body["tool_version"]) == ("auditor", "case-file", 1)
    assert (body["status"], body["overall"], body["month"]) == ("submitted", "G", "2026-10")
    assert body["working_well"] == "Regular visits."
    domains = list(submitted.tool.domains.order_by("position"))
    assert [g["domain"] for g in body["grades"]] == [d.code for d in domains]
    assert body["grades"][0] == {
        "domain": domains[0].code,
        "title": domains[0].title,
        "grade": "G",
        "evidence": f"Evidence for {domains[0].code}.",
    }
    assert body["actions"] == [] and body["re_audit_of"] is None


def test_unknown_or_huge_ids_are_404_not_500(api_client, qa_lead):
    client = login(api_client, qa_lead)
    for url in ("/api/audits/999999/", "/api/audits/99999999999999999999999/", "/api/audits/x/"):
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------- audits: filters


@pytest.fixture
def filter_world(auditor, same_team_auditor, other_team_auditor, team, other_team):
    foster = AuditTool.objects.get(code="foster-carer")
    return {
        "september": AuditFactory(
            auditor=auditor,
            case__team=team,
            month=dt.date(2026, 9, 1),
            status=Audit.Status.SUBMITTED,
            overall="G",
        ),
        "october": AuditFactory(
            auditor=other_team_auditor,
            case__team=other_team,
            tool=foster,
            month=dt.date(2026, 10, 1),
            status=Audit.Status.IN_PROGRESS,
            overall="I",
        ),
        "november": AuditFactory(
            auditor=same_team_auditor, case__team=team, month=dt.date(2026, 11, 1)
        ),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, {"september", "october", "november"}),
        ({"month_from": "2026-10"}, {"october", "november"}),
        ({"month_to": "2026-10"}, {"september", "october"}),
        ({"month_from": "2026-10", "month_to": "2026-10"}, {"october"}),
        ({"service_area": "other_area"}, {"october"}),
        ({"team": "team"}, {"september", "november"}),
        ({"tool": "foster-carer"}, {"october"}),
        ({"tool": "case-file"}, {"september", "november"}),
        ({"auditor": "colleague"}, {"november"}),
        ({"status": "submitted"}, {"september"}),
        ({"status": "assigned"}, {"november"}),
        ({"overall": "I"}, {"october"}),
        ({"team": "team", "status": "submitted"}, {"september"}),
    ],
)
def test_each_audit_filter_narrows_the_list(
    api_client, qa_lead, filter_world, team, other_area, query, expected
):
    objects = {"team": team.pk, "other_area": other_area.pk}
    params = {name: objects.get(value, value) for name, value in query.items()}
    response = login(api_client, qa_lead).get("/api/audits/", params)
    assert response.status_code == 200
    names = {audit.pk: name for name, audit in filter_world.items()}
    assert {names[pk] for pk in ids(response)} == expected


@pytest.mark.parametrize(
    "query",
    [
        {"month_from": "2026-13"},
        {"month_to": "Oct 2026"},
        {"month_from": "2026-11", "month_to": "2026-10"},
        {"service_area": "x"},
        {"team": "abc"},
        {"team": "999999"},
        {"team": "99999999999999999999999"},
        {"tool": "no-such-tool"},
        {"auditor": "nobody"},
        {"status": "done"},
        {"overall": "NA"},
    ],
)
def test_invalid_audit_filters_are_400_with_a_message_per_field(api_client, qa_lead, query):
    response = login(api_client, qa_lead).get("/api/audits/", query)
    assert response.status_code == 400
    assert list(query)[-1] in response.json()


def test_audit_list_query_count_does_not_grow_with_audits(
    api_client, viewer, team, django_assert_num_queries
):
    client = login(api_client, viewer)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/audits/").status_code == 200
        return len(queries)

    AuditFactory.create_batch(3, case__team=team)
    with_three = count_queries()
    AuditFactory.create_batch(10, case__team=team)
    assert count_queries() == with_three
    # session, user, roles, count, page.
    with django_assert_num_queries(5):
        client.get("/api/audits/", {"status": "assigned"})
    assert len(client.get("/api/audits/").json()["results"]) == 13


def test_audit_detail_query_count_does_not_grow_with_actions(
    api_client, auditor, audit, django_assert_num_queries
):
    client = login(api_client, auditor)
    Action.objects.create(
        audit=audit, description="Visit", owner="SW", due_date=dt.date(2026, 1, 1)
    )
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/audits/{audit.pk}/")
    for _ in range(5):
        Action.objects.create(
            audit=audit, description="x", owner="SW", due_date=dt.date(2026, 1, 1)
        )
    with django_assert_num_queries(len(one)):
        assert len(client.get(f"/api/audits/{audit.pk}/").json()["actions"]) == 6


# ---------------------------------------------------------------- audits: create


def test_qa_lead_assigns_a_case_from_a_programme(api_client, qa_lead, auditor, team):
    programme = ProgrammeFactory()
    case = CaseFactory(team=team)
    body = {"case": case.reference, "auditor": "auditor", "programme": programme.pk}
    response = login(api_client, qa_lead).post("/api/audits/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["auditor"], created["programme"], created["tool"]) == (
        "auditor",
        programme.pk,
        "case-file",
    )
    assert (created["month"], created["due_date"], created["status"]) == (
        "2026-10",
        "2026-10-31",
        "assigned",
    )
    assert len(created["grades"]) == programme.tool.domains.count()
    assert response["ETag"] == '"1"'


def test_auditor_starts_an_ad_hoc_audit_of_a_team_case(api_client, auditor, team):
    case = CaseFactory(team=team)
    body = {"case": case.reference.lower(), "tool": "foster-carer", "kind": "dip_sample"}
    response = login(api_client, auditor).post("/api/audits/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["auditor"], created["tool"], created["kind"]) == (
        "auditor",
        "foster-carer",
        "dip_sample",
    )
    assert created["month"] == timezone.localdate().strftime("%Y-%m")
    assert created["programme"] is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"case": "LCS-NOPE"}, "case"),
        ({"case": None}, "case"),
        ({"auditor": "qa_lead"}, "auditor"),
        ({"auditor": "nobody"}, "auditor"),
        ({"tool": "nope"}, "tool"),
        ({"tool": 7}, "tool"),
        ({"programme": "abc"}, "programme"),
        ({"programme": 999999}, "programme"),
        ({"kind": "re_audit"}, "kind"),
        ({"kind": "sideways"}, "kind"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"resample_reason": ["x"]}, "resample_reason"),
    ],
)
def test_audit_create_errors_are_per_field(api_client, qa_lead, auditor, team, change, field):
    body = {"case": CaseFactory(team=team).reference, "auditor": "auditor", "tool": "case-file"}
    response = login(api_client, qa_lead).post("/api/audits/", {**body, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()


def test_audit_create_needs_a_tool_or_programme(api_client, qa_lead, auditor, team):
    body = {"case": CaseFactory(team=team).reference, "auditor": "auditor"}
    response = login(api_client, qa_lead).post("/api/audits/", body, format="json")
    assert response.status_code == 400 and "tool" in response.json()


def test_another_teams_case_is_unknown_to_an_auditor(api_client, auditor, other_team):
    body = {"case": CaseFactory(team=other_team).reference, "tool": "case-file"}
    response = login(api_client, auditor).post("/api/audits/", body, format="json")
    assert response.status_code == 400
    assert response.json()["case"] == ["No case with this reference."]


def test_a_case_audited_this_year_needs_a_reason(api_client, auditor, team):
    this_month = timezone.localdate().replace(day=1)
    case = AuditFactory(case__team=team, month=this_month).case
    client = login(api_client, auditor)
    body = {"case": case.reference, "tool": "case-file"}
    refused = client.post("/api/audits/", body, format="json")
    assert refused.status_code == 400 and "resample_reason" in refused.json()
    body["resample_reason"] = "New referral."
    assert client.post("/api/audits/", body, format="json").status_code == 201


def test_a_case_twice_in_one_programme_is_refused(api_client, qa_lead, auditor, team):
    programme = ProgrammeFactory()
    case = CaseFactory(team=team)
    body = {"case": case.reference, "auditor": "auditor", "programme": programme.pk}
    client = login(api_client, qa_lead)
    assert client.post("/api/audits/", body, format="json").status_code == 201
    again = client.post("/api/audits/", {**body, "resample_reason": "Again"}, format="json")
    assert again.status_code == 400 and "case" in again.json()


def test_garbage_bodies_are_400_or_415_never_500(api_client, auditor, audit):
    client = login(api_client, auditor)
    url = f"/api/audits/{audit.pk}/"
    assert client.patch(url, "[1, 2]", content_type="application/json").status_code == 400
    assert client.patch(url, "{not json", content_type="application/json").status_code == 400
    assert client.patch(url, "version=1", content_type="text/plain").status_code == 415
    assert client.post("/api/audits/", "null", content_type="application/json").status_code == 400


# ---------------------------------------------------------------- audits: drafts


def test_patch_saves_a_draft_and_bumps_the_version(api_client, auditor, audit):
    body = {
        "version": 1,
        "overall": "RI",
        "worried_about": "Drift.",
        "grades": {"plan": {"grade": "RI", "evidence": "No timescales."}},
    }
    response = login(api_client, auditor).patch(f"/api/audits/{audit.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    saved = response.json()
    assert (saved["version"], saved["status"], saved["overall"]) == (2, "in_progress", "RI")
    assert saved["worried_about"] == "Drift."
    assert response["ETag"] == '"2"'
    plan = next(g for g in saved["grades"] if g["domain"] == "plan")
    assert (plan["grade"], plan["evidence"]) == ("RI", "No timescales.")
    audit.refresh_from_db()
    assert audit.version == 2 and audit.grades.get(domain__code="plan").grade == "RI"


def test_patch_takes_the_version_from_if_match(api_client, auditor, audit):
    client = login(api_client, auditor)
    etag = client.get(f"/api/audits/{audit.pk}/")["ETag"]
    url = f"/api/audits/{audit.pk}/"
    response = client.patch(url, {"overall": "G"}, format="json", headers={"If-Match": etag})
    assert response.status_code == 200 and response.json()["version"] == 2
    stale = client.patch(url, {"overall": "I"}, format="json", headers={"If-Match": etag})
    assert stale.status_code == 409
    bad = client.patch(url, {"overall": "I"}, format="json", headers={"If-Match": "*"})
    assert bad.status_code == 400 and "version" in bad.json()
    disagree = client.patch(
        url, {"version": 2, "overall": "I"}, format="json", headers={"If-Match": '"1"'}
    )
    assert disagree.status_code == 400 and "version" in disagree.json()


def test_patch_needs_a_version(api_client, auditor, audit):
    response = login(api_client, auditor).patch(
        f"/api/audits/{audit.pk}/", {"overall": "G"}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_stale_version_is_409_and_changes_nothing(api_client, auditor, audit):
    client = login(api_client, auditor)
    url = f"/api/audits/{audit.pk}/"
    assert client.patch(url, {"version": 1, "overall": "G"}, format="json").status_code == 200
    stale = client.patch(url, {"version": 1, "overall": "I"}, format="json")
    assert stale.status_code == 409
    assert "detail" in stale.json()
    audit.refresh_from_db()
    assert audit.overall == "G"


def test_a_submitted_audit_cannot_be_patched(api_client, auditor, submitted):
    response = login(api_client, auditor).patch(
        f"/api/audits/{submitted.pk}/",
        {"version": submitted.version, "overall": "I"},
        format="json",
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body, path",
    [
        ({"grades": {"plan": {"grade": "X", "evidence": ""}}}, ("grades", "plan", "grade")),
        ({"grades": {"plan": {"grade": "NA", "evidence": ""}}}, ("grades", "plan", "grade")),
        ({"grades": {"nope": {"grade": "G", "evidence": "x"}}}, ("grades", "nope", "grade")),
        ({"grades": {"plan": {"grade": "G"}}}, ("grades", "plan", "evidence")),
        ({"grades": {"plan": {"grade": "G", "evidence": ["x"]}}}, ("grades", "plan", "evidence")),
        ({"grades": {"plan": "G"}}, ("grades", "plan")),
        ({"grades": "G"}, ("grades",)),
        ({"grades": [{"domain": "plan"}]}, ("grades",)),
        ({"overall": "X"}, ("overall",)),
        ({"overall": 5}, ("overall",)),
        ({"overall": None}, ("overall",)),
        ({"escalated": "maybe"}, ("escalated",)),
        ({"escalated": True, "overall": "G"}, ("escalated",)),
        ({"working_well": {"a": 1}}, ("working_well",)),
        ({"version": "one"}, ("version",)),
        ({"version": 0}, ("version",)),
    ],
)
def test_invalid_draft_content_is_400_with_nested_field_errors(
    api_client, auditor, audit, body, path
):
    response = login(api_client, auditor).patch(
        f"/api/audits/{audit.pk}/", {"version": 1, **body}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    for key in path:
        errors = errors[key]
    assert errors
    audit.refresh_from_db()
    assert audit.version == 1


def test_outstanding_is_refused_where_the_tool_does_not_offer_it(api_client, auditor, team):
    foster = AuditTool.objects.get(code="foster-carer")
    audit = AuditFactory(auditor=auditor, case__team=team, tool=foster)
    code = foster.domains.first().code
    body = {"version": 1, "overall": "O", "grades": {code: {"grade": "O", "evidence": "x"}}}
    response = login(api_client, auditor).patch(f"/api/audits/{audit.pk}/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"overall", "grades"}
    assert "grade" in response.json()["grades"][code]


# ---------------------------------------------------------------- audits: submit, re-audit


def test_submit_incomplete_lists_what_is_missing_per_domain(api_client, auditor, audit):
    response = login(api_client, auditor).post(
        f"/api/audits/{audit.pk}/submit/", {"version": 1}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "overall" in body
    assert body["grades"]["plan"] == {
        "grade": ["Select a grade for Plan (and permanence planning)."]
    }
    assert set(body["grades"]) == {d.code for d in audit.tool.domains.all()}
    audit.refresh_from_db()
    assert audit.status == Audit.Status.ASSIGNED


def test_submit_reports_missing_evidence_under_the_domain(api_client, auditor, audit):
    grades = complete_grades(audit.tool)
    grades["plan"]["evidence"] = ""
    body = {"version": 1, "overall": "G", "grades": grades}
    response = login(api_client, auditor).post(
        f"/api/audits/{audit.pk}/submit/", body, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["grades"]) == ["plan"]
    assert list(response.json()["grades"]["plan"]) == ["evidence"]


def test_submit_with_content_then_again_is_409(api_client, auditor, audit):
    client = login(api_client, auditor)
    body = {"version": 1, "overall": "G", "grades": complete_grades(audit.tool)}
    response = client.post(f"/api/audits/{audit.pk}/submit/", body, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 3)
    assert response.json()["submitted_at"]
    again = client.post(f"/api/audits/{audit.pk}/submit/", {"version": 3}, format="json")
    assert again.status_code == 409


def test_submit_after_saving_drafts(api_client, auditor, audit):
    client = login(api_client, auditor)
    body = {"version": 1, "overall": "I", "grades": complete_grades(audit.tool, "I")}
    assert client.patch(f"/api/audits/{audit.pk}/", body, format="json").status_code == 200
    response = client.post(
        f"/api/audits/{audit.pk}/submit/", {}, format="json", headers={"If-Match": '"2"'}
    )
    assert response.status_code == 200
    assert response.json()["overall"] == "I"


def test_escalation_needs_a_reason_to_submit(api_client, auditor, audit):
    body = {
        "version": 1,
        "overall": "I",
        "escalated": True,
        "grades": complete_grades(audit.tool, "I"),
    }
    response = login(api_client, auditor).post(
        f"/api/audits/{audit.pk}/submit/", body, format="json"
    )
    assert response.status_code == 400
    assert "escalation_reason" in response.json()


def _submitted_yesterday(audit):
    """A re-audit starts on a later day than the audit it follows."""
    Audit.objects.filter(pk=audit.pk).update(submitted_at=timezone.now() - dt.timedelta(days=1))
    audit.refresh_from_db()
    return audit


def test_reaudit_starts_blank_for_the_actor(api_client, same_team_auditor, submitted):
    _submitted_yesterday(submitted)
    response = login(api_client, same_team_auditor).post(
        f"/api/audits/{submitted.pk}/reaudit/", {}, format="json"
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["auditor"], created["kind"], created["re_audit_of"]) == (
        "colleague",
        "re_audit",
        submitted.pk,
    )
    # Graded afresh: nothing of the earlier audit is copied in.
    assert created["status"] == "assigned" and not created["overall"]
    assert {g["grade"] for g in created["grades"]} == {""}


def test_reaudit_of_ones_own_audit_is_403_and_bad_programme_is_400(
    api_client, auditor, same_team_auditor, audit, submitted
):
    client = login(api_client, auditor)
    assert client.post(f"/api/audits/{audit.pk}/reaudit/", {}, format="json").status_code == 403
    own = client.post(f"/api/audits/{submitted.pk}/reaudit/", {}, format="json")
    assert own.status_code == 403
    colleague = login(api_client, same_team_auditor)
    bad = colleague.post(f"/api/audits/{submitted.pk}/reaudit/", {"programme": "x"}, format="json")
    assert bad.status_code == 400 and "programme" in bad.json()


def test_reaudit_into_a_programme(api_client, same_team_auditor, submitted):
    # An auditor's audits go into this month's programme or a later one, due in future.
    _submitted_yesterday(submitted)
    month = (timezone.localdate().replace(day=1) + dt.timedelta(days=95)).replace(day=1)
    programme = ProgrammeFactory(month=month, due_date=month + dt.timedelta(days=27))
    response = login(api_client, same_team_auditor).post(
        f"/api/audits/{submitted.pk}/reaudit/", {"programme": programme.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["programme"], response.json()["month"]) == (
        programme.pk,
        month.strftime("%Y-%m"),
    )


# ---------------------------------------------------------------- actions


def test_auditor_and_qa_lead_add_actions_any_time(api_client, auditor, qa_lead, submitted):
    body = {
        "audit": submitted.pk,
        "description": "Update the plan",
        "owner": "Team manager",
        "due_date": action_due(),
    }
    response = login(api_client, auditor).post("/api/actions/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["case"] == submitted.case.reference
    assert response.json()["status"] == "open"
    lead = login(api_client, qa_lead).post("/api/actions/", body, format="json")
    assert lead.status_code == 201
    assert submitted.actions.count() == 2
    detail = api_client.get(f"/api/audits/{submitted.pk}/").json()
    assert [a["description"] for a in detail["actions"]] == ["Update the plan"] * 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"description": "  "}, "description"),
        ({"owner": ""}, "owner_person"),  # nobody owns it
        ({"owner": "x" * 121}, "owner"),
        ({"owner_person": "nobody-here"}, "owner_person"),
        ({"due_date": "soon"}, "due_date"),
        ({"audit": "abc"}, "audit"),
    ],
)
def test_action_input_errors_are_per_field(api_client, auditor, audit, change, field):
    body = {"audit": audit.pk, "description": "Visit", "owner": "SW", "due_date": action_due()}
    response = login(api_client, auditor).post("/api/actions/", {**body, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_action_on_an_unknown_audit_is_404(api_client, auditor):
    body = {"audit": 10**15, "description": "Visit", "owner": "SW", "due_date": action_due()}
    assert login(api_client, auditor).post("/api/actions/", body, format="json").status_code == 404


def test_action_status_is_set_and_filtered(api_client, auditor, audit):
    today = timezone.localdate()
    late = Action.objects.create(
        audit=audit, description="Late", owner="SW", due_date=today - dt.timedelta(days=1)
    )
    later = Action.objects.create(
        audit=audit, description="Later", owner="SW", due_date=today + dt.timedelta(days=9)
    )
    other = Action.objects.create(
        audit=AuditFactory(auditor=auditor, case__team=audit.case.team),
        description="Other",
        owner="SW",
        due_date=today,
    )
    client = login(api_client, auditor)
    assert ids(client.get("/api/actions/", {"overdue": "true"})) == {late.pk}
    assert ids(client.get("/api/actions/", {"overdue": "false"})) == {later.pk, other.pk}
    assert ids(client.get("/api/actions/", {"audit": audit.pk})) == {late.pk, later.pk}
    assert client.get(f"/api/actions/{late.pk}/").json()["overdue"] is True

    done = client.patch(f"/api/actions/{late.pk}/", {"status": "done"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "done" and done.json()["completed_at"]
    assert done.json()["overdue"] is False
    assert ids(client.get("/api/actions/", {"status": "done"})) == {late.pk}
    assert ids(client.get("/api/actions/", {"overdue": "true"})) == set()

    bad = client.patch(f"/api/actions/{late.pk}/", {"status": "finished"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()
    for query in ({"audit": "x"}, {"audit": "1.5"}, {"status": "x"}, {"overdue": "perhaps"}):
        response = client.get("/api/actions/", query)
        assert response.status_code == 400 and set(query) <= set(response.json())


# ---------------------------------------------------------------- authentication


def test_anonymous_requests_are_401_with_a_challenge(api_client):
    response = api_client.get("/api/audits/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_from_username_and_password_authenticates(api_client, auditor, audit):
    response = api_client.post(
        "/api/token/", {"username": "auditor", "password": "correct-horse-battery"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.filter(user=auditor).count() == 1
    listed = api_client.get("/api/audits/", headers={"Authorization": f"Token {token}"})
    assert listed.status_code == 200 and ids(listed) == {audit.pk}
    wrong = api_client.post(
        "/api/token/", {"username": "auditor", "password": "guess"}, format="json"
    )
    assert wrong.status_code == 400 and "token" not in wrong.json()
    bogus = api_client.get("/api/audits/", headers={"Authorization": "Token nonsense"})
    assert bogus.status_code == 401


def test_issue_token_command_prints_a_working_token_and_rotates(auditor, api_client, capsys):
    def works(token: str) -> bool:
        response = api_client.get("/api/audits/", headers={"Authorization": f"Token {token}"})
        return response.status_code == 200

    call_command("issue_token", "auditor")
    first = capsys.readouterr().out.strip()
    assert works(first)
    call_command("issue_token", "auditor")
    second = capsys.readouterr().out.strip()
    assert second != first and works(first) and works(second)  # only digests are kept
    call_command("issue_token", "auditor", "--rotate")
    rotated = capsys.readouterr().out.strip()
    assert works(rotated) and not works(first) and not works(second)
    assert ApiToken.objects.filter(user=auditor).count() == 1
    with pytest.raises(CommandError):
        call_command("issue_token", "nobody")
    UserFactory(username="leaver", is_active=False)
    with pytest.raises(CommandError):
        call_command("issue_token", "leaver")


def test_session_authenticated_writes_need_a_csrf_token(auditor, audit):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(auditor)
    response = client.patch(f"/api/audits/{audit.pk}/", {"version": 1}, format="json")
    assert response.status_code == 403


# ---------------------------------------------------------------- browsable API and pages


@pytest.mark.parametrize(
    "url",
    [
        "/api/",
        "/api/audits/",
        "/api/audits/{audit}/",
        "/api/audits/{audit}/submit/",
        "/api/cases/",
        "/api/programmes/",
        "/api/actions/",
        "/api/tools/",
        "/api/docs/",
    ],
)
def test_browsable_api_pages_render(client, auditor, audit, url):
    client.force_login(auditor)
    response = client.get(url.format(audit=audit.pk), headers={"Accept": "text/html"})
    # submit/ is POST only: the browsable page still renders, with its form.
    assert response.status_code in (200, 405)
    assert b"<html" in response.content.lower()


def test_audit_filter_works_from_a_plain_django_view(auditor, team):
    from django.http import QueryDict

    from audits.selectors import audit_filter_for_user

    mine = AuditFactory(auditor=auditor, case__team=team, month=dt.date(2026, 9, 1))
    AuditFactory(auditor=auditor, case__team=team, month=dt.date(2026, 11, 1))
    bound = audit_filter_for_user(user=auditor, data=QueryDict("month_to=2026-09&team="))
    assert bound.is_valid()
    assert list(bound.qs) == [mine]
    html = bound.form.as_div()
    assert 'name="month_from"' in html and 'name="auditor"' in html
    assert '<option value="auditor">auditor</option>' in html

    invalid = audit_filter_for_user(user=auditor, data=QueryDict("month_from=2026-99&status=x"))
    assert not invalid.is_valid()
    assert set(invalid.form.errors) == {"month_from", "status"}
    assert invalid.qs.count() == 2  # only valid filters apply; the form says what was wrong
    unbound = audit_filter_for_user(user=auditor, data=None)
    assert unbound.qs.count() == 2 and not unbound.is_bound
