"""The small authority every security matrix runs against, built once per test module.

Objects are named by their relation to the acting auditor (policy.py explains the names):
"own" is written by the auditor, "same_team" by a colleague in the auditor's team,
"other_team" by an auditor of another team in the same service area and "other_area" by an
auditor in the other service area. For every relation there is an audit in each state a
permission can depend on, with a moderation, an escalation and actions where that state has
them. Everything is made through the services, so every object is one the product can reach.

The world is built inside a transaction that is rolled back when the module ends, and each
request a test makes runs in a savepoint of its own (see `cell`), so no write in one cell can
be seen by another cell or by any other test module.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Action, Audit, AuditTool, Case, Programme, ServiceArea, Team, User
from core.services.actions import action_create
from flows import moderation as moderation_flows
from moderation.models import Escalation, Moderation
from moderation.services.claims import moderation_claim
from reporting import services as report_services
from reporting.models import ReportSnapshot
from tests.factories import (
    AuditFactory,
    CaseFactory,
    ProgrammeFactory,
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)
from tests.security.policy import AUDIT_STATES, MODERATION_STATES, RELATIONS, ROLES

PASSWORD = "correct-horse-battery"  # tests/factories.py UserFactory's password
MONTH = dt.date(2026, 10, 1)


@dataclass
class World:
    areas: dict[str, ServiceArea]
    teams: dict[str, Team]  # by relation: own and same_team share the auditor's team
    users: dict[str, User | None]  # by role (ROLES); "anonymous" is None
    writers: dict[str, User]  # by relation: who wrote that relation's audits
    programme: Programme
    blind_programme: Programme
    tool: AuditTool
    snapshot: ReportSnapshot
    audits: dict[str, Audit] = field(default_factory=dict)  # "own/draft", ...
    moderations: dict[str, Moderation] = field(default_factory=dict)  # "own/claimed", ...
    escalations: dict[str, Escalation] = field(default_factory=dict)  # "own", ...
    actions: dict[str, Action] = field(default_factory=dict)  # "own/draft", "own/submitted"
    fresh_cases: dict[str, Case] = field(default_factory=dict)  # never audited, by team
    cases: dict[str, Case] = field(default_factory=dict)  # every case by object name

    def names(self, kind: str) -> dict[int, str]:
        """pk -> object name for the rows of a list."""
        return {obj.pk: name for name, obj in getattr(self, kind).items()}


def _complete(audit: Audit, moderator: User, qa_lead: User) -> Moderation:
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    content = moderation_content(
        audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Not seen."
    )
    return moderation_flows.moderation_complete(
        actor=moderator, moderation=moderation, version=moderation.version, content=content
    )


def _claimed(audit: Audit, moderator: User, qa_lead: User) -> Moderation:
    return moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))


def build_world() -> World:
    area = ServiceAreaFactory(name="Security: children in need")
    other_area = ServiceAreaFactory(name="Security: children in care")
    team = TeamFactory(service_area=area, name="Security CIN 1")
    team_two = TeamFactory(service_area=area, name="Security CIN 2")
    far_team = TeamFactory(service_area=other_area, name="Security CiC 1")
    teams = {"own": team, "same_team": team, "other_team": team_two, "other_area": far_team}

    def user(username, team=None, roles=(), areas=()):
        made = UserFactory(username=f"sec_{username}", team=team, roles=list(roles))
        for scope in areas:
            made.service_areas.add(scope)
        return made

    qa_lead = user("qa_lead", roles=["qa_lead"])
    moderator = user("moderator", roles=["moderator"])
    users = {
        "anonymous": None,
        "auditor": user("auditor", team, ["auditor"]),
        "moderator": moderator,
        "other_moderator": user("other_moderator", roles=["moderator"]),
        "viewer": user("viewer", roles=["viewer"], areas=[area]),
        "other_viewer": user("other_viewer", roles=["viewer"], areas=[other_area]),
        "qa_lead": qa_lead,
        "no_role": user("no_role", team),
    }
    assert tuple(users) == ROLES
    writers = {
        "own": users["auditor"],
        "same_team": user("colleague", team, ["auditor"]),
        "other_team": user("team_two_auditor", team_two, ["auditor"]),
        "other_area": user("far_auditor", far_team, ["auditor"]),
    }
    programme = ProgrammeFactory(month=MONTH, moderation_target=2)
    blind_programme = ProgrammeFactory(month=dt.date(2026, 9, 1), blind_moderation=True)
    w = World(
        areas={"area": area, "other_area": other_area},
        teams=teams,
        users=users,
        writers=writers,
        programme=programme,
        blind_programme=blind_programme,
        tool=programme.tool,
        snapshot=None,  # published below, once there are audits to report
    )
    due = dt.date(2026, 12, 1)
    for relation in RELATIONS:
        writer, case_team = writers[relation], teams[relation]
        audits = {
            "draft": AuditFactory(auditor=writer, case__team=case_team),
            "submitted": submitted_audit(auditor=writer, case__team=case_team, programme=programme),
            "waiting": submitted_audit(auditor=writer, case__team=case_team, programme=programme),
            "claimed": submitted_audit(auditor=writer, case__team=case_team),
            "blind": submitted_audit(
                auditor=writer,
                case__team=case_team,
                programme=blind_programme,
                month=blind_programme.month,
            ),
            "completed": submitted_audit(
                auditor=writer, case__team=case_team, grade="I", overall="I"
            ),
        }
        assert tuple(audits) == AUDIT_STATES
        # Submitted yesterday: a re-audit starts on a later day (core.services.audits).
        Audit.objects.filter(pk=audits["submitted"].pk).update(
            submitted_at=timezone.now() - dt.timedelta(days=1)
        )
        audits["submitted"].refresh_from_db()
        moderations = {
            "waiting": sampled_moderation(audits["waiting"], qa_lead),
            "claimed": _claimed(audits["claimed"], moderator, qa_lead),
            "blind": _claimed(audits["blind"], moderator, qa_lead),
            "completed": _complete(audits["completed"], moderator, qa_lead),
        }
        assert tuple(moderations) == MODERATION_STATES
        assert moderations["blind"].auditor_grades_hidden()
        for state, audit in audits.items():
            w.audits[f"{relation}/{state}"] = audit
            w.cases[f"{relation}/{state}"] = audit.case
        for state, moderation in moderations.items():
            w.moderations[f"{relation}/{state}"] = moderation
        w.escalations[relation] = moderations["completed"].escalations.get()
        for state in ("draft", "submitted"):
            w.actions[f"{relation}/{state}"] = action_create(
                audit=audits[state],
                actor=writer,
                description=f"Update the plan ({relation} {state}).",
                owner="Social worker",
                due_date=due,
            )
    for relation in ("same_team", "other_team", "other_area"):
        case = CaseFactory(team=teams[relation])
        w.fresh_cases[relation] = case
        w.cases[f"{relation}/fresh"] = case
    snapshot = report_services.snapshot_request(month=MONTH, actor=qa_lead)
    assert report_services.snapshot_publish(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    w.snapshot = snapshot
    return w


class Clients:
    """One signed-in client per role for a test, made on first use. Sessions are created
    before any cell's savepoint, so rolling a cell back never signs anyone out."""

    def __init__(self, world: World):
        self.world = world
        self._clients: dict[str, APIClient] = {}

    def __getitem__(self, role: str) -> APIClient:
        if role not in self._clients:
            client = APIClient()
            user = self.world.users[role]
            if user is not None:
                client.force_login(user)
            self._clients[role] = client
        return self._clients[role]


@contextlib.contextmanager
def cell():
    """One request of the matrix, in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def reload(obj):
    """The object as stored now (inside a cell, after earlier requests of the same cell)."""
    return type(obj).objects.get(pk=obj.pk)
