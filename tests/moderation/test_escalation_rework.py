"""Issue 12, snag 9: an escalated audit returned for rework and resubmitted is one case
concern, so it keeps one escalation, carried to the new revision, and the head of service is
asked once."""

from core.services.audits import audit_save_draft
from flows.audits import audit_submit
from flows.moderation import moderation_complete, moderation_return_for_rework
from moderation.models import Escalation, Moderation
from moderation.services.claims import moderation_claim
from tests.factories import AuditFactory, complete_content, moderation_content, sampled_moderation


def escalated_audit(auditor, team):
    draft = AuditFactory(auditor=auditor, case__team=team)
    content = complete_content(draft.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "No visits for 10 weeks."
    return audit_submit(audit=draft, actor=auditor, version=draft.version, content=content)


def returned_and_resubmitted(audit, qa_lead, moderator):
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    moderation_return_for_rework(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        comment="The evidence for the plan is missing.",
    )
    audit.refresh_from_db()
    revision = audit.next_revision
    content = complete_content(revision.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "No visits for 11 weeks now."
    revision = audit_save_draft(
        audit=revision, actor=revision.auditor, version=revision.version, content=content
    )
    return audit_submit(audit=revision, actor=revision.auditor, version=revision.version)


def test_a_resubmitted_escalated_audit_keeps_its_one_escalation(
    auditor, team, qa_lead, moderator, viewer, mailoutbox, django_capture_on_commit_callbacks
):
    first = escalated_audit(auditor, team)
    with django_capture_on_commit_callbacks(execute=True):
        second = returned_and_resubmitted(first, qa_lead, moderator)
    case_escalations = Escalation.objects.filter(audit__case=first.case)
    assert case_escalations.count() == 1
    escalation = case_escalations.get()
    # Carried to the revision now in front of the moderator, with the auditor's latest reason.
    assert escalation.audit == second
    assert escalation.reason == "No visits for 11 weeks now."
    assert escalation.status == Escalation.Status.OPEN
    assert not [m for m in mailoutbox if m.subject.startswith("Escalation")]
    # The moderation of the revision confirms that same escalation rather than raising another.
    requeued = moderation_claim(actor=moderator, moderation=second.moderations.get())
    done = moderation_complete(
        actor=moderator,
        moderation=requeued,
        version=requeued.version,
        content=moderation_content(
            requeued.audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Agreed."
        ),
    )
    assert done.status == Moderation.Status.COMPLETED
    escalation.refresh_from_db()
    assert escalation.confirmed_by_moderation == done
    assert Escalation.objects.filter(audit__case=first.case).count() == 1
    # Its history says who carried it and when.
    assert escalation.history.filter(audit_id=second.pk).exists()
