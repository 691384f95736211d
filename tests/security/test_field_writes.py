"""Fields a role may not write are refused: 0 accepted.

Each attempt is a real request (API or page) in a savepoint of its own. Before and after it we
read, from the database, exactly what the attempt must not change; an attempt is "accepted"
if any of it changed, whatever the status code said. Read-only and unknown fields that a
serializer or form silently drops are proven harmless the same way. Where the request itself
may succeed (a draft saved with forbidden fields beside it), the expected status is 200 or
302 and only the protected values are compared.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from audits.models import Action, Audit, Case, DomainGrade, Programme
from moderation.models import Escalation, ModeratedGrade, Moderation
from reporting.models import ReportSnapshot

from .world import Clients, World, cell, reload, world_fixture

pytestmark = pytest.mark.django_db

FIGURES: Counter = Counter()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    yield from world_fixture(django_db_blocker)


# ------------------------------------------------------------------ what must not change


def audit_state(audit: Audit) -> dict:
    """Everything about an audit a write could touch, its auditor's grades included."""
    stored = reload(audit)
    fields = ("status", "auditor_id", "case_id", "tool_id", "programme_id", "month", "kind")
    fields += ("source", "revision", "revision_of_id", "re_audit_of_id", "submitted_at")
    fields += ("overall", "escalated", "escalation_reason", "working_well", "version")
    grades = DomainGrade.objects.filter(audit=audit).values_list(
        "domain__code", "grade", "evidence"
    )
    return {
        **{name: getattr(stored, name) for name in fields},
        "grades": sorted(grades),
    }


def audit_protected(audit: Audit) -> dict:
    """What saving a draft must never change: who, what, which case, and whether submitted."""
    stored = reload(audit)
    fields = ("auditor_id", "case_id", "tool_id", "programme_id", "month", "kind", "source")
    fields += ("revision", "revision_of_id", "re_audit_of_id", "submitted_at", "created_at")
    return {
        **{name: getattr(stored, name) for name in fields},
        "submitted": stored.status in Audit.LOCKED_STATUSES,
    }


def moderation_state(moderation: Moderation) -> dict:
    stored = reload(moderation)
    fields = ("status", "moderator_id", "audit_id", "blind", "revealed_at", "overall")
    fields += ("blind_overall", "escalated", "summary", "completed_at", "acknowledged_at")
    fields += ("selection", "claimed_at", "version")
    grades = ModeratedGrade.objects.filter(moderation=moderation).values_list(
        "domain__code", "grade", "rationale", "blind_grade"
    )
    return {**{name: getattr(stored, name) for name in fields}, "grades": sorted(grades)}


def moderation_protected(moderation: Moderation) -> dict:
    """What saving a moderation draft must never change."""
    state = moderation_state(moderation)
    for name in ("summary", "grades", "version", "overall"):
        state.pop(name)
    return state


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Audit, Action, Case, Programme, Moderation, Escalation, ReportSnapshot)
    }


# ------------------------------------------------------------------ requests


def all_grades(world: World, grade: str, text_key: str = "evidence", **extra) -> dict:
    return {
        d.code: {"grade": grade, text_key: "Changed.", **extra} for d in world.tool.domains.all()
    }


def page_grades(world: World, grade: str) -> dict:
    data = {}
    for d in world.tool.domains.all():
        data[f"grade_{d.code}"] = grade
        data[f"evidence_{d.code}"] = "Changed."
    return data


@dataclass(frozen=True)
class Attempt:
    name: str
    role: str
    method: str  # get, post, patch
    url: Callable[[World], str]
    body: Callable[[World], dict]
    watch: Callable[[World], object]  # read before and after: must be equal
    status: int  # what the refusal (or the harmless save) answers
    page: bool = False  # form-encoded page POST rather than JSON API
    first: Callable[[World, object], None] | None = None  # a step before the watch starts
    headers: Callable[[World], dict] | None = None


def api(path: str) -> str:
    return f"/api/{path}"


def audit(w, name):
    return w.audits[name]


def moderation(w, name):
    return w.moderations[name]


def version(obj) -> int:
    return reload(obj).version


SNEAKY_AUDIT_FIELDS = {
    "status": "submitted",
    "submitted_at": "2026-10-01T10:00:00Z",
    "case": "LCS-999999",
    "tool": "case-file",
    "programme": 1,
    "month": "2020-01",
    "kind": "re_audit",
    "source": "import",
    "revision": 5,
    "re_audit_of": 1,
    "imported_moderation": {"overall": "O"},
    "created_at": "2020-01-01T00:00:00Z",
}

