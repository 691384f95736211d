"""Issue 5, item 15: every change has exactly one history event, with its author, written in
the change's own transaction; and the history tables refuse UPDATE and DELETE.

"One event per change": one new history row for each object the change touched, and none for
anything else. Changes go through the services and through the API, as users make them.
"""

import importlib
from collections import Counter

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.db.models.signals import post_save
from simple_history.models import registered_models

from core.models import Action, Audit, AuditTool, Domain, DomainGrade, Programme
from core.services.actions import action_create, action_status_set
from core.services.audits import AuditContent, audit_create, audit_save_draft
from core.services.programmes import programme_create
from core.services.tools import tool_create
from core.tool_definitions import DomainSpec, ToolSpec
from flows.audits import audit_submit
from flows.moderation import moderation_complete, moderation_return_for_rework
from moderation.models import Escalation, ModeratedGrade, Moderation
from moderation.services.claims import moderation_claim
from moderation.services.escalations import escalation_respond
from moderation.services.moderating import (
    ModerationContent,
    moderation_acknowledge,
    moderation_reveal,
    moderation_save_draft,
)
from tests.factories import (
    AuditFactory,
    CaseFactory,
    ProgrammeFactory,
    UserFactory,
    action_due,
    case_file_tool,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
    tool_setting,
)

TRACKED = (Programme, Audit, DomainGrade, Action, Moderation, ModeratedGrade, Escalation)
TRACKED += (AuditTool, Domain)


class Fault(Exception):
    """Raised by a test after a write, inside the service's transaction."""


def marks() -> dict:
    """The last history row of every tracked model, before a change."""
    return {m: m.history.aggregate(last=Max("history_id"))["last"] or 0 for m in TRACKED}


def new_events(before: dict) -> list[tuple[str, int, int | None]]:
    """History rows written since `before`: (model, object id, author id)."""
    rows = []
    for model, last in before.items():
        for pk, user_id in model.history.filter(history_id__gt=last).values_list(
            "id", "history_user_id"
        ):
            rows.append((model.__name__, pk, user_id))
    return rows


def assert_one_event_each(before: dict, actor, expected: dict[type, list[int]]) -> None:
    """Exactly one new history row per changed object, none for others, all by the actor."""
    rows = new_events(before)
    written = Counter((name, pk) for name, pk, _user in rows)
    wanted = Counter((model.__name__, pk) for model, pks in expected.items() for pk in pks)
    assert written == wanted
    assert {user for _name, _pk, user in rows} == {actor.pk}


def login(api_client, user):
    api_client.force_login(user)
    return api_client


def grade_pks(obj) -> list[int]:
    return list(obj.grades.values_list("pk", flat=True))


def complete_grades_body(tool, grade="G") -> dict:
    return {
        d.code: {"grade": grade, "evidence": f"Evidence for {d.code}."} for d in tool.domains.all()
    }


def moderation_grades_body(tool, grade="G") -> dict:
    return {d.code: {"grade": grade, "rationale": "Seen on file."} for d in tool.domains.all()}


# ---------------------------------------------------------------- audits, through services


def test_audit_create_writes_one_event_per_new_row(qa_lead, auditor, team):
    programme = ProgrammeFactory()
    before = marks()
    audit = audit_create(
        actor=qa_lead,
        case=CaseFactory(team=team),
        auditor=auditor,
        tool=programme.tool,
        programme=programme,
    )
    assert_one_event_each(before, qa_lead, {Audit: [audit.pk], DomainGrade: grade_pks(audit)})
    assert audit.history.get().history_type == "+"


def test_save_draft_writes_one_event_for_the_audit_and_each_changed_grade(audit, auditor):
    plan = audit.grades.get(domain__code="plan")
    before = marks()
    audit_save_draft(
        audit=audit,
        actor=auditor,
        version=audit.version,
        content=AuditContent(overall="RI", grades={"plan": ("RI", "No contingency.")}),
    )
    assert_one_event_each(before, auditor, {Audit: [audit.pk], DomainGrade: [plan.pk]})


def test_submit_with_content_is_one_event_for_the_audit(audit, auditor):
    before = marks()
    audit_submit(
        audit=audit, actor=auditor, version=audit.version, content=complete_content(audit.tool)
    )
    assert_one_event_each(before, auditor, {Audit: [audit.pk], DomainGrade: grade_pks(audit)})
    assert audit.history.latest().status == Audit.Status.SUBMITTED


