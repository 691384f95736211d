"""Every endpoint × every role → the expected status, and for lists exactly which rows.

One table: add a row to ENDPOINTS for each new endpoint or page. Each role logs in with a
session (as a browser would), so page rows work the same way as API rows.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.models import Action, Audit
from tests.factories import AuditFactory, CaseFactory, ProgrammeFactory, UserFactory, action_due

ROLES = (
    "anonymous",
    "owner",  # the auditor whose audits "draft" and "submitted" are
    "same_team",  # another auditor in the owner's team
    "other_team",  # an auditor in another service area
    "moderator",
    "viewer",  # head of service for the owner's service area
    "other_viewer",  # head of service for the other service area
    "qa_lead",
    "no_role",  # signed in, in the owner's team, but holding no role
)


def S(*codes: int) -> dict[str, int]:
    """Expected statuses in the order of ROLES."""
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[SimpleNamespace], str]
    expected: dict[str, int]
    body: Callable[[SimpleNamespace], dict] | None = None
    # For lists: the world's named objects each role sees (row ids mapped through world.names).
    rows: dict[str, set[str]] | None = field(default=None)
    kind: str = ""  # which of world.names the rows are


def complete_submission(w) -> dict:
    grades = {d.code: {"grade": "G", "evidence": "Seen."} for d in w.draft.tool.domains.all()}
    return {"version": 1, "overall": "G", "grades": grades}


ALL_CASES = {"draft_case", "submitted_case", "fresh_case", "other_case", "other_submitted_case"}
TEAM_CASES = {"draft_case", "submitted_case", "fresh_case"}
OTHER_CASES = {"other_case", "other_submitted_case"}
ALL_AUDITS = {"draft", "submitted", "other_draft", "other_submitted"}
ALL_ACTIONS = {"draft_action", "submitted_action", "other_action"}

# fmt: off
ENDPOINTS = [
    #          anon own  same othr mod  view ovw  qa   none
    Endpoint("api root", "get", lambda w: "/api/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403)),
    Endpoint("schema", "get", lambda w: "/api/schema/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403)),
    Endpoint("tools", "get", lambda w: "/api/tools/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403)),
    Endpoint("tool", "get", lambda w: f"/api/tools/{w.draft.tool_id}/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403)),
    Endpoint("service areas", "get", lambda w: "/api/service-areas/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403)),
    Endpoint("teams", "get", lambda w: "/api/teams/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403)),
    Endpoint("cases", "get", lambda w: "/api/cases/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403),
             kind="case", rows={
                 "owner": TEAM_CASES, "same_team": TEAM_CASES, "other_team": OTHER_CASES,
                 "moderator": ALL_CASES, "viewer": TEAM_CASES, "other_viewer": OTHER_CASES,
                 "qa_lead": ALL_CASES,
             }),
    Endpoint("case create", "post", lambda w: "/api/cases/",
             S(401, 403, 403, 403, 403, 403, 403, 201, 403),
             body=lambda w: {"reference": "LCS-NEW", "team": w.team.pk, "case_type": "cin"}),
    # Authority-wide plans: not a head of service's (issue 12, snag 25).
    Endpoint("programmes", "get", lambda w: "/api/programmes/",
             S(401, 200, 200, 200, 200, 403, 403, 200, 403)),
    Endpoint("programme", "get", lambda w: f"/api/programmes/{w.programme.pk}/",
             S(401, 200, 200, 200, 200, 403, 403, 200, 403)),
    Endpoint("programme create", "post", lambda w: "/api/programmes/",
             S(401, 403, 403, 403, 403, 403, 403, 201, 403),
             body=lambda w: {"month": "2027-01", "tool": "case-file", "audit_target": 40}),
    Endpoint("programme targets", "patch", lambda w: f"/api/programmes/{w.programme.pk}/",
             S(401, 403, 403, 403, 403, 403, 403, 200, 403),
             body=lambda w: {"audit_target": 12}),
    Endpoint("audits", "get", lambda w: "/api/audits/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403),
             kind="audit", rows={
                 "owner": {"draft", "submitted"}, "same_team": {"submitted"},
                 "other_team": {"other_draft", "other_submitted"},
                 "moderator": {"submitted", "other_submitted"}, "viewer": {"draft", "submitted"},
                 "other_viewer": {"other_draft", "other_submitted"}, "qa_lead": ALL_AUDITS,
             }),
    Endpoint("draft audit", "get", lambda w: f"/api/audits/{w.draft.pk}/",
             S(401, 200, 404, 404, 404, 200, 404, 200, 403)),
    Endpoint("submitted audit", "get", lambda w: f"/api/audits/{w.submitted.pk}/",
             S(401, 200, 200, 404, 200, 200, 404, 200, 403)),
    Endpoint("audit create", "post", lambda w: "/api/audits/",
             S(401, 201, 403, 403, 403, 403, 403, 201, 403),
             body=lambda w: {"case": w.fresh_case.reference, "auditor": "auditor",
                             "tool": "case-file"}),
    Endpoint("audit save draft", "patch", lambda w: f"/api/audits/{w.draft.pk}/",
             S(401, 200, 404, 404, 404, 403, 404, 403, 403),
             body=lambda w: {"version": 1, "overall": "RI"}),
    Endpoint("audit submit", "post", lambda w: f"/api/audits/{w.draft.pk}/submit/",
             S(401, 200, 404, 404, 404, 403, 404, 403, 403),
             body=complete_submission),
    Endpoint("audit re-audit", "post", lambda w: f"/api/audits/{w.submitted.pk}/reaudit/",
             S(401, 403, 201, 404, 403, 403, 404, 403, 403),
             body=lambda w: {}),
    Endpoint("actions", "get", lambda w: "/api/actions/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 403),
             kind="action", rows={
                 "owner": {"draft_action", "submitted_action"}, "same_team": {"submitted_action"},
                 "other_team": {"other_action"}, "moderator": {"submitted_action"},
                 "viewer": {"draft_action", "submitted_action"}, "other_viewer": {"other_action"},
                 "qa_lead": ALL_ACTIONS,
             }),
    Endpoint("action", "get", lambda w: f"/api/actions/{w.draft_action.pk}/",
             S(401, 200, 404, 404, 404, 200, 404, 200, 403)),
    Endpoint("action create", "post", lambda w: "/api/actions/",
             S(401, 201, 404, 404, 404, 403, 404, 201, 403),
             body=lambda w: {"audit": w.draft.pk, "description": "Update the plan",
                             "owner": "Team manager", "due_date": action_due()}),
    Endpoint("action status", "patch", lambda w: f"/api/actions/{w.draft_action.pk}/",
             S(401, 200, 404, 404, 404, 403, 404, 200, 403),
             body=lambda w: {"status": "done"}),
]
# fmt: on


@pytest.fixture
def world(
    team,
    other_team,
    auditor,
    same_team_auditor,
    other_team_auditor,
    moderator,
    viewer,
    other_viewer,
    qa_lead,
):
    submitted_fields = {"status": Audit.Status.SUBMITTED, "overall": "G"}
    # Submitted yesterday: a colleague may start a re-audit today (core.services.audits).
    submitted_fields["submitted_at"] = timezone.now() - dt.timedelta(days=1)
    w = SimpleNamespace(team=team, programme=ProgrammeFactory())
    w.draft = AuditFactory(auditor=auditor, case__team=team)
    w.submitted = AuditFactory(auditor=auditor, case__team=team, **submitted_fields)
    w.other_draft = AuditFactory(auditor=other_team_auditor, case__team=other_team)
    w.other_submitted = AuditFactory(
        auditor=other_team_auditor, case__team=other_team, **submitted_fields
    )
    w.fresh_case = CaseFactory(team=team)
    due = dt.date(2026, 11, 30)
    w.draft_action = Action.objects.create(audit=w.draft, description="a", owner="SW", due_date=due)
    w.submitted_action = Action.objects.create(
        audit=w.submitted, description="b", owner="SW", due_date=due
    )
    w.other_action = Action.objects.create(
        audit=w.other_draft, description="c", owner="SW", due_date=due
    )
    w.users = {
        "anonymous": None,
        "owner": auditor,
        "same_team": same_team_auditor,
        "other_team": other_team_auditor,
        "moderator": moderator,
        "viewer": viewer,
        "other_viewer": other_viewer,
        "qa_lead": qa_lead,
        "no_role": UserFactory(username="no_role", team=team, roles=[]),
    }
    w.names = {
        "audit": {
            getattr(w, name).pk: name
            for name in ("draft", "submitted", "other_draft", "other_submitted")
        },
        "case": {
            w.draft.case_id: "draft_case",
            w.submitted.case_id: "submitted_case",
            w.fresh_case.pk: "fresh_case",
            w.other_draft.case_id: "other_case",
            w.other_submitted.case_id: "other_submitted_case",
        },
        "action": {
            getattr(w, name).pk: name
            for name in ("draft_action", "submitted_action", "other_action")
        },
    }
    return w


def test_every_endpoint_table_is_complete():
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)
    for endpoint in ENDPOINTS:
        if endpoint.rows is not None:
            assert endpoint.kind, endpoint.name
            allowed = {role for role, code in endpoint.expected.items() if code == 200}
            assert set(endpoint.rows) == allowed - {"no_role"}, endpoint.name


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_access(endpoint, role, world, api_client):
    user = world.users[role]
    if user is not None:
        api_client.force_login(user)
    url = endpoint.url(world)
    if endpoint.method == "get":
        response = api_client.get(url)
    else:
        body = endpoint.body(world) if endpoint.body else {}
        response = getattr(api_client, endpoint.method)(url, body, format="json")

    assert response.status_code == endpoint.expected[role], (role, endpoint.name)
    if endpoint.rows is not None and role in endpoint.rows:
        names = world.names[endpoint.kind]
        seen = {
            names.get(row["id"], f"unexpected row {row['id']}")
            for row in response.json()["results"]
        }
        assert seen == endpoint.rows[role]
