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

from core.models import Action, Audit, Case, DomainGrade, Programme
from moderation.models import Escalation, ModeratedGrade, Moderation
from reporting.models import ReportSnapshot
from tests.factories import action_due
from tests.security.world import Clients, World, cell, reload

pytestmark = pytest.mark.django_db

FIGURES: Counter = Counter()


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


def version(obj) -> int:
    return reload(obj).version


def on(
    kind: str,
    obj: str,
    name,
    role,
    method,
    body,
    watch,
    status,
    *,
    path="",
    page_url=None,
    **options,
) -> Attempt:
    """An attempt on one object of the world (`kind` "audits" or "moderations", `obj` its
    name) at /api/<kind>/<pk>/<path>, or at the page `page_url` names: `body(w, target)` is
    sent and `watch(target)` read before and after."""

    def target(w):
        return getattr(w, kind)[obj]

    def url(w):
        if page_url:
            return reverse(page_url, args=[target(w).pk])
        return api(f"{kind}/{target(w).pk}/{path}")

    return Attempt(
        name,
        role,
        method,
        url,
        lambda w: body(w, target(w)),
        lambda w: watch(target(w)),
        status,
        page=page_url is not None,
        **options,
    )


def moderated_grades(grade: str, **extra):
    """The body of a moderator's write: every domain's grade, at the version read."""
    return lambda w, m: {
        "version": version(m),
        "overall": grade,
        **extra,
        "grades": all_grades(w, grade, "rationale"),
    }


def on_audit(obj: str, *args, **kwargs) -> Attempt:
    return on("audits", obj, *args, **kwargs)