def test_submitting_an_escalation_raises_it_with_the_auditor_as_author(audit, auditor):
    content = complete_content(audit.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "Child not seen for 12 weeks."
    before = marks()
    audit_submit(audit=audit, actor=auditor, version=audit.version, content=content)
    escalation = Escalation.objects.get(audit=audit)
    assert_one_event_each(
        before,
        auditor,
        {Audit: [audit.pk], DomainGrade: grade_pks(audit), Escalation: [escalation.pk]},
    )


def test_action_add_and_close_write_one_event_each(submitted, auditor, qa_lead):
    before = marks()
    action = action_create(
        audit=submitted,
        actor=auditor,
        description="Review the plan",
        owner="Social worker",
        due_date=submitted.month,
    )
    assert_one_event_each(before, auditor, {Action: [action.pk]})
    before = marks()
    action_status_set(action=action, actor=qa_lead, status=Action.Status.DONE)
    assert_one_event_each(before, qa_lead, {Action: [action.pk]})
    assert action.history.latest().status == Action.Status.DONE


# ---------------------------------------------------------------- moderation, through services


def test_claim_writes_the_moderation_and_its_blank_grades_in_bulk_with_the_author(
    moderation, moderator
):
    before = marks()
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    assert_one_event_each(
        before, moderator, {Moderation: [claimed.pk], ModeratedGrade: grade_pks(claimed)}
    )


def test_moderation_save_and_complete_write_one_event_per_change(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    plan = claimed.grades.get(domain__code="plan")
    before = marks()
    saved = moderation_save_draft(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=ModerationContent(overall="G", grades={"plan": ("RI", "No dates.", "")}),
    )
    assert_one_event_each(before, moderator, {Moderation: [claimed.pk], ModeratedGrade: [plan.pk]})

    before = marks()
    content = moderation_content(claimed.audit.tool, grade="G")
    content.grades["plan"] = ("RI", "No dates.", "")  # unchanged: no event for it
    moderation_complete(actor=moderator, moderation=saved, version=saved.version, content=content)
    others = list(claimed.grades.exclude(pk=plan.pk).values_list("pk", flat=True))
    assert_one_event_each(before, moderator, {Moderation: [claimed.pk], ModeratedGrade: others})


def test_blind_reveal_with_content_writes_each_grade_once(submitted, moderator, qa_lead):
    tool_setting(submitted.tool, blind_moderation=True)
    claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(submitted, qa_lead))
    before = marks()
    moderation_reveal(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(claimed.audit.tool, grade="RI", overall="RI"),
    )
    assert_one_event_each(
        before, moderator, {Moderation: [claimed.pk], ModeratedGrade: grade_pks(claimed)}
    )
    assert set(
        ModeratedGrade.history.filter(history_id__gt=before[ModeratedGrade]).values_list(
            "grade", "blind_grade"
        )
    ) == {("RI", "RI")}


def test_completing_with_an_escalation_raises_it_once(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(
        claimed.audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Unsafe."
    )
    before = marks()
    moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )
    escalation = Escalation.objects.get(audit=claimed.audit)
    assert_one_event_each(
        before,
        moderator,
        {
            Moderation: [claimed.pk],
            ModeratedGrade: grade_pks(claimed),
            Escalation: [escalation.pk],
        },
    )


def test_confirming_the_auditors_escalation_is_one_event_on_it(auditor, team, moderator, qa_lead):
    audit = AuditFactory(auditor=auditor, case__team=team)
    content = complete_content(audit.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "Unsafe."
    audit = audit_submit(audit=audit, actor=auditor, version=audit.version, content=content)
    escalation = Escalation.objects.get(audit=audit)
    claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    before = marks()
    moderation_complete(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(
            audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Agreed."
        ),
    )
    assert_one_event_each(
        before,
        moderator,
        {
            Moderation: [claimed.pk],
            ModeratedGrade: grade_pks(claimed),
            Escalation: [escalation.pk],
        },
    )
    assert escalation.history.latest().confirmed_by_moderation_id == claimed.pk


def test_return_for_rework_writes_one_event_per_row_it_touches(moderation, moderator, submitted):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    before = marks()
    moderation_return_for_rework(
        actor=moderator, moderation=claimed, version=claimed.version, comment="No evidence."
    )
    revision = Audit.objects.get(revision_of=submitted)
    assert_one_event_each(
        before,
        moderator,
        {
            Moderation: [claimed.pk],
            Audit: [submitted.pk, revision.pk],
            DomainGrade: grade_pks(revision),
        },
    )


def test_escalation_response_and_feedback_acknowledgement(
    auditor, team, moderator, qa_lead, viewer
):
    audit = submitted_audit(auditor=auditor, case__team=team, grade="I", overall="I")
    claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    done = moderation_complete(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(
            audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Unsafe."
        ),
    )
    escalation = Escalation.objects.get(audit=audit)
    before = marks()
    escalation_respond(actor=viewer, escalation=escalation, response="Visit arranged.")
    assert_one_event_each(before, viewer, {Escalation: [escalation.pk]})
    before = marks()
    moderation_acknowledge(actor=auditor, moderation=done)
    assert_one_event_each(before, auditor, {Moderation: [done.pk]})


# ---------------------------------------------------------------- the same, through the API


def test_api_audit_create_save_submit(api_client, qa_lead, auditor, team):
    programme = ProgrammeFactory()
    before = marks()
    body = {
        "case": CaseFactory(team=team).reference,
        "auditor": "auditor",
        "programme": programme.pk,
    }
    created = login(api_client, qa_lead).post("/api/audits/", body, format="json")
    assert created.status_code == 201, created.json()
    audit = Audit.objects.get(pk=created.json()["id"])
    assert_one_event_each(before, qa_lead, {Audit: [audit.pk], DomainGrade: grade_pks(audit)})

    client = login(api_client, auditor)
    plan = audit.grades.get(domain__code="plan")
    before = marks()
    body = {"version": 1, "overall": "RI", "grades": {"plan": {"grade": "RI", "evidence": "x"}}}
    saved = client.patch(f"/api/audits/{audit.pk}/", body, format="json")
    assert saved.status_code == 200, saved.json()
    assert_one_event_each(before, auditor, {Audit: [audit.pk], DomainGrade: [plan.pk]})

    before = marks()
    body = {
        "version": saved.json()["version"],
        "overall": "G",
        "grades": complete_grades_body(audit.tool),
    }
    submitted = client.post(f"/api/audits/{audit.pk}/submit/", body, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert_one_event_each(before, auditor, {Audit: [audit.pk], DomainGrade: grade_pks(audit)})


def test_api_action_add_and_close(api_client, auditor, submitted):
    client = login(api_client, auditor)
    before = marks()
    body = {"audit": submitted.pk, "description": "Visit", "owner": "SW", "due_date": action_due()}
    created = client.post("/api/actions/", body, format="json")
    assert created.status_code == 201, created.json()
    action_id = created.json()["id"]
    assert_one_event_each(before, auditor, {Action: [action_id]})
    before = marks()
    done = client.patch(f"/api/actions/{action_id}/", {"status": "done"}, format="json")
    assert done.status_code == 200, done.json()
    assert_one_event_each(before, auditor, {Action: [action_id]})


def test_api_moderation_claim_save_complete_and_respond(
    api_client, auditor, team, moderator, qa_lead, viewer
):
    audit = submitted_audit(auditor=auditor, case__team=team)
    moderation = sampled_moderation(audit, qa_lead)
    url = f"/api/moderations/{moderation.pk}/"
    client = login(api_client, moderator)
    before = marks()
    claimed = client.post(url + "claim/", {}, format="json")
    assert claimed.status_code == 200, claimed.json()
    assert_one_event_each(
        before, moderator, {Moderation: [moderation.pk], ModeratedGrade: grade_pks(moderation)}
    )

    plan = moderation.grades.get(domain__code="plan")
    before = marks()
    body = {
        "version": claimed.json()["version"],
        "grades": {"plan": {"grade": "I", "rationale": "Unsafe plan."}},
    }
    saved = client.patch(url, body, format="json")
    assert saved.status_code == 200, saved.json()
    assert_one_event_each(
        before, moderator, {Moderation: [moderation.pk], ModeratedGrade: [plan.pk]}
    )

    before = marks()
    body = {
        "version": saved.json()["version"],
        "overall": "I",
        "escalated": True,
        "escalation_reason": "Unsafe.",
        # The judgement is not the auditor's: its reason (issue 12 snag 22).
        "overall_revision_reason": "The plan has no contingency.",
        "summary": "The plan has no contingency.",
        "grades": moderation_grades_body(audit.tool, grade="I")
        | {"plan": {"grade": "I", "rationale": "Unsafe plan."}},  # unchanged: no event for it
    }
    completed = client.post(url + "complete/", body, format="json")
    assert completed.status_code == 200, completed.json()
    escalation = Escalation.objects.get(audit=audit)
    others = list(moderation.grades.exclude(pk=plan.pk).values_list("pk", flat=True))
    assert_one_event_each(
        before,
        moderator,
        {Moderation: [moderation.pk], ModeratedGrade: others, Escalation: [escalation.pk]},
    )

    before = marks()
    respond = f"/api/escalations/{escalation.pk}/respond/"
    response = login(api_client, viewer).post(respond, {"response": "Seen."}, format="json")
    assert response.status_code == 200, response.json()
    assert_one_event_each(before, viewer, {Escalation: [escalation.pk]})


def test_api_return_for_rework(api_client, moderation, moderator, submitted):
    url = f"/api/moderations/{moderation.pk}/"
    client = login(api_client, moderator)
    version = client.post(url + "claim/", {}, format="json").json()["version"]
    before = marks()
    body = {"version": version, "comment": "No evidence for the plan."}
    returned = client.post(url + "return/", body, format="json")
    assert returned.status_code == 200, returned.json()
    revision = Audit.objects.get(revision_of=submitted)
    assert_one_event_each(
        before,
        moderator,
        {
            Moderation: [moderation.pk],
            Audit: [submitted.pk, revision.pk],
            DomainGrade: grade_pks(revision),
        },
    )


# ---------------------------------------------------------------- same transaction


@pytest.fixture
def fail_after_save():
    """Make the next save of a model fail after its history row is written, inside the
    service's transaction; records how many history rows of it existed at that moment."""
    seen: list[int] = []
    connected = []

    def arm(model):
        def receiver(sender, instance, **kwargs):
            seen.append(model.history.count())
            raise Fault(f"{model.__name__} failed after it was written")

        post_save.connect(receiver, sender=model, weak=False, dispatch_uid="fault")
        connected.append(model)
        return seen

    yield arm
    for model in connected:
        post_save.disconnect(sender=model, dispatch_uid="fault")


def service_calls(auditor, moderator, viewer, qa_lead, team):
    """(model whose save fails, the change) for a change of each kind."""

    def save_draft():
        audit = AuditFactory(auditor=auditor, case__team=team)
        content = AuditContent(overall="RI", grades={"plan": ("RI", "x")})
        return Audit, lambda: audit_save_draft(
            audit=audit, actor=auditor, version=audit.version, content=content
        )

    def submit():
        audit = AuditFactory(auditor=auditor, case__team=team)
        content = complete_content(audit.tool)
        return Audit, lambda: audit_submit(
            audit=audit, actor=auditor, version=audit.version, content=content
        )

    def add_action():
        audit = submitted_audit(auditor=auditor, case__team=team)
        return Action, lambda: action_create(
            audit=audit, actor=auditor, description="Visit", owner="SW", due_date=audit.month
        )

    def complete():
        audit = submitted_audit(auditor=auditor, case__team=team)
        claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
        content = moderation_content(audit.tool, grade="RI", overall="RI")
        return Moderation, lambda: moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=content
        )

    def respond():
        audit = submitted_audit(auditor=auditor, case__team=team, grade="I", overall="I")
        claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
        moderation_complete(
            actor=moderator,
            moderation=claimed,
            version=claimed.version,
            content=moderation_content(
                audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Unsafe."
            ),
        )
        escalation = Escalation.objects.get(audit=audit)
        return Escalation, lambda: escalation_respond(
            actor=viewer, escalation=escalation, response="Seen."
        )

    return {
        "save draft": save_draft,
        "submit": submit,
        "add action": add_action,
        "complete moderation": complete,
        "respond to escalation": respond,
    }


@pytest.mark.parametrize(
    "change", ["save draft", "submit", "add action", "complete moderation", "respond to escalation"]
)
def test_a_change_that_rolls_back_leaves_no_history(
    change, fail_after_save, auditor, moderator, viewer, qa_lead, team
):
    model, call = service_calls(auditor, moderator, viewer, qa_lead, team)[change]()
    before = marks()
    counts = {m: m.history.count() for m in TRACKED}
    seen = fail_after_save(model)
    with pytest.raises(Fault):
        call()
    # The history row was there when the change failed, and went with the change.
    assert seen == [counts[model] + 1]
    assert new_events(before) == []
    assert {m: m.history.count() for m in TRACKED} == counts


def test_bulk_history_of_a_claim_goes_with_the_callers_transaction(moderation, moderator):
    before = marks()
    with pytest.raises(Fault), transaction.atomic():
        moderation_claim(actor=moderator, moderation=moderation)
        assert ModeratedGrade.history.filter(history_id__gt=before[ModeratedGrade]).exists()
        raise Fault("after the claim")
    assert new_events(before) == []
    assert Moderation.objects.get(pk=moderation.pk).status == Moderation.Status.SAMPLED


# ---------------------------------------------------------------- append-only tables


@pytest.fixture
def every_history_table(auditor, team, moderator, qa_lead, viewer):
    """At least one row in every history table, written by the services."""
    descriptors = {"O": "O.", "G": "G.", "RI": "RI.", "I": "I."}
    domains = [DomainSpec(code="plan", title="Plan", descriptors=descriptors)]
    tool_create(actor=qa_lead, spec=ToolSpec(code="kept", name="Kept", domains=domains))
    programme_create(actor=qa_lead, month=ProgrammeFactory.month, tool=case_file_tool())
    audit = submitted_audit(auditor=auditor, case__team=team, grade="I", overall="I")
    action_create(audit=audit, actor=auditor, description="Visit", owner="SW", due_date=audit.month)
    claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    moderation_complete(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(
            audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Unsafe."
        ),
    )
    tables = [model.history.model._meta.db_table for model in registered_models.values()]
    for model in registered_models.values():
        assert model.history.exists(), model
    return tables


def test_every_history_model_is_covered_here():
    assert set(registered_models.values()) == set(TRACKED)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET history_change_reason = 'rewritten'",
        "UPDATE {table} SET history_user_id = NULL",
        "DELETE FROM {table}",
    ],
    ids=["update reason", "update author", "delete"],
)
def test_raw_update_and_delete_are_refused_on_every_history_table(every_history_table, statement):
    for table in every_history_table:
        before = _rows(table)
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(table=connection.ops.quote_name(table)))
        assert _rows(table) == before, table


