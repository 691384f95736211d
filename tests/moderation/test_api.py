"""The moderation API: each endpoint's happy path and its refusals (400 per field, 403, 404,
409), blind moderation, the ETag / If-Match flow, samples and escalations.

Who may call what is in test_permissions.py; here the right person calls, mostly.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import Audit
from flows.moderation import moderation_complete
from moderation.models import Escalation, Moderation
from moderation.services.claims import moderation_claim
from tests.factories import (
    ProgrammeFactory,
    TeamFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
    tool_setting,
)


def url(moderation, action: str = "") -> str:
    return f"/api/moderations/{moderation.pk}/" + (f"{action}/" if action else "")


def grades_body(tool, grade: str = "G", rationale: str = "Agreed with the evidence.") -> dict:
    return {d.code: {"grade": grade, "rationale": rationale} for d in tool.domains.all()}


def full_body(moderation, version: int, grade: str = "G", overall: str = "G", **fields) -> dict:
    body = {
        "version": version,
        "overall": overall,
        "summary": "Clear analysis; the plan needs dates.",
        "grades": grades_body(moderation.audit.tool, grade),
        # Needed when the judgement is not the auditor's (issue 12 snag 22).
        "overall_revision_reason": "The domain grades, read together.",
    }
    return {**body, **fields}


def claim(api_client, moderation, user) -> dict:
    api_client.force_login(user)
    response = api_client.post(url(moderation, "claim"), {}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def completed(moderation, moderator, **content_fields) -> Moderation:
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, **content_fields)
    return moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )


# ---------------------------------------------------------------- list


def test_list_filters(api_client, moderation, moderator, qa_lead, auditor, team, other_team):
    other = sampled_moderation(
        submitted_audit(case__team=other_team, month=dt.date(2026, 9, 1)), qa_lead
    )
    moderation_claim(actor=moderator, moderation=other)
    api_client.force_login(moderator)

    def ids(**params):
        response = api_client.get("/api/moderations/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {moderation.pk, other.pk}
    assert ids(status="claimed") == {other.pk}
    assert ids(mine="true") == {other.pk}
    assert ids(mine="false") == {moderation.pk}
    assert ids(moderator="moderator") == {other.pk}
    assert ids(month="2026-10") == {moderation.pk}
    assert ids(service_area=team.service_area_id) == {moderation.pk}
    assert ids(selection="hand") == {moderation.pk, other.pk}
    assert ids(selection="random") == set()
    row = api_client.get("/api/moderations/", {"status": "claimed"}).json()["results"][0]
    assert row["moderator"] == "moderator" and row["service_area_name"] == "Children in care"
    assert row["selection_note"] == "Chosen for a test."


def test_list_filter_by_programme(api_client, qa_lead, moderator, auditor, team):
    programme = ProgrammeFactory()
    inside = sampled_moderation(
        submitted_audit(auditor=auditor, case__team=team, programme=programme), qa_lead
    )
    sampled_moderation(submitted_audit(auditor=auditor, case__team=team), qa_lead)
    api_client.force_login(moderator)
    response = api_client.get("/api/moderations/", {"programme": programme.pk})
    assert [row["id"] for row in response.json()["results"]] == [inside.pk]
    assert response.json()["results"][0]["programme"] == programme.pk


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"month": "2026-13"}, "month"),
        ({"mine": "perhaps"}, "mine"),
        ({"moderator": "nobody"}, "moderator"),
        ({"programme": "999999"}, "programme"),
        ({"selection": "whim"}, "selection"),
    ],
)
def test_invalid_filters_are_400_with_the_field(api_client, moderator, params, field):
    api_client.force_login(moderator)
    response = api_client.get("/api/moderations/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_list_costs_the_same_number_of_queries_however_long(
    api_client, moderator, qa_lead, team, other_team, django_assert_num_queries
):
    def make(n, area_team):
        for _ in range(n):
            moderation = sampled_moderation(submitted_audit(case__team=area_team), qa_lead)
            moderation_claim(actor=moderator, moderation=moderation)

    make(1, team)
    api_client.force_login(moderator)
    with CaptureQueriesContext(connection) as first:
        assert api_client.get("/api/moderations/").status_code == 200
    make(2, team)
    make(3, TeamFactory(service_area=other_team.service_area))
    with django_assert_num_queries(len(first.captured_queries)):
        response = api_client.get("/api/moderations/")
    assert response.json()["count"] == 6


# ---------------------------------------------------------------- detail


def test_detail_shows_each_domain_beside_the_auditors_with_the_outcome(
    api_client, moderation, moderator, auditor
):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, grade="G", overall="RI")
    content.grades["plan"] = ("I", "No plan on file.", "")
    content.grades["assessment"] = ("O", "Exceptional analysis.", "")
    done = moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )
    api_client.force_login(auditor)
    response = api_client.get(url(done))
    assert response.status_code == 200
    assert response["ETag"] == f'"{done.version}"'
    body = response.json()
    grades = {row["domain"]: row for row in body["grades"]}
    assert grades["plan"]["auditor_grade"] == "G"
    assert grades["plan"]["auditor_evidence"] == "Evidence for plan."
    assert (grades["plan"]["grade"], grades["plan"]["rationale"]) == ("I", "No plan on file.")
    assert (grades["plan"]["outcome"], grades["plan"]["steps"]) == ("downgraded", 2)
    assert (grades["assessment"]["outcome"], grades["assessment"]["steps"]) == ("upgraded", 1)
    assert grades["review"]["outcome"] == "agreed"
    assert body["overall_comparison"] == {
        "auditor_overall": "G",
        "auditor_escalated": False,
        "outcome": "downgraded",
        "steps": 1,
    }
    assert body["status"] == "completed" and body["moderator"] == "moderator"
    assert body["summary"] == "Clear analysis; the plan needs dates."
    assert body["selection"] == "hand" and body["escalation"] is None
    assert body["acknowledged_at"] is None and body["completed_at"]


def test_detail_of_an_escalated_moderation_carries_its_escalation(
    api_client, auditor, team, qa_lead, moderator
):
    audit = submitted_audit(auditor=auditor, case__team=team, grade="I", overall="I")
    done = completed(
        sampled_moderation(audit, qa_lead),
        moderator,
        grade="I",
        overall="I",
        escalated=True,
        escalation_reason="Child not seen for 12 weeks.",
    )
    api_client.force_login(auditor)
    body = api_client.get(url(done)).json()
    assert body["escalated"] is True
    assert body["escalation"]["reason"] == "Child not seen for 12 weeks."
    assert body["escalation"]["raised_by_role"] == "moderator"
    assert body["escalation"]["status"] == "open"


def test_unknown_ids_are_404(api_client, moderator):
    api_client.force_login(moderator)
    assert api_client.get("/api/moderations/999999/").status_code == 404
    assert api_client.get("/api/moderations/abc/").status_code == 404
    assert api_client.post("/api/moderations/999999/claim/", {}, format="json").status_code == 404
    assert api_client.get("/api/escalations/999999/").status_code == 404
    assert api_client.get("/api/programmes/999999/sample/").status_code == 404


# ---------------------------------------------------------------- blind moderation


def test_blind_moderation_keeps_the_auditors_grades_out_until_the_reveal(
    api_client, moderation, moderator, submitted
):
    tool_setting(submitted.tool, blind_moderation=True)
    body = claim(api_client, moderation, moderator)
    assert body["blind"] is True and body["auditor_grades_hidden"] is True
    response = api_client.get(url(moderation))
    assert b"Evidence for" not in response.content
    body = response.json()
    assert {row["auditor_grade"] for row in body["grades"]} == {None}
    assert {row["auditor_evidence"] for row in body["grades"]} == {None}
    assert body["overall_comparison"]["auditor_overall"] is None
    assert body["overall_comparison"]["auditor_escalated"] is None

    # Completing before the reveal is refused, and says why.
    version = int(response["ETag"].strip('"'))
    refused = api_client.post(
        url(moderation, "complete"), full_body(moderation, version, grade="RI"), format="json"
    )
    assert refused.status_code == 400
    assert "reveal" in refused.json()
    assert api_client.get(url(moderation))["ETag"] == f'"{version}"'  # nothing was saved

    revealed = api_client.post(
        url(moderation, "reveal"), full_body(moderation, version, grade="RI"), format="json"
    )
    assert revealed.status_code == 200, revealed.json()
    body = revealed.json()
    assert body["auditor_grades_hidden"] is False and body["revealed_at"]
    grades = {row["domain"]: row for row in body["grades"]}
    assert grades["plan"]["auditor_grade"] == "G"
    assert grades["plan"]["blind_grade"] == "RI"
    assert grades["plan"]["outcome"] == "downgraded"
    assert body["blind_overall"] == "G"
    assert body["overall_comparison"]["auditor_overall"] == "G"


def test_reveal_needs_every_domain_graded_and_only_once(api_client, moderation, moderator):
    tool_setting(moderation.audit.tool, blind_moderation=True)
    version = claim(api_client, moderation, moderator)["version"]
    response = api_client.post(url(moderation, "reveal"), {"version": version}, format="json")
    assert response.status_code == 400
    assert "grade" in response.json()["grades"]["plan"]
    assert "overall" in response.json()
    revealed = api_client.post(
        url(moderation, "reveal"), full_body(moderation, version), format="json"
    )
    assert revealed.status_code == 200
    again = api_client.post(
        url(moderation, "reveal"), {"version": revealed.json()["version"]}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "The auditor's grades are already shown."


def test_reveal_of_a_moderation_that_is_not_blind_is_409(api_client, moderation, moderator):
    version = claim(api_client, moderation, moderator)["version"]
    response = api_client.post(url(moderation, "reveal"), {"version": version}, format="json")
    assert response.status_code == 409


# ---------------------------------------------------------------- drafts and versions


def test_save_draft_with_if_match_returns_the_new_etag(api_client, moderation, moderator):
    claim(api_client, moderation, moderator)
    etag = api_client.get(url(moderation))["ETag"]
    body = {"overall": "RI", "grades": {"plan": {"grade": "RI", "rationale": "No dates."}}}
    response = api_client.patch(url(moderation), body, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    new_etag = response["ETag"]
    assert new_etag != etag and response.json()["version"] == int(new_etag.strip('"'))
    plan = next(row for row in response.json()["grades"] if row["domain"] == "plan")
    assert (plan["grade"], plan["rationale"], plan["outcome"]) == ("RI", "No dates.", "downgraded")
    assert response.json()["overall"] == "RI"

    # The old ETag is stale now: 409, and nothing changes.
    stale = api_client.patch(url(moderation), {"overall": "I"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409
    assert "saved by someone else" in stale.json()["detail"]
    moderation.refresh_from_db()
    assert moderation.overall == "RI"


@pytest.mark.parametrize(
    "body, headers",
    [
        ({"overall": "RI"}, {}),
        ({"overall": "RI", "version": 2}, {"HTTP_IF_MATCH": '"3"'}),
        ({"overall": "RI"}, {"HTTP_IF_MATCH": "yesterday"}),
    ],
    ids=["missing", "disagree", "malformed"],
)
def test_save_draft_needs_one_clear_version(api_client, moderation, moderator, body, headers):
    claim(api_client, moderation, moderator)
    response = api_client.patch(url(moderation), body, format="json", **headers)
    assert response.status_code == 400
    assert "version" in response.json()


def test_save_draft_answers_400_per_field(api_client, moderation, moderator):
    version = claim(api_client, moderation, moderator)["version"]
    response = api_client.patch(
        url(moderation),
        {"version": version, "overall": "X", "grades": {"plan": {"grade": "Z"}}},
        format="json",
    )
    assert response.status_code == 400
    assert "overall" in response.json()
    assert "grade" in response.json()["grades"]["plan"]

    unknown = api_client.patch(
        url(moderation), {"version": version, "grades": {"nope": {"grade": "G"}}}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["grades"]["nope"]["grade"] == [
        "'nope' is not a domain of Case file audit v1."
    ]

    escalate = api_client.patch(
        url(moderation), {"version": version, "overall": "RI", "escalated": True}, format="json"
    )
    assert escalate.status_code == 400
    assert "escalated" in escalate.json()
    moderation.refresh_from_db()
    assert (moderation.version, moderation.overall) == (version, "")


def test_form_encoded_bodies_are_refused(api_client, moderation, moderator):
    version = claim(api_client, moderation, moderator)["version"]
    response = api_client.patch(
        url(moderation), f"version={version}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


# ---------------------------------------------------------------- claim and release


def test_the_second_of_two_claims_gets_409_naming_the_claimant(api_client, moderation, moderator):
    moderator.first_name, moderator.last_name = "Asha", "Patel"
    moderator.save()
    body = claim(api_client, moderation, moderator)
    assert body["status"] == "claimed" and body["moderator"] == "moderator"
    assert {row["grade"] for row in body["grades"]} == {""}
    rival = UserFactory(username="rival", team=None, roles=["moderator"])
    api_client.force_login(rival)
    response = api_client.post(url(moderation, "claim"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"] == "This audit has already been claimed by Asha Patel."
    api_client.force_login(moderator)
    again = api_client.post(url(moderation, "claim"), format="json")
    assert again.status_code == 409
    assert again.json()["detail"] == "This audit has already been claimed by you."
    moderation.refresh_from_db()
    assert moderation.moderator == moderator


def test_nobody_claims_an_audit_they_wrote(api_client, moderation, auditor):
    auditor.groups.add(Group.objects.get(name="moderator"))
    api_client.force_login(auditor)
    response = api_client.post(url(moderation, "claim"), {}, format="json")
    assert response.status_code == 403
    assert "someone else must moderate it" in response.json()["detail"]


def test_release_puts_the_audit_back_in_the_queue(api_client, moderation, moderator, qa_lead):
    claim(api_client, moderation, moderator)
    response = api_client.post(url(moderation, "release"), {}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["moderator"]) == ("sampled", None)
    # No longer the claimant: not theirs to release.
    assert api_client.post(url(moderation, "release"), {}, format="json").status_code == 403
    # A QA lead frees a claim left behind, but cannot release what nobody holds.
    claim(api_client, moderation, moderator)
    api_client.force_login(qa_lead)
    assert api_client.post(url(moderation, "release"), {}, format="json").status_code == 200
    again = api_client.post(url(moderation, "release"), {}, format="json")
    assert again.status_code == 409
    assert again.json()["detail"] == "Only a claimed audit can be released."


# ---------------------------------------------------------------- complete


def test_complete_lists_every_missing_answer_then_completes(
    api_client, moderation, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    version = claim(api_client, moderation, moderator)["version"]
    response = api_client.post(url(moderation, "complete"), {"version": version}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["detail"] == "The moderation is not complete."
    assert "grade" in errors["grades"]["assessment"]
    assert "overall" in errors and "summary" in errors

    body = full_body(moderation, version)
    body["grades"]["plan"] = {"grade": "RI", "rationale": ""}
    response = api_client.post(url(moderation, "complete"), body, format="json")
    assert response.status_code == 400
    assert list(response.json()["grades"]) == ["plan"]
    assert "rationale" in response.json()["grades"]["plan"]

    # A refused completion saves nothing, not even the content sent with it.
    assert api_client.get(url(moderation)).json()["version"] == version
    body = full_body(moderation, version)
    body["grades"]["plan"] = {"grade": "RI", "rationale": "No dates in the plan."}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url(moderation, "complete"), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed" and response.json()["completed_at"]
    assert [m.subject for m in mailoutbox if m.subject.startswith("Moderation complete")]
    after = api_client.post(
        url(moderation, "complete"), {"version": response.json()["version"]}, format="json"
    )
    assert after.status_code == 409


def test_complete_with_a_stale_version_is_409(api_client, moderation, moderator):
    version = claim(api_client, moderation, moderator)["version"]
    api_client.patch(url(moderation), {"version": version, "overall": "G"}, format="json")
    response = api_client.post(
        url(moderation, "complete"), full_body(moderation, version), format="json"
    )
    assert response.status_code == 409
    moderation.refresh_from_db()
    assert moderation.status == Moderation.Status.CLAIMED


def test_escalating_on_completion_raises_an_escalation(api_client, moderation, moderator):
    version = claim(api_client, moderation, moderator)["version"]
    body = full_body(moderation, version, grade="I", overall="I", escalated=True)
    response = api_client.post(url(moderation, "complete"), body, format="json")
    assert response.status_code == 400
    assert "escalation_reason" in response.json()
    body = full_body(
        moderation, version, grade="I", overall="I", escalated=True, escalation_reason="Unsafe."
    )
    response = api_client.post(url(moderation, "complete"), body, format="json")
    assert response.status_code == 200
    assert response.json()["escalation"]["reason"] == "Unsafe."
    assert Escalation.objects.get(audit=moderation.audit).raised_by_role == "moderator"


# ---------------------------------------------------------------- rework


def test_return_for_rework_needs_a_comment_and_opens_a_revision(
    api_client, moderation, moderator, submitted
):
    version = claim(api_client, moderation, moderator)["version"]
    blank = api_client.post(
        url(moderation, "return"), {"version": version, "comment": "  "}, format="json"
    )
    assert blank.status_code == 400
    assert blank.json()["comment"] == ["Enter what the auditor needs to rework."]
    response = api_client.post(
        url(moderation, "return"),
        {"version": version, "comment": "No evidence for the plan."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    assert response.json()["rework_comment"] == "No evidence for the plan."
    submitted.refresh_from_db()
    assert submitted.status == Audit.Status.RETURNED
    assert submitted.next_revision.revision == 2
    again = api_client.post(
        url(moderation, "return"),
        {"version": response.json()["version"], "comment": "Again."},
        format="json",
    )
    assert again.status_code == 409


# ---------------------------------------------------------------- acknowledge


def test_auditor_acknowledges_the_feedback_once(api_client, moderation, moderator, auditor):
    api_client.force_login(auditor)
    assert api_client.post(url(moderation, "acknowledge"), {}, format="json").status_code == 404
    completed(moderation, moderator, grade="RI", overall="RI")
    response = api_client.post(url(moderation, "acknowledge"), {}, format="json")
    assert response.status_code == 200
    assert response.json()["acknowledged_at"] and response.json()["acknowledged_by"] == "auditor"
    again = api_client.post(url(moderation, "acknowledge"), {}, format="json")
    assert again.status_code == 409
    assert again.json()["detail"] == "You have already acknowledged this feedback."


# ---------------------------------------------------------------- add and remove by hand


def test_qa_lead_adds_an_audit_by_hand_with_a_reason(api_client, submitted, qa_lead, auditor):
    api_client.force_login(qa_lead)
    blank = api_client.post("/api/moderations/", {"audit": submitted.pk, "reason": " "}, "json")
    assert blank.status_code == 400
    assert blank.json()["reason"] == ["Enter why this audit is added."]
    missing = api_client.post("/api/moderations/", {"reason": "Complaint."}, format="json")
    assert missing.status_code == 400 and "audit" in missing.json()
    response = api_client.post(
        "/api/moderations/", {"audit": submitted.pk, "reason": "Complaint received."}, "json"
    )
    assert response.status_code == 201
    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["selection"], body["selection_note"]) == ("hand", "Complaint received.")
    assert (body["audit"], body["status"]) == (submitted.pk, "sampled")
    twice = api_client.post(
        "/api/moderations/", {"audit": submitted.pk, "reason": "Twice."}, format="json"
    )
    assert twice.status_code == 409
    assert "already in the moderation sample" in twice.json()["detail"]
    nowhere = api_client.post("/api/moderations/", {"audit": 999999, "reason": "x"}, "json")
    assert nowhere.status_code == 404


def test_an_audit_not_yet_submitted_cannot_be_added(api_client, audit, qa_lead):
    api_client.force_login(qa_lead)
    response = api_client.post(
        "/api/moderations/", {"audit": audit.pk, "reason": "Early."}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "Only a submitted audit can be moderated."


def test_qa_lead_removes_an_unclaimed_audit_with_a_reason(
    api_client, moderation, qa_lead, moderator
):
    api_client.force_login(qa_lead)
    blank = api_client.post(url(moderation, "remove"), {"reason": ""}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()
    response = api_client.post(url(moderation, "remove"), {"reason": "Case closed."}, "json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["removed_reason"]) == (
        "removed",
        "Case closed.",
    )
    assert api_client.post(url(moderation, "remove"), {"reason": "x"}, "json").status_code == 409


# ---------------------------------------------------------------- samples


@pytest.fixture
def programme_with_returns(auditor, team, other_team, other_team_auditor):
    programme = ProgrammeFactory()
    for _ in range(3):
        submitted_audit(auditor=auditor, case__team=team, programme=programme)
    for _ in range(2):
        submitted_audit(auditor=other_team_auditor, case__team=other_team, programme=programme)
    return programme


def test_qa_lead_draws_a_sample_and_gets_the_seed_back(
    api_client, programme_with_returns, qa_lead, moderator
):
    programme = programme_with_returns
    sample_url = f"/api/programmes/{programme.pk}/sample/"
    api_client.force_login(qa_lead)
    empty = api_client.get(sample_url).json()
    assert (empty["draw"], empty["moderations"]) == (None, [])
    assert {a["service_area_name"]: (a["returned"], a["sampled"]) for a in empty["areas"]} == {
        "Children in need": (3, 0),
        "Children in care": (2, 0),
    }

    rules = {"target": 2, "include_good_or_better": False}
    response = api_client.post(sample_url, rules, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    seed = body["draw"]["seed"]
    assert 0 <= seed < 2**31
    assert (body["draw"]["target"], body["draw"]["returned"]) == (2, 5)
    assert body["draw"]["drawn_by"] == "qa_lead"
    assert {a["service_area_name"]: (a["returned"], a["sampled"]) for a in body["areas"]} == {
        "Children in need": (3, 1),
        "Children in care": (2, 1),
    }
    assert {m["selection"] for m in body["moderations"]} == {"random"}
    assert all("of the 2 to moderate" in m["selection_note"] for m in body["moderations"])

    # The same seed draws the same sample again; the moderator reads it.
    first = {m["audit"] for m in body["moderations"]}
    again = api_client.post(sample_url, {**rules, "seed": seed}, format="json").json()
    assert {m["audit"] for m in again["moderations"]} == first
    assert again["draw"]["seed"] == seed
    api_client.force_login(moderator)
    read = api_client.get(sample_url)
    assert read.status_code == 200
    assert {m["audit"] for m in read.json()["moderations"]} == first
    assert read.json()["draw"]["id"] == again["draw"]["id"]


@pytest.mark.parametrize(
    "rules, field",
    [
        ({}, "target"),
        ({"target": 2, "percent": 50}, "target"),
        ({"percent": 150}, "percent"),
        ({"target": 0}, "target"),
        ({"target": 2, "widen_downgrades": 5, "widen_window": 3}, "widen_downgrades"),
        ({"target": 2, "seed": -1}, "seed"),
        ({"target": "many"}, "target"),
    ],
)
def test_invalid_sample_rules_are_400_per_field(
    api_client, programme_with_returns, qa_lead, rules, field
):
    api_client.force_login(qa_lead)
    response = api_client.post(
        f"/api/programmes/{programme_with_returns.pk}/sample/", rules, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Moderation.objects.exists()


# ---------------------------------------------------------------- escalations


@pytest.fixture
def escalation(auditor, team, qa_lead, moderator):
    audit = submitted_audit(auditor=auditor, case__team=team, grade="I", overall="I")
    done = completed(
        sampled_moderation(audit, qa_lead),
        moderator,
        grade="I",
        overall="I",
        escalated=True,
        escalation_reason="Not seen for 12 weeks.",
    )
    return done.escalations.get()


def test_escalation_list_filters(api_client, escalation, qa_lead, team, other_team):
    overdue = Escalation.objects.filter(pk=escalation.pk)
    api_client.force_login(qa_lead)

    def ids(**params):
        response = api_client.get("/api/escalations/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [escalation.pk]
    assert ids(status="open") == [escalation.pk]
    assert ids(status="closed") == []
    assert ids(service_area=team.service_area_id) == [escalation.pk]
    assert ids(service_area=other_team.service_area_id) == []
    assert ids(overdue="true") == []
    overdue.update(due_date=dt.date(2020, 1, 1))
    assert ids(overdue="true") == [escalation.pk]
    assert ids(overdue="false") == []
    row = api_client.get("/api/escalations/").json()["results"][0]
    assert row["overdue"] is True and row["case"] == escalation.audit.case.reference
    for params, field in [({"overdue": "maybe"}, "overdue"), ({"status": "x"}, "status")]:
        response = api_client.get("/api/escalations/", params)
        assert response.status_code == 400 and field in response.json()


def test_head_of_service_responds_once(api_client, escalation, viewer):
    api_client.force_login(viewer)
    respond = f"/api/escalations/{escalation.pk}/respond/"
    blank = api_client.post(respond, {"response": "  "}, format="json")
    assert blank.status_code == 400
    assert blank.json()["response"] == ["Enter the management response."]
    response = api_client.post(respond, {"response": "Visit arranged."}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["response"], body["responded_by"]) == (
        "closed",
        "Visit arranged.",
        "viewer",
    )
    again = api_client.post(respond, {"response": "Again."}, format="json")
    assert again.status_code == 409
    assert api_client.get(f"/api/escalations/{escalation.pk}/").json()["status"] == "closed"


# ---------------------------------------------------------------- selectors the pages share


def test_queue_holds_waiting_and_claimed_with_claimant_and_wait(
    moderation, moderator, qa_lead, auditor, team, viewer
):
    from moderation.selectors import moderation_queue

    claimed = moderation_claim(
        actor=moderator,
        moderation=sampled_moderation(submitted_audit(auditor=auditor, case__team=team), qa_lead),
    )
    completed(
        sampled_moderation(submitted_audit(auditor=auditor, case__team=team), qa_lead), moderator
    )
    rows = list(moderation_queue(user=moderator))
    assert [(m.pk, m.claimant) for m in rows] == [(moderation.pk, None), (claimed.pk, "moderator")]
    assert all(m.waited >= dt.timedelta(0) for m in rows)
    assert [m.pk for m in moderation_queue(user=moderator, filters={"mine": "true"})] == [
        claimed.pk
    ]
    assert list(moderation_queue(user=viewer)) == []


def test_feedback_is_the_completed_moderations_of_my_audits_and_my_reports(
    moderation, moderator, qa_lead, auditor, same_team_auditor, team
):
    from moderation.selectors import feedback_for_user

    manager = UserFactory(username="manager", team=None, roles=["auditor"])
    auditor.line_manager = manager
    auditor.save()
    done = completed(moderation, moderator)
    sampled_moderation(submitted_audit(auditor=auditor, case__team=team), qa_lead)
    theirs = completed(
        sampled_moderation(submitted_audit(auditor=same_team_auditor, case__team=team), qa_lead),
        moderator,
    )
    assert list(feedback_for_user(user=auditor)) == [done]
    assert list(feedback_for_user(user=manager)) == [done]
    assert list(feedback_for_user(user=same_team_auditor)) == [theirs]
    assert list(feedback_for_user(user=qa_lead)) == []
