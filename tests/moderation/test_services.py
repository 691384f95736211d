import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import DomainError, StaleVersion, TransitionNotAllowed
from core.grades import grade_shift
from core.models import Audit, DomainGrade
from core.services.audits import AuditContent, audit_save_draft
from flows.audits import audit_submit
from flows.moderation import moderation_complete, moderation_return_for_rework
from moderation.models import Escalation, ModeratedGrade, Moderation
from moderation.services.claims import moderation_claim, moderation_release
from moderation.services.escalations import escalation_respond
from moderation.services.imported import ImportedModeration, moderation_record_imported
from moderation.services.moderating import (
    ModerationContent,
    moderation_acknowledge,
    moderation_reveal,
    moderation_save_draft,
)
from moderation.services.sample import moderation_add, moderation_remove
from tests.factories import (
    AuditFactory,
    UserFactory,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
    tool_setting,
)


def auditor_grades(audit):
    return sorted(audit.grades.values_list("domain__code", "grade", "evidence"))


def test_grade_shift_counts_steps():
    assert grade_shift("G", "G") == ("agreed", 0)
    assert grade_shift("G", "I") == ("downgraded", 2)
    assert grade_shift("I", "RI") == ("upgraded", 1)
    assert grade_shift("NA", "G") == ("changed", 0)


def test_claim_records_moderator_and_makes_a_blank_grade_per_domain(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    assert claimed.status == Moderation.Status.CLAIMED
    assert claimed.moderator == moderator
    assert claimed.grades.count() == claimed.audit.tool.domains.count()
    assert claimed.history.latest().history_user == moderator


def test_second_claim_is_refused_with_the_claimants_name(moderation, moderator):
    moderator.first_name, moderator.last_name = "Asha", "Patel"
    moderator.save()
    moderation_claim(actor=moderator, moderation=moderation)
    rival = UserFactory(roles=["moderator"])
    with pytest.raises(TransitionNotAllowed, match="Asha Patel"):
        moderation_claim(actor=rival, moderation=moderation)


def test_nobody_moderates_an_audit_they_wrote(moderation, auditor):
    auditor.groups.add(Group.objects.get(name="moderator"))
    with pytest.raises(PermissionDenied, match="You wrote this audit"):
        moderation_claim(actor=auditor, moderation=moderation)


def test_only_the_claimant_saves_and_a_stale_version_is_refused(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    tool = claimed.audit.tool
    other = UserFactory(roles=["moderator"])
    with pytest.raises(PermissionDenied):
        moderation_save_draft(
            actor=other, moderation=claimed, version=claimed.version, content=ModerationContent()
        )
    saved = moderation_save_draft(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(tool, grade="RI", overall="RI"),
    )
    with pytest.raises(StaleVersion):
        moderation_save_draft(
            actor=moderator,
            moderation=saved,
            version=claimed.version,
            content=ModerationContent(overall="I"),
        )
    saved.refresh_from_db()
    assert saved.overall == "RI"


def test_completion_lists_every_missing_answer(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    with pytest.raises(DomainError) as error:
        moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=None
        )
    fields = error.value.field_errors
    assert "grade_assessment" in fields
    assert "overall" in fields and "summary" in fields


def test_a_changed_grade_needs_a_rationale(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, grade="G", overall="G")
    content.grades["plan"] = ("RI", "", "")
    with pytest.raises(DomainError) as error:
        moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=content
        )
    assert list(error.value.field_errors) == ["rationale_plan"]


def complete(moderation, moderator, **kwargs):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, **kwargs)
    return moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )


def test_auditors_grades_survive_moderation_unchanged(moderation, moderator, submitted):
    before = auditor_grades(submitted)
    overall_before = submitted.overall
    done = complete(moderation, moderator, grade="I", overall="I")
    submitted.refresh_from_db()
    assert auditor_grades(submitted) == before
    assert submitted.overall == overall_before
    assert set(done.grades.values_list("grade", flat=True)) == {"I"}


def test_completed_moderation_and_its_grades_refuse_any_change(moderation, moderator):
    done = complete(moderation, moderator, grade="RI", overall="RI")
    row = done.grades.first()
    row.grade = "G"
    with pytest.raises(DomainError):
        row.save()
    done.summary = "Rewritten"
    with pytest.raises(DomainError):
        done.save()
    with pytest.raises(TransitionNotAllowed):
        moderation_save_draft(
            actor=moderator, moderation=done, version=done.version, content=ModerationContent()
        )
    assert ModeratedGrade.objects.get(pk=row.pk).grade == "RI"