def _rows(table: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY history_id")
        return cursor.fetchall()


def test_orm_update_and_delete_of_history_are_refused(every_history_table):
    rows = Audit.history.all()
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(history_change_reason="rewritten")
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.history.earliest().delete()
    assert not Audit.history.filter(history_change_reason="rewritten").exists()


def test_inserting_history_is_still_allowed(every_history_table, auditor, team):
    """Append-only, not read-only: the triggers refuse changes, not new rows."""
    fresh = AuditFactory(auditor=auditor, case__team=team)
    count = Audit.history.count()
    audit_save_draft(audit=fresh, actor=auditor, version=1, content=AuditContent(overall="RI"))
    assert Audit.history.count() == count + 1


def test_a_user_who_wrote_history_is_deactivated_not_deleted(qa_lead, client):
    """Deleting them would blank history_user on their rows: the database refuses, and the
    admin does not offer it."""
    programme_create(actor=qa_lead, month=ProgrammeFactory.month, tool=case_file_tool())
    with pytest.raises(IntegrityError), transaction.atomic():
        qa_lead.delete()
    assert Programme.history.get().history_user == qa_lead
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(f"/admin/audits/user/{qa_lead.pk}/delete/")
    assert response.status_code == 403


# serialized_rollback: the teardown puts back the database as the suite left it, as after
# any other test; a plain flush would leave content types under new ids for later tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_whole_database_flush_still_works_and_leaves_the_guard_on(auditor, team):
    """PostgreSQL flushes with TRUNCATE, which row triggers do not see; SQLite's flush raises
    a flag inside its own transaction (config/sqlite_backend). Afterwards DELETE is refused
    again."""
    audit = AuditFactory(auditor=auditor, case__team=team)
    audit_save_draft(audit=audit, actor=auditor, version=1, content=AuditContent(overall="G"))
    assert Audit.history.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not Audit.history.exists() and not Audit.objects.exists()

    importlib.import_module("core.migrations.0002_roles_and_tools").create(django_apps, None)
    again = UserFactory(username="again", roles=["auditor"])
    audit = AuditFactory(auditor=again)
    audit_save_draft(audit=audit, actor=again, version=1, content=AuditContent(overall="G"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.history.all().delete()
    assert Audit.history.filter(id=audit.pk).count() == 2  # the factory's insert, the draft