def on_moderation(obj: str, *args, **kwargs) -> Attempt:
    return on("moderations", obj, *args, **kwargs)


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
    on_audit("own/draft", "auditor saves a draft with status, owner, case, tool, month, source "
             "fields", "auditor", "patch",
             lambda w, a: {"version": version(a), "overall": "RI", "auditor": "sec_colleague",
                           **SNEAKY_AUDIT_FIELDS},
             audit_protected, 200),
    on_audit("own/draft", "auditor skips a version (saves over a newer one)", "auditor", "patch",
             lambda w, a: {"version": version(a) + 1, "overall": "I"}, audit_state, 409),
    on_audit("own/draft", "auditor's If-Match names a version not read", "auditor", "patch",
             lambda w, a: {"overall": "I"}, audit_state, 409,
             headers=lambda w: {"If-Match": f'"{version(w.audits["own/draft"]) + 3}"'}),
    on_audit("own/draft", "auditor escalates a Good judgement", "auditor", "patch",
             lambda w, a: {"version": version(a), "overall": "G", "escalated": True,
                           "escalation_reason": "Worried."},
             audit_state, 400),
    on_audit("own/submitted", "auditor changes the grades of their submitted audit",
             "auditor", "patch",
             lambda w, a: {"version": version(a), "overall": "I", "grades": all_grades(w, "I")},
             audit_state, 409),
    on_audit("own/submitted", "auditor submits their submitted audit again with new grades",
             "auditor", "post",
             lambda w, a: {"version": version(a), "overall": "I", "grades": all_grades(w, "I")},
             audit_state, 409, path="submit/"),
    on_audit("own/claimed", "auditor changes the grades of their audit under moderation",
             "auditor", "patch",
             lambda w, a: {"version": version(a), "grades": all_grades(w, "O")}, audit_state, 409),
    on_audit("same_team/submitted", "auditor writes a colleague's submitted audit",
             "auditor", "patch", lambda w, a: {"version": version(a), "overall": "I"},
             audit_state, 403),
    Attempt("auditor starts an audit in a colleague's name",
            "auditor", "post", lambda w: api("audits/"),
            lambda w: {"case": w.fresh_cases["same_team"].reference, "auditor": "sec_colleague",
                       "tool": "case-file"},
            lambda w: counts(), 403),
    # ---- anyone else writing an auditor's grades
    on_audit("own/submitted", "QA lead changes a submitted audit's grades", "qa_lead", "patch",
             lambda w, a: {"version": version(a), "grades": all_grades(w, "I")}, audit_state, 403),
    on_audit("own/draft", "QA lead writes an auditor's draft", "qa_lead", "patch",
             lambda w, a: {"version": version(a), "grades": all_grades(w, "I")}, audit_state, 403),
    on_audit("own/claimed", "moderator changes the auditor's grades of the audit they moderate",
             "moderator", "patch",
             lambda w, a: {"version": version(a), "grades": all_grades(w, "I")}, audit_state, 403),
    on_audit("own/claimed", "moderator submits the audit they moderate", "moderator", "post",
             lambda w, a: {"version": version(a), "grades": all_grades(w, "I")}, audit_state, 403,
             path="submit/"),
    Attempt("moderator's grade rows carry the auditor's grade and evidence",
            "moderator", "patch", lambda w: api(f"moderations/{w.moderations['own/claimed'].pk}/"),
            lambda w: {"version": version(w.moderations["own/claimed"]),
                       "grades": all_grades(w, "I", "rationale", auditor_grade="I",
                                            evidence="Changed by the moderator.",
                                            auditor_evidence="Changed by the moderator."),
                       "audit": {"overall": "I"}, "auditor_overall": "I"},
            lambda w: audit_state(w.audits["own/claimed"]), 200),
    # ---- the moderation's own fields
    on_moderation("own/claimed", "claimant saves with status, moderator, blind, reveal and "
                  "completion fields", "moderator", "patch",
                  lambda w, m: {"version": version(m), "summary": "Draft.",
                                **SNEAKY_MODERATION_FIELDS},
                  moderation_protected, 200),
    on_moderation("own/blind", "claimant unblinds a blind moderation by writing its fields",
                  "moderator", "patch",
                  lambda w, m: {"version": version(m), "summary": "Draft.",
                                **SNEAKY_MODERATION_FIELDS},
                  moderation_protected, 200),
    on_moderation("own/claimed", "claimant skips a version of the moderation", "moderator",
                  "patch",
                  lambda w, m: {"version": version(m) + 1, "overall": "I",
                                "grades": all_grades(w, "I", "rationale")},
                  moderation_state, 409),
    on_moderation("own/completed", "claimant changes a completed moderation's grades",
                  "moderator", "patch", moderated_grades("G"), moderation_state, 409),
    on_moderation("own/completed", "claimant completes a completed moderation again with new "
                  "grades", "moderator", "post", moderated_grades("G", summary="Changed."),
                  moderation_state, 409, path="complete/"),
    on_moderation("own/completed", "auditor writes the moderated grades of their completed "
                  "moderation", "auditor", "patch", moderated_grades("G"), moderation_state, 403),
    on_moderation("own/claimed", "auditor writes the moderated grades of their audit under "
                  "moderation", "auditor", "patch", moderated_grades("G"), moderation_state, 404),
    on_moderation("own/claimed", "auditor completes the moderation of their own audit",
                  "auditor", "post", moderated_grades("G", summary="Mine."), moderation_state,
                  404, path="complete/"),
    on_moderation("own/claimed", "another moderator writes a claimed moderation",
                  "other_moderator", "patch", moderated_grades("G"), moderation_state, 403),
    on_moderation("own/claimed", "QA lead writes a claimed moderation's grades", "qa_lead",
                  "patch", moderated_grades("G"), moderation_state, 403),
    # ---- actions, programmes, escalations: only their writable fields
    Attempt("auditor closes an action and rewrites its text, owner, audit and due date",
            "auditor", "patch", lambda w: api(f"actions/{w.actions['own/draft'].pk}/"),
            lambda w: {"status": "done", "description": "Changed.", "owner": "The child",
                       "audit": w.audits["other_area/draft"].pk, "due_date": "2020-01-01"},
            lambda w: Action.objects.filter(pk=w.actions["own/draft"].pk).values(
                "description", "owner", "audit_id", "due_date", "created_at").get(), 200),
    Attempt("QA lead edits a programme's month and tool",
            "qa_lead", "patch", lambda w: api(f"programmes/{w.programme.pk}/"),
            lambda w: {"audit_target": 11, "month": "2020-01", "tool": "other-tool"},
            lambda w: Programme.objects.filter(pk=w.programme.pk).values(
                "month", "tool_id").get(), 200),
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
    on_audit("own/draft", "head of service saves an audit in their area", "viewer", "patch",
             lambda w, a: {"version": version(a), "overall": "I"}, audit_state, 403),
    on_audit("own/draft", "head of service submits an audit in their area", "viewer", "post",
             lambda w, a: {"version": version(a), "overall": "G", "grades": all_grades(w, "G")},
             audit_state, 403, path="submit/"),
    Attempt("head of service adds an action",
            "viewer", "post", lambda w: api("actions/"),
            lambda w: {"audit": w.audits["own/submitted"].pk, "description": "Do it.",
                       "owner": "Team manager", "due_date": action_due()},
            lambda w: counts(), 403),
    Attempt("head of service closes an action",
            "viewer", "patch", lambda w: api(f"actions/{w.actions['own/submitted'].pk}/"),
            lambda w: {"status": "done"},
            lambda w: Action.objects.filter(pk=w.actions["own/submitted"].pk).values().get(), 403),
    on_moderation("own/completed", "head of service writes a completed moderation", "viewer",
                  "patch", lambda w, m: {"version": version(m), "overall": "G"},
                  moderation_state, 403),
    on_moderation("own/completed", "head of service acknowledges the auditor's feedback",
                  "viewer", "post", lambda w, m: {}, moderation_state, 403, path="acknowledge/"),
    Attempt("head of service adds an audit to the sample",
            "viewer", "post", lambda w: api("moderations/"),
            lambda w: {"audit": w.audits["own/submitted"].pk, "reason": "Worried."},
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
    on_audit("own/submitted", "auditor posts new grades for their submitted audit (page)",
             "auditor", "post",
             lambda w, a: {"version": version(a), "overall": "I", "intent": "submit",
                           **page_grades(w, "I")},
             audit_state, 302, page_url="audit_edit"),
    on_audit("own/draft", "auditor posts a draft with status, owner and submission fields (page)",
             "auditor", "post",
             lambda w, a: {"version": version(a), "overall": "RI", "intent": "save",
                           "auditor": w.writers["same_team"].pk, **SNEAKY_AUDIT_FORM_FIELDS},
             audit_protected, 302, page_url="audit_edit"),
    on_audit("own/claimed", "moderator posts the auditor's grades of the audit they moderate "
             "(page)", "moderator", "post",
             lambda w, a: {"version": version(a), "overall": "I", "intent": "save",
                           **page_grades(w, "I")},
             audit_state, 403, page_url="audit_edit"),
    on_audit("own/submitted", "QA lead posts a submitted audit's grades (page)", "qa_lead", "post",
             lambda w, a: {"version": version(a), "overall": "I", "intent": "save",
                           **page_grades(w, "I")},
             audit_state, 403, page_url="audit_edit"),
    on_audit("own/draft", "head of service posts an audit in their area (page)", "viewer", "post",
             lambda w, a: {"version": version(a), "overall": "I", "intent": "submit",
                           **page_grades(w, "G")},
             audit_state, 403, page_url="audit_edit"),
    on_moderation("own/completed", "auditor posts moderated grades for their completed "
                  "moderation (page)", "auditor", "post",
                  lambda w, m: {"version": version(m), "overall": "G", "intent": "complete",
                                "summary": "Mine."},
                  moderation_state, 403, page_url="moderation:detail"),
    on_moderation("own/completed", "claimant posts a completed moderation's grades (page)",
                  "moderator", "post",
                  lambda w, m: {"version": version(m), "overall": "G", "intent": "save",
                                "summary": "Changed."},
                  moderation_state, 403, page_url="moderation:detail"),
    on_moderation("own/blind", "claimant posts status, moderator and reveal fields with a draft "
                  "(page)", "moderator", "post",
                  lambda w, m: {"version": version(m), "intent": "save", "summary": "Draft.",
                                **SNEAKY_MODERATION_FIELDS},
                  moderation_protected, 302, page_url="moderation:detail"),
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