SNEAKY_AUDIT_FORM_FIELDS = {
    k: v for k, v in SNEAKY_AUDIT_FIELDS.items() if k != "imported_moderation"
}

SNEAKY_MODERATION_FIELDS = {
    "status": "completed",
    "moderator": "sec_other_moderator",
    "audit": 1,
    "blind": False,
    "revealed_at": "2026-10-01T10:00:00Z",
    "blind_overall": "O",
    "completed_at": "2026-10-01T10:00:00Z",
    "acknowledged_at": "2026-10-01T10:00:00Z",
    "selection": "hand",
    "auditor_grades_hidden": False,
}

# fmt: off
ATTEMPTS = [
    # ---- the auditor's own audit: only content, only while a draft, only at the version read
    Attempt("auditor saves a draft with status, owner, case, tool, month, source fields",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/"),
            lambda w: {"version": version(audit(w, "own/draft")), "overall": "RI",
                       "auditor": "sec_colleague", **SNEAKY_AUDIT_FIELDS},
            lambda w: audit_protected(audit(w, "own/draft")), 200),
    Attempt("auditor skips a version (saves over a newer one)",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/"),
            lambda w: {"version": version(audit(w, "own/draft")) + 1, "overall": "I"},
            lambda w: audit_state(audit(w, "own/draft")), 409),
    Attempt("auditor's If-Match names a version not read",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/"),
            lambda w: {"overall": "I"},
            lambda w: audit_state(audit(w, "own/draft")), 409,
            headers=lambda w: {"If-Match": f'"{version(audit(w, "own/draft")) + 3}"'}),
    Attempt("auditor escalates a Good judgement",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/"),
            lambda w: {"version": version(audit(w, "own/draft")), "overall": "G",
                       "escalated": True, "escalation_reason": "Worried."},
            lambda w: audit_state(audit(w, "own/draft")), 400),
    Attempt("auditor changes the grades of their submitted audit",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'own/submitted').pk}/"),
            lambda w: {"version": version(audit(w, "own/submitted")), "overall": "I",
                       "grades": all_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/submitted")), 409),
    Attempt("auditor submits their submitted audit again with new grades",
            "auditor", "post", lambda w: api(f"audits/{audit(w, 'own/submitted').pk}/submit/"),
            lambda w: {"version": version(audit(w, "own/submitted")), "overall": "I",
                       "grades": all_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/submitted")), 409),
    Attempt("auditor changes the grades of their audit under moderation",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(audit(w, "own/claimed")), "grades": all_grades(w, "O")},
            lambda w: audit_state(audit(w, "own/claimed")), 409),
    Attempt("auditor writes a colleague's submitted audit",
            "auditor", "patch", lambda w: api(f"audits/{audit(w, 'same_team/submitted').pk}/"),
            lambda w: {"version": version(audit(w, "same_team/submitted")), "overall": "I"},
            lambda w: audit_state(audit(w, "same_team/submitted")), 403),
    Attempt("auditor starts an audit in a colleague's name",
            "auditor", "post", lambda w: api("audits/"),
            lambda w: {"case": w.fresh_cases["same_team"].reference, "auditor": "sec_colleague",
                       "tool": "case-file"},
            lambda w: counts(), 403),
    # ---- anyone else writing an auditor's grades
    Attempt("QA lead changes a submitted audit's grades",
            "qa_lead", "patch", lambda w: api(f"audits/{audit(w, 'own/submitted').pk}/"),
            lambda w: {"version": version(audit(w, "own/submitted")), "grades": all_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/submitted")), 403),
    Attempt("QA lead writes an auditor's draft",
            "qa_lead", "patch", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/"),
            lambda w: {"version": version(audit(w, "own/draft")), "grades": all_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/draft")), 403),
    Attempt("moderator changes the auditor's grades of the audit they moderate",
            "moderator", "patch", lambda w: api(f"audits/{audit(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(audit(w, "own/claimed")), "grades": all_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/claimed")), 403),
    Attempt("moderator submits the audit they moderate",
            "moderator", "post", lambda w: api(f"audits/{audit(w, 'own/claimed').pk}/submit/"),
            lambda w: {"version": version(audit(w, "own/claimed")), "grades": all_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/claimed")), 403),
    Attempt("moderator's grade rows carry the auditor's grade and evidence",
            "moderator", "patch", lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/claimed")),
                       "grades": all_grades(w, "I", "rationale", auditor_grade="I",
                                            evidence="Changed by the moderator.",
                                            auditor_evidence="Changed by the moderator."),
                       "audit": {"overall": "I"}, "auditor_overall": "I"},
            lambda w: audit_state(audit(w, "own/claimed")), 200),
    # ---- the moderation's own fields
    Attempt("claimant saves with status, moderator, blind, reveal and completion fields",
            "moderator", "patch", lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/claimed")), "summary": "Draft.",
                       **SNEAKY_MODERATION_FIELDS},
            lambda w: moderation_protected(moderation(w, "own/claimed")), 200),
    Attempt("claimant unblinds a blind moderation by writing its fields",
            "moderator", "patch", lambda w: api(f"moderations/{moderation(w, 'own/blind').pk}/"),
            lambda w: {"version": version(moderation(w, "own/blind")), "summary": "Draft.",
                       **SNEAKY_MODERATION_FIELDS},
            lambda w: moderation_protected(moderation(w, "own/blind")), 200),
    Attempt("claimant skips a version of the moderation",
            "moderator", "patch", lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/claimed")) + 1, "overall": "I",
                       "grades": all_grades(w, "I", "rationale")},
            lambda w: moderation_state(moderation(w, "own/claimed")), 409),
    Attempt("claimant changes a completed moderation's grades",
            "moderator", "patch",
            lambda w: api(f"moderations/{moderation(w, 'own/completed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/completed")), "overall": "G",
                       "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/completed")), 409),
    Attempt("claimant completes a completed moderation again with new grades",
            "moderator", "post",
            lambda w: api(f"moderations/{moderation(w, 'own/completed').pk}/complete/"),
            lambda w: {"version": version(moderation(w, "own/completed")), "overall": "G",
                       "summary": "Changed.", "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/completed")), 409),
    Attempt("auditor writes the moderated grades of their completed moderation",
            "auditor", "patch",
            lambda w: api(f"moderations/{moderation(w, 'own/completed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/completed")), "overall": "G",
                       "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/completed")), 403),
    Attempt("auditor writes the moderated grades of their audit under moderation",
            "auditor", "patch", lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/claimed")), "overall": "G",
                       "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/claimed")), 404),
    Attempt("auditor completes the moderation of their own audit",
            "auditor", "post",
            lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/complete/"),
            lambda w: {"version": version(moderation(w, "own/claimed")), "overall": "G",
                       "summary": "Mine.", "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/claimed")), 404),
    Attempt("another moderator writes a claimed moderation",
            "other_moderator", "patch",
            lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/claimed")), "overall": "G",
                       "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/claimed")), 403),
    Attempt("QA lead writes a claimed moderation's grades",
            "qa_lead", "patch", lambda w: api(f"moderations/{moderation(w, 'own/claimed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/claimed")), "overall": "G",
                       "grades": all_grades(w, "G", "rationale")},
            lambda w: moderation_state(moderation(w, "own/claimed")), 403),
    # ---- actions, programmes, escalations: only their writable fields
    Attempt("auditor closes an action and rewrites its text, owner, audit and due date",
            "auditor", "patch", lambda w: api(f"actions/{w.actions['own/draft'].pk}/"),
            lambda w: {"status": "done", "description": "Changed.", "owner": "The child",
                       "audit": w.audits["other_area/draft"].pk, "due_date": "2020-01-01"},
            lambda w: Action.objects.filter(pk=w.actions["own/draft"].pk).values(
                "description", "owner", "audit_id", "due_date", "created_at").get(), 200),
    Attempt("QA lead edits a programme's month and tool",
            "qa_lead", "patch", lambda w: api(f"programmes/{w.programme.pk}/"),
            lambda w: {"audit_target": 11, "month": "2020-01", "tool": "other-tool",
                       "blind_moderation": True},
            lambda w: Programme.objects.filter(pk=w.programme.pk).values(
                "month", "tool_id", "blind_moderation").get(), 200),
    Attempt("head of service answers an escalation a second time",
            "viewer", "post", lambda w: api(f"escalations/{w.escalations['own'].pk}/respond/"),
            lambda w: {"response": "A different answer.", "status": "open"},
            lambda w: Escalation.objects.filter(pk=w.escalations["own"].pk).values(
                "status", "response", "responded_by_id", "responded_at").get(), 409,
            first=lambda w, client: client.post(
                api(f"escalations/{w.escalations['own'].pk}/respond/"),
                {"response": "Visit arranged."}, format="json")),
    Attempt("QA lead reopens an escalation with its status field",
            "qa_lead", "post", lambda w: api(f"escalations/{w.escalations['own'].pk}/respond/"),
            lambda w: {"response": "Closed.", "status": "open", "due_date": "2030-01-01",
                       "audit": w.audits["other_area/completed"].pk},
            lambda w: Escalation.objects.filter(pk=w.escalations["own"].pk).values(
                "due_date", "audit_id", "raised_by_id", "reason").get(), 200),
    # ---- a head of service writes nothing but their management response
    Attempt("head of service saves an audit in their area",
            "viewer", "patch", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/"),
            lambda w: {"version": version(audit(w, "own/draft")), "overall": "I"},
            lambda w: audit_state(audit(w, "own/draft")), 403),
    Attempt("head of service submits an audit in their area",
            "viewer", "post", lambda w: api(f"audits/{audit(w, 'own/draft').pk}/submit/"),
            lambda w: {"version": version(audit(w, "own/draft")), "overall": "G",
                       "grades": all_grades(w, "G")},
            lambda w: audit_state(audit(w, "own/draft")), 403),
    Attempt("head of service adds an action",
            "viewer", "post", lambda w: api("actions/"),
            lambda w: {"audit": audit(w, "own/submitted").pk, "description": "Do it.",
                       "owner": "Team manager", "due_date": "2026-12-20"},
            lambda w: counts(), 403),
    Attempt("head of service closes an action",
            "viewer", "patch", lambda w: api(f"actions/{w.actions['own/submitted'].pk}/"),
            lambda w: {"status": "done"},
            lambda w: Action.objects.filter(pk=w.actions["own/submitted"].pk).values().get(), 403),
    Attempt("head of service writes a completed moderation",
            "viewer", "patch", lambda w: api(f"moderations/{moderation(w, 'own/completed').pk}/"),
            lambda w: {"version": version(moderation(w, "own/completed")), "overall": "G"},
            lambda w: moderation_state(moderation(w, "own/completed")), 403),
    Attempt("head of service acknowledges the auditor's feedback",
            "viewer", "post",
            lambda w: api(f"moderations/{moderation(w, 'own/completed').pk}/acknowledge/"),
            lambda w: {},
            lambda w: moderation_state(moderation(w, "own/completed")), 403),
    Attempt("head of service adds an audit to the sample",
            "viewer", "post", lambda w: api("moderations/"),
            lambda w: {"audit": audit(w, "own/submitted").pk, "reason": "Worried."},
            lambda w: counts(), 403),
    Attempt("head of service draws the sample",
            "viewer", "post", lambda w: api(f"programmes/{w.programme.pk}/sample/"),
            lambda w: {"target": 2, "seed": 3},
            lambda w: counts(), 403),
    Attempt("head of service changes a programme",
            "viewer", "patch", lambda w: api(f"programmes/{w.programme.pk}/"),
            lambda w: {"audit_target": 1},
            lambda w: Programme.objects.filter(pk=w.programme.pk).values().get(), 403),
    Attempt("head of service records a case",
            "viewer", "post", lambda w: api("cases/"),
            lambda w: {"reference": "LCS-VIEWER", "team": w.teams["own"].pk, "case_type": "cin"},
            lambda w: counts(), 403),
    Attempt("head of service publishes the monthly report",
            "viewer", "post", lambda w: api("reports/snapshots/"),
            lambda w: {"month": "2026-10"},
            lambda w: counts(), 403),
    # ---- the same through the pages
    Attempt("auditor posts new grades for their submitted audit (page)",
            "auditor", "post", lambda w: reverse("audit_edit", args=[audit(w, "own/submitted").pk]),
            lambda w: {"version": version(audit(w, "own/submitted")), "overall": "I",
                       "intent": "submit", **page_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/submitted")), 302, page=True),
    Attempt("auditor posts a draft with status, owner and submission fields (page)",
            "auditor", "post", lambda w: reverse("audit_edit", args=[audit(w, "own/draft").pk]),
            lambda w: {"version": version(audit(w, "own/draft")), "overall": "RI",
                       "intent": "save", "auditor": w.writers["same_team"].pk,
                       **SNEAKY_AUDIT_FORM_FIELDS},
            lambda w: audit_protected(audit(w, "own/draft")), 302, page=True),
    Attempt("moderator posts the auditor's grades of the audit they moderate (page)",
            "moderator", "post", lambda w: reverse("audit_edit", args=[audit(w, "own/claimed").pk]),
            lambda w: {"version": version(audit(w, "own/claimed")), "overall": "I",
                       "intent": "save", **page_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/claimed")), 403, page=True),
    Attempt("QA lead posts a submitted audit's grades (page)",
            "qa_lead", "post", lambda w: reverse("audit_edit", args=[audit(w, "own/submitted").pk]),
            lambda w: {"version": version(audit(w, "own/submitted")), "overall": "I",
                       "intent": "save", **page_grades(w, "I")},
            lambda w: audit_state(audit(w, "own/submitted")), 403, page=True),
    Attempt("head of service posts an audit in their area (page)",
            "viewer", "post", lambda w: reverse("audit_edit", args=[audit(w, "own/draft").pk]),
            lambda w: {"version": version(audit(w, "own/draft")), "overall": "I",
                       "intent": "submit", **page_grades(w, "G")},
            lambda w: audit_state(audit(w, "own/draft")), 403, page=True),
    Attempt("auditor posts moderated grades for their completed moderation (page)",
            "auditor", "post",
            lambda w: reverse("moderation:detail", args=[moderation(w, "own/completed").pk]),
            lambda w: {"version": version(moderation(w, "own/completed")), "overall": "G",
                       "intent": "complete", "summary": "Mine."},
            lambda w: moderation_state(moderation(w, "own/completed")), 403, page=True),
    Attempt("claimant posts a completed moderation's grades (page)",
            "moderator", "post",
            lambda w: reverse("moderation:detail", args=[moderation(w, "own/completed").pk]),
            lambda w: {"version": version(moderation(w, "own/completed")), "overall": "G",
                       "intent": "save", "summary": "Changed."},
            lambda w: moderation_state(moderation(w, "own/completed")), 403, page=True),
    Attempt("claimant posts status, moderator and reveal fields with a draft (page)",
            "moderator", "post",
            lambda w: reverse("moderation:detail", args=[moderation(w, "own/blind").pk]),
            lambda w: {"version": version(moderation(w, "own/blind")), "intent": "save",
                       "summary": "Draft.", **SNEAKY_MODERATION_FIELDS},
            lambda w: moderation_protected(moderation(w, "own/blind")), 302, page=True),
    Attempt("head of service closes an action (page)",
            "viewer", "post", lambda w: reverse("action_status", args=[w.actions["own/draft"].pk]),
            lambda w: {"status": "done"},
            lambda w: Action.objects.filter(pk=w.actions["own/draft"].pk).values().get(), 403,
            page=True),
    Attempt("head of service edits a programme (page)",
            "viewer", "post", lambda w: reverse("programme_edit", args=[w.programme.pk]),
            lambda w: {"theme": "Changed", "audit_target": 1, "moderation_target": 1,
                       "due_date": "01/01/2027"},
            lambda w: Programme.objects.filter(pk=w.programme.pk).values().get(), 403, page=True),
]
# fmt: on


def test_attempt_names_are_unique():
    assert len({a.name for a in ATTEMPTS}) == len(ATTEMPTS)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=lambda a: a.name)
def test_refused(attempt, world):
    client = Clients(world)[attempt.role]
    with cell():
        if attempt.first is not None:
            assert attempt.first(world, client).status_code == 200
        before = attempt.watch(world)
        url, body = attempt.url(world), attempt.body(world)
        headers = attempt.headers(world) if attempt.headers else {}
        if attempt.page:
            response = client.post(url, body, headers=headers)
        else:
            response = getattr(client, attempt.method)(url, body, format="json", headers=headers)
        after = attempt.watch(world)
    FIGURES["attempts"] += 1
    FIGURES["accepted"] += before != after
    assert after == before, f"{attempt.name}: the database changed"
    assert response.status_code == attempt.status, response.content[:500]


def test_blind_moderation_stays_blind_after_writing_its_fields(world):
    """The API's answer, not only the database: the auditor's grades stay hidden."""
    client = Clients(world)["moderator"]
    blind = world.moderations["own/blind"]
    with cell():
        response = client.patch(
            api(f"moderations/{blind.pk}/"),
            {"version": version(blind), **SNEAKY_MODERATION_FIELDS},
            format="json",
        )
        assert response.status_code == 200
        data = response.json()
    assert data["auditor_grades_hidden"] is True
    assert data["blind"] is True
    assert data["revealed_at"] is None
    assert {row["auditor_grade"] for row in data["grades"]} == {None}


def test_figures():
    """Figures for the record (pytest -rP shows them)."""
    print(
        f"Field writes: attempts {FIGURES['attempts']} of {len(ATTEMPTS)}, accepted "
        f"{FIGURES['accepted']}"
    )
    assert FIGURES["accepted"] == 0