def test_submitted_auditor_grade_refuses_change_from_save(submitted):
    row = submitted.grades.first()
    row.grade = "I"
    with pytest.raises(DomainError):
        row.save()
    assert DomainGrade.objects.get(pk=row.pk).grade == "G"


def test_every_grade_change_is_in_the_history_with_its_author(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    tool = claimed.audit.tool
    first = moderation_save_draft(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(tool, grade="G"),
    )
    content = moderation_content(tool, grade="G")
    content.grades["plan"] = ("I", "No plan on file.", "")
    moderation_save_draft(actor=moderator, moderation=first, version=first.version, content=content)
    plan = claimed.grades.get(domain__code="plan")
    changes = list(plan.history.order_by("history_date").values_list("grade", "history_user"))
    assert changes == [("", moderator.pk), ("G", moderator.pk), ("I", moderator.pk)]


def test_release_returns_the_audit_to_the_queue(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    released = moderation_release(actor=moderator, moderation=claimed)
    assert released.status == Moderation.Status.SAMPLED and released.moderator is None


def test_blind_moderation_hides_then_reveals_and_asks_why_a_grade_changed(
    moderation, moderator, submitted
):
    submitted.programme = None
    tool_setting(submitted.tool, blind_moderation=True)
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    assert claimed.blind and claimed.auditor_grades_hidden()
    tool = claimed.audit.tool
    with pytest.raises(DomainError):
        moderation_reveal(
            actor=moderator, moderation=claimed, version=claimed.version, content=None
        )
    revealed = moderation_reveal(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(tool, grade="RI", overall="RI"),
    )
    assert not revealed.auditor_grades_hidden()
    assert revealed.blind_overall == "RI"
    content = moderation_content(tool, grade="RI", overall="G", overall_revision_reason="")
    with pytest.raises(DomainError) as error:
        moderation_complete(
            actor=moderator, moderation=revealed, version=revealed.version, content=content
        )
    assert "overall_revision_reason" in error.value.field_errors
    content.overall_revision_reason = "The auditor's evidence of visits changed my view."
    done = moderation_complete(
        actor=moderator, moderation=revealed, version=revealed.version, content=content
    )
    assert (done.blind_overall, done.overall) == ("RI", "G")


def test_rework_keeps_the_submission_and_opens_a_new_revision(moderation, moderator, submitted):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    with pytest.raises(DomainError):
        moderation_return_for_rework(
            actor=moderator, moderation=claimed, version=claimed.version, comment=" "
        )
    returned = moderation_return_for_rework(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        comment="The evidence for the plan is missing.",
    )
    assert returned.status == Moderation.Status.RETURNED
    submitted.refresh_from_db()
    assert submitted.status == Audit.Status.RETURNED
    revision = submitted.next_revision
    assert (revision.revision, revision.status) == (2, Audit.Status.IN_PROGRESS)
    assert auditor_grades(revision) == auditor_grades(submitted)
    content = AuditContent(grades={"plan": ("RI", "Plan has no dates or owners.")})
    revision = audit_save_draft(
        audit=revision, actor=revision.auditor, version=revision.version, content=content
    )
    resubmitted = audit_submit(audit=revision, actor=revision.auditor, version=revision.version)
    assert submitted.grades.get(domain__code="plan").grade == "G"
    requeued = resubmitted.moderations.get()
    assert requeued.status == Moderation.Status.SAMPLED
    assert requeued.selection == Moderation.Selection.REWORK


def test_auditor_escalation_is_raised_at_submission_and_confirmed_by_moderation(
    auditor, team, moderator, qa_lead, viewer
):
    not_escalated = submitted_audit(auditor=auditor, case__team=team, grade="I", overall="I")
    assert not not_escalated.escalations.exists()
    draft = AuditFactory(auditor=auditor, case__team=team)
    content = complete_content(draft.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "No visits for 10 weeks."
    escalated = audit_submit(audit=draft, actor=auditor, version=draft.version, content=content)
    escalation = escalated.escalations.get()
    assert escalation.raised_by_role == Escalation.RaisedBy.AUDITOR
    moderation = sampled_moderation(escalated, qa_lead)
    done = complete(
        moderation,
        moderator,
        grade="I",
        overall="I",
        escalated=True,
        escalation_reason="Agree: no visits.",
    )
    escalation.refresh_from_db()
    assert escalation.confirmed_by_moderation == done
    assert Escalation.objects.filter(audit=escalated).count() == 1


def test_moderator_raises_an_escalation_and_the_head_of_service_responds(
    moderation, moderator, viewer, other_viewer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        complete(
            moderation,
            moderator,
            grade="I",
            overall="I",
            escalated=True,
            escalation_reason="Child not seen for 12 weeks.",
        )
    escalation = Escalation.objects.get(audit=moderation.audit)
    assert escalation.raised_by_role == Escalation.RaisedBy.MODERATOR
    assert escalation.due_date > timezone.localdate()
    subjects = [m.subject for m in mailoutbox]
    assert any(s.startswith("Escalation") for s in subjects)
    assert any(s.startswith("Moderation complete") for s in subjects)
    heads = next(m for m in mailoutbox if m.subject.startswith("Escalation")).to
    assert heads == [viewer.email]
    with pytest.raises(PermissionDenied):
        escalation_respond(actor=other_viewer, escalation=escalation, response="Not mine.")
    with pytest.raises(DomainError):
        escalation_respond(actor=viewer, escalation=escalation, response="  ")
    closed = escalation_respond(actor=viewer, escalation=escalation, response="Visit arranged.")
    assert closed.status == Escalation.Status.CLOSED and closed.responded_by == viewer
    with pytest.raises(TransitionNotAllowed):
        escalation_respond(actor=viewer, escalation=escalation, response="Again.")


def test_auditor_acknowledges_once(moderation, moderator, auditor, same_team_auditor):
    done = complete(moderation, moderator, grade="RI", overall="RI")
    with pytest.raises(PermissionDenied):
        moderation_acknowledge(actor=same_team_auditor, moderation=done)
    acknowledged = moderation_acknowledge(actor=auditor, moderation=done)
    assert acknowledged.acknowledged_by == auditor
    assert acknowledged.history.latest().history_user == auditor
    with pytest.raises(TransitionNotAllowed):
        moderation_acknowledge(actor=auditor, moderation=done)


def test_hand_add_and_remove_need_a_qa_lead_and_a_reason(submitted, qa_lead, moderator):
    with pytest.raises(PermissionDenied):
        moderation_add(actor=moderator, audit=submitted, reason="Because")
    with pytest.raises(DomainError):
        moderation_add(actor=qa_lead, audit=submitted, reason="")
    added = moderation_add(actor=qa_lead, audit=submitted, reason="Complaint received.")
    with pytest.raises(TransitionNotAllowed):
        moderation_add(actor=qa_lead, audit=submitted, reason="Twice.")
    moderation_claim(actor=moderator, moderation=added)
    with pytest.raises(TransitionNotAllowed):
        moderation_remove(actor=qa_lead, moderation=added, reason="Too late.")


def test_imported_history_becomes_a_completed_moderation(submitted, qa_lead):
    moderator = UserFactory(roles=["moderator"], is_active=False)
    record = ImportedModeration(
        moderator=moderator,
        moderated_on=dt.date(2026, 11, 5),
        overall="RI",
        escalated=False,
        grades={"plan": "RI", "assessment": "G"},
    )
    moderation = moderation_record_imported(actor=qa_lead, audit=submitted, record=record)
    assert moderation.status == Moderation.Status.COMPLETED
    assert moderation.source == Moderation.Source.IMPORT
    assert moderation.grades.get(domain__code="plan").grade == "RI"
    assert moderation.completed_at.date() == dt.date(2026, 11, 5)


def test_moderators_cannot_open_an_audit_waiting_for_blind_moderation(
    moderation, moderator, submitted, auditor
):
    from moderation.access import audits_visible_to

    assert audits_visible_to(moderator).filter(pk=submitted.pk).exists()
    tool_setting(submitted.tool, blind_moderation=True)
    assert not audits_visible_to(moderator).filter(pk=submitted.pk).exists()
    assert audits_visible_to(auditor).filter(pk=submitted.pk).exists()
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    assert not audits_visible_to(moderator).filter(pk=submitted.pk).exists()
    moderation_reveal(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(claimed.audit.tool),
    )
    assert audits_visible_to(moderator).filter(pk=submitted.pk).exists()
