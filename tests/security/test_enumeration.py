"""Nobody learns who works here from the API's refusals (issue 10, finding 17).

The schema and its reference page need a signed-in person with a role. A username filter
answers the same for a username nobody has and for one the requester may not know (someone
named on no row they may read). Starting an audit refuses by role before it says whether the
person named exists.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import (
    AuditFactory,
    UserFactory,
    api_token_for,
    sampled_moderation,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_role(team):
    return UserFactory(username="no_role", team=team, roles=[])


# ---------------------------------------------------------------- schema and docs


def test_the_api_schema_is_refused_to_anyone_not_signed_in(api_client):
    response = api_client.get("/api/schema/")
    assert response.status_code == 401
    assert "paths" not in response.content.decode()


def test_the_api_schema_is_refused_to_a_person_without_a_role(api_client, no_role):
    api_client.force_login(no_role)
    assert api_client.get("/api/schema/").status_code == 403


def test_the_api_schema_is_served_to_a_role_by_session_or_token(api_client, auditor):
    token = api_token_for(auditor)
    by_token = api_client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    assert by_token.status_code == 200
    assert b"/api/audits/" in by_token.content
    api_client.credentials()
    api_client.force_login(auditor)
    assert api_client.get("/api/schema/").status_code == 200


def test_the_api_docs_send_anyone_not_signed_in_to_sign_in(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_api_docs_are_refused_to_a_person_without_a_role(client, no_role):
    client.force_login(no_role)
    response = client.get("/api/docs/")
    assert response.status_code == 403
    assert b"/api/audits/" not in response.content


# ---------------------------------------------------------------- username filters


@pytest.fixture
def strangers(other_team_auditor, moderator, qa_lead):
    """An auditor of another area with a submitted audit, and a moderator who moderated it:
    people who exist but whom a team auditor may not know."""
    audit = submitted_audit(auditor=other_team_auditor, case__team=other_team_auditor.team)
    moderation = sampled_moderation(audit, qa_lead)
    moderation.moderator = moderator
    moderation.save()
    return other_team_auditor, moderator


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _same_answer(client, path: str, name: str, known_but_invisible: str) -> tuple:
    hidden = client.get(path, {name: known_but_invisible})
    unknown = client.get(path, {name: "nobody-has-this-name"})
    return hidden, unknown


def test_the_auditor_filter_answers_the_same_for_an_unknown_and_an_invisible_username(
    api_client, auditor, strangers
):
    AuditFactory(auditor=auditor, case__team=auditor.team)
    api_client.force_login(auditor)
    stranger, _ = strangers
    hidden, unknown = _same_answer(api_client, "/api/audits/", "auditor", stranger.username)
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()
    # Someone the auditor may know (themself) still filters.
    mine = api_client.get("/api/audits/", {"auditor": auditor.username})
    assert mine.status_code == 200 and mine.json()["count"] == 1


def test_the_auditor_filter_on_the_page_lists_and_answers_only_people_you_may_know(
    client, auditor, strangers
):
    client.force_login(auditor)
    stranger, _ = strangers
    hidden, unknown = _same_answer(client, "/audits/", "auditor", stranger.username)
    assert hidden.status_code == unknown.status_code == 200
    hidden_text = _without_csrf(hidden).replace(stranger.username, "nobody-has-this-name")
    assert hidden_text == _without_csrf(unknown)
    assert "No auditor with this username among the audits you may read." in hidden_text
    # The select offers no stranger either.
    assert stranger.username not in client.get("/audits/").content.decode()


def test_the_moderator_filter_answers_the_same_for_an_unknown_and_an_invisible_username(
    api_client, auditor, strangers
):
    api_client.force_login(auditor)
    _, moderator = strangers
    hidden, unknown = _same_answer(api_client, "/api/moderations/", "moderator", moderator.username)
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()


def test_a_qa_lead_still_filters_by_any_auditor_with_audits(api_client, qa_lead, strangers):
    api_client.force_login(qa_lead)
    stranger, moderator = strangers
    audits = api_client.get("/api/audits/", {"auditor": stranger.username})
    assert audits.status_code == 200 and audits.json()["count"] == 1
    moderations = api_client.get("/api/moderations/", {"moderator": moderator.username})
    assert moderations.status_code == 200 and moderations.json()["count"] == 1


# ---------------------------------------------------------------- starting an audit


def _start(api_client, case, auditor_username: str):
    body = {"case": case.reference, "auditor": auditor_username, "tool": "case-file"}
    return api_client.post("/api/audits/", body, format="json")


@pytest.mark.parametrize("role", ["auditor", "moderator", "viewer"])
def test_starting_an_audit_refuses_by_role_before_saying_whether_a_person_exists(
    request, api_client, role, team, other_team_auditor
):
    user = request.getfixturevalue(role)
    case = AuditFactory(auditor=other_team_auditor, case__team=team).case
    api_client.force_login(user)
    existing = _start(api_client, case, other_team_auditor.username)
    unknown = _start(api_client, case, "nobody-has-this-name")
    assert existing.status_code == unknown.status_code == 403
    assert existing.json() == unknown.json()


def test_a_qa_lead_is_told_there_is_no_such_auditor(api_client, qa_lead, team):
    case = AuditFactory(case__team=team).case
    api_client.force_login(qa_lead)
    response = _start(api_client, case, "nobody-has-this-name")
    assert response.status_code == 400
    assert response.json()["auditor"] == ["No auditor with this username."]
