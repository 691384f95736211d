"""Every moderation, escalation and sample endpoint × every role → the expected status, and
for lists exactly which rows each role sees.

One table: add a row to ENDPOINTS for each new endpoint. Each role logs in with a session, as
a browser would. The world is built through the services, so every object is in a state the
product itself could reach.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from flows.moderation import moderation_complete
from moderation.services.claims import moderation_claim
from tests.factories import (
    ProgrammeFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

ROLES = (
    "anonymous",
    "owner",  # the auditor who wrote every audit below except the other team's
    "same_team",  # another auditor in the owner's team
    "other_team",  # an auditor in the other service area, who wrote "other_completed"
    "line_manager",  # the owner's line manager (an auditor in no team)
    "moderator",  # a moderator who has claimed nothing here
    "claimant",  # the moderator who claimed or completed the claimed and completed ones
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


def full_content(w, moderation) -> dict:
    grades = {
        d.code: {"grade": "G", "rationale": "Agree."} for d in moderation.audit.tool.domains.all()
    }
    summary = "Good analysis."
    return {"version": moderation.version, "overall": "G", "summary": summary, "grades": grades}


ALL_MODERATIONS = {"waiting", "claimed", "blind_claimed", "completed", "other_completed"}
BOTH_ESCALATIONS = {"escalation", "other_escalation"}

# fmt: off
ENDPOINTS = [
    #          anon own  same othr lm   mod  clm  view ovw  qa   none
    Endpoint("moderations", "get", lambda w: "/api/moderations/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
             kind="moderation", rows={
                 "owner": {"completed"}, "same_team": set(), "other_team": {"other_completed"},
                 "line_manager": {"completed"}, "moderator": ALL_MODERATIONS,
                 "claimant": ALL_MODERATIONS, "viewer": {"completed"},
                 "other_viewer": {"other_completed"}, "qa_lead": ALL_MODERATIONS,
             }),
    Endpoint("waiting moderation", "get", lambda w: f"/api/moderations/{w.waiting.pk}/",
             S(401, 404, 404, 404, 404, 200, 200, 404, 404, 200, 403)),
    Endpoint("completed moderation", "get", lambda w: f"/api/moderations/{w.completed.pk}/",
             S(401, 200, 404, 404, 200, 200, 200, 200, 404, 200, 403)),
    Endpoint("add by hand", "post", lambda w: "/api/moderations/",
             S(401, 403, 403, 404, 403, 403, 403, 403, 404, 201, 403),
             body=lambda w: {"audit": w.fresh.pk, "reason": "Complaint received."}),
    Endpoint("remove", "post", lambda w: f"/api/moderations/{w.waiting.pk}/remove/",
             S(401, 404, 404, 404, 404, 403, 403, 404, 404, 200, 403),
             body=lambda w: {"reason": "Case closed."}),
    Endpoint("save draft", "patch", lambda w: f"/api/moderations/{w.claimed.pk}/",
             S(401, 404, 404, 404, 404, 403, 200, 404, 404, 403, 403),
             body=lambda w: {"version": w.claimed.version, "summary": "So far so good."}),
    Endpoint("claim", "post", lambda w: f"/api/moderations/{w.waiting.pk}/claim/",
             S(401, 404, 404, 404, 404, 200, 200, 404, 404, 403, 403)),
    Endpoint("release", "post", lambda w: f"/api/moderations/{w.claimed.pk}/release/",
             S(401, 404, 404, 404, 404, 403, 200, 404, 404, 200, 403)),
    Endpoint("reveal", "post", lambda w: f"/api/moderations/{w.blind_claimed.pk}/reveal/",
             S(401, 404, 404, 404, 404, 403, 200, 404, 404, 403, 403),
             body=lambda w: full_content(w, w.blind_claimed)),
    Endpoint("complete", "post", lambda w: f"/api/moderations/{w.claimed.pk}/complete/",
             S(401, 404, 404, 404, 404, 403, 200, 404, 404, 403, 403),
             body=lambda w: full_content(w, w.claimed)),
    Endpoint("return for rework", "post", lambda w: f"/api/moderations/{w.claimed.pk}/return/",
             S(401, 404, 404, 404, 404, 403, 200, 404, 404, 403, 403),
             body=lambda w: {"version": w.claimed.version, "comment": "No evidence of visits."}),
    Endpoint("acknowledge", "post", lambda w: f"/api/moderations/{w.completed.pk}/acknowledge/",
             S(401, 200, 404, 404, 403, 403, 403, 403, 404, 403, 403)),
    Endpoint("reassign", "post", lambda w: "/api/moderations/reassign/",
             S(401, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403),
             body=lambda w: {"ids": [w.waiting.pk], "to": None, "reason": "Off sick."}),
    Endpoint("programme sample", "get", lambda w: f"/api/programmes/{w.programme.pk}/sample/",
             S(401, 403, 403, 403, 403, 200, 200, 403, 403, 200, 403)),
    Endpoint("draw sample", "post", lambda w: f"/api/programmes/{w.programme.pk}/sample/",
             S(401, 403, 403, 403, 403, 403, 403, 403, 403, 201, 403),
             body=lambda w: {"target": 1, "seed": 7}),
    Endpoint("escalations", "get", lambda w: "/api/escalations/",
             S(401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403),
             kind="escalation", rows={
                 # Both escalations are the moderator's: read with the moderation, so a
                 # colleague in the same team, who may not read it, does not see it.
                 "owner": {"escalation"}, "same_team": set(),
                 "other_team": {"other_escalation"}, "line_manager": {"escalation"},
                 "moderator": BOTH_ESCALATIONS, "claimant": BOTH_ESCALATIONS,
                 "viewer": {"escalation"}, "other_viewer": {"other_escalation"},
                 "qa_lead": BOTH_ESCALATIONS,
             }),
    Endpoint("escalation", "get", lambda w: f"/api/escalations/{w.escalation.pk}/",
             S(401, 200, 404, 404, 200, 200, 200, 200, 404, 200, 403)),
    Endpoint("respond", "post", lambda w: f"/api/escalations/{w.escalation.pk}/respond/",
             S(401, 403, 404, 404, 403, 403, 403, 200, 404, 200, 403),
             body=lambda w: {"response": "Visit arranged for Monday."}),
]
# fmt: on


def _completed(audit, claimant, qa_lead):
    moderation = moderation_claim(actor=claimant, moderation=sampled_moderation(audit, qa_lead))
    content = moderation_content(
        audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Not seen."
    )
    return moderation_complete(
        actor=claimant, moderation=moderation, version=moderation.version, content=content
    )


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
    line_manager = UserFactory(username="line_manager", team=None, roles=["auditor"])
    auditor.line_manager = line_manager
    auditor.save()
    claimant = UserFactory(username="claimant", team=None, roles=["moderator"])
    w = SimpleNamespace(programme=ProgrammeFactory())
    blind = ProgrammeFactory(month=dt.date(2026, 9, 1), blind_moderation=True)

    def mine(**fields):
        return submitted_audit(auditor=auditor, case__team=team, **fields)

    w.waiting = sampled_moderation(mine(programme=w.programme), qa_lead)
    w.claimed = moderation_claim(actor=claimant, moderation=sampled_moderation(mine(), qa_lead))
    w.blind_claimed = moderation_claim(
        actor=claimant, moderation=sampled_moderation(mine(programme=blind), qa_lead)
    )
    assert w.blind_claimed.auditor_grades_hidden()
    w.completed = _completed(mine(grade="I", overall="I"), claimant, qa_lead)
    w.escalation = w.completed.escalations.get()
    other = submitted_audit(
        auditor=other_team_auditor, case__team=other_team, grade="I", overall="I"
    )
    w.other_completed = _completed(other, claimant, qa_lead)
    w.other_escalation = w.other_completed.escalations.get()
    w.fresh = mine()
    w.users = {
        "anonymous": None,
        "owner": auditor,
        "same_team": same_team_auditor,
        "other_team": other_team_auditor,
        "line_manager": line_manager,
        "moderator": moderator,
        "claimant": claimant,
        "viewer": viewer,
        "other_viewer": other_viewer,
        "qa_lead": qa_lead,
        "no_role": UserFactory(username="no_role", team=team, roles=[]),
    }
    w.names = {
        "moderation": {getattr(w, name).pk: name for name in ALL_MODERATIONS},
        "escalation": {getattr(w, name).pk: name for name in BOTH_ESCALATIONS},
    }
    return w


def test_every_endpoint_table_is_complete():
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS)
    for endpoint in ENDPOINTS:
        if endpoint.rows is not None:
            assert endpoint.kind, endpoint.name
            allowed = {role for role, code in endpoint.expected.items() if code == 200}
            assert set(endpoint.rows) == allowed - {"no_role"}, endpoint.name


def test_the_table_covers_every_moderation_route(world):
    from django.urls import resolve

    from config.api_urls import urlpatterns

    ours = {
        f"api/{p.pattern}"
        for p in urlpatterns
        if str(p.pattern).startswith(("moderations", "escalations", "programmes/<int:pk>/sample"))
        and "format" not in str(p.pattern)
    }
    tested = {resolve(endpoint.url(world)).route for endpoint in ENDPOINTS}
    assert tested == ours


def _request(endpoint: Endpoint, world, user):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    url = endpoint.url(world)
    if endpoint.method == "get":
        return client.get(url)
    body = endpoint.body(world) if endpoint.body else {}
    return getattr(client, endpoint.method)(url, body, format="json")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_access(endpoint, world):
    # The world takes a while to build through the services, so it is built once per endpoint
    # and each role's request runs in a savepoint that is rolled back: every role meets the
    # same world, as if it were the only one to call.
    statuses, rows = {}, {}
    for role in ROLES:
        with transaction.atomic():
            response = _request(endpoint, world, world.users[role])
            statuses[role] = response.status_code
            if endpoint.rows is not None and role in endpoint.rows and response.status_code == 200:
                names = world.names[endpoint.kind]
                rows[role] = {
                    names.get(row["id"], f"unexpected row {row['id']}")
                    for row in response.json()["results"]
                }
            transaction.set_rollback(True)
    assert statuses == endpoint.expected
    if endpoint.rows is not None:
        assert rows == endpoint.rows


def test_a_pending_blind_moderation_hides_the_auditors_escalation_from_moderators(
    auditor, team, moderator, qa_lead
):
    """An escalation means Inadequate: showing it would unblind the moderator."""
    import dataclasses

    from flows.audits import audit_submit
    from moderation.models import Escalation
    from moderation.permissions import escalations_visible_to
    from moderation.services.moderating import moderation_reveal
    from tests.factories import AuditFactory, complete_content

    programme = ProgrammeFactory(blind_moderation=True)
    audit = AuditFactory(auditor=auditor, case__team=team, programme=programme)
    content = dataclasses.replace(
        complete_content(audit.tool, grade="I", overall="I"),
        escalated=True,
        escalation_reason="No visits for 12 weeks.",
    )
    audit = audit_submit(audit=audit, actor=auditor, version=audit.version, content=content)
    escalation = Escalation.objects.get(audit=audit)
    moderation = sampled_moderation(audit, qa_lead)
    assert escalation not in escalations_visible_to(moderator)
    assert escalation in escalations_visible_to(qa_lead)
    moderation = moderation_claim(moderation=moderation, actor=moderator)
    assert escalation not in escalations_visible_to(moderator)
    moderation_reveal(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(audit.tool, grade="RI", overall="RI"),
    )
    assert escalation in escalations_visible_to(moderator)
