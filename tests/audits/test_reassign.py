"""Feature 4: a QA lead reassigns open audits and moderations, one or many (everything of a
person who left or is off sick), with a reason kept in each record's history; nobody is given
work they may not do; submitted and completed work stays put; blind stays blind."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from audits.inbox import inbox_for_user
from core.errors import DomainError
from core.models import Audit, AuditTool
from core.services.assignments import audits_reassign
from moderation.history import grade_changes_for_audit
from moderation.models import Moderation
from moderation.services.claims import moderation_claim
from moderation.services.moderating import moderation_reveal
from moderation.services.reassign import moderations_reassign
from tests.factories import (
    AuditFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _kinds(user) -> dict[str, list[str]]:
    """The work in the person's inbox, by kind: the pages each item opens."""
    own, _team = inbox_for_user(user=user)
    return {section.key: [item.url for item in section.items] for section in own}


def _opens(obj) -> str:
    """Where the inbox sends its person: to write the audit, or to the moderation."""
    if isinstance(obj, Audit):
        return reverse("audit_edit", args=[obj.pk])
    return obj.get_absolute_url()


# ---------------------------------------------------------------- audits: service


def test_reassigning_audits_moves_them_and_records_who_when_from_whom_to_whom_and_why(
    qa_lead, auditor, same_team_auditor, team
):
    audits = [AuditFactory(auditor=auditor, case__team=team) for _ in range(2)]
    audits_reassign(
        actor=qa_lead,
        audit_ids=[a.pk for a in audits],
        to=same_team_auditor,
        reason="Off sick until January",
    )
    for audit in audits:
        audit.refresh_from_db()
        assert audit.auditor == same_team_auditor
        last = audit.history.first()
        assert last.history_user == qa_lead
        assert last.history_change_reason == "Off sick until January"
        assert last.prev_record.auditor_id == auditor.pk
        changes = [c for c in grade_changes_for_audit(audit=audit) if c.what == "Assigned to"]
        moved = changes[-1]
        assert (moved.who, moved.before, moved.after, moved.reason) == (
            qa_lead.get_full_name() or qa_lead.username,
            auditor.get_full_name() or auditor.username,
            same_team_auditor.get_full_name() or same_team_auditor.username,
            "Off sick until January",
        )


def test_the_new_auditors_inbox_shows_the_work_and_the_old_ones_no_longer(
    qa_lead, auditor, same_team_auditor, audit
):
    assert _opens(audit) in _kinds(auditor).get("audits", [])
    audits_reassign(actor=qa_lead, audit_ids=[audit.pk], to=same_team_auditor, reason="Left")
    assert _opens(audit) in _kinds(same_team_auditor)["audits"]
    assert _opens(audit) not in _kinds(auditor).get("audits", [])


def test_a_submitted_audit_cannot_be_reassigned_and_nothing_moves(
    qa_lead, auditor, same_team_auditor, audit, submitted
):
    with pytest.raises(DomainError) as refused:
        audits_reassign(
            actor=qa_lead,
            audit_ids=[audit.pk, submitted.pk],
            to=same_team_auditor,
            reason="Left",
        )
    assert submitted.case.reference in refused.value.field_errors["ids"][0]
    assert "submitted" in refused.value.field_errors["ids"][0]
    audit.refresh_from_db()
    assert audit.auditor == auditor  # all or none


def test_work_goes_only_to_an_active_auditor_by_the_programmes_rule(
    qa_lead, audit, moderator, same_team_auditor
):
    same_team_auditor.is_active = False
    same_team_auditor.save()
    for to in (moderator, same_team_auditor):
        with pytest.raises(DomainError) as refused:
            audits_reassign(actor=qa_lead, audit_ids=[audit.pk], to=to, reason="Left")
        assert refused.value.field_errors["to"]


def test_a_reason_is_required_and_only_a_qa_lead_reassigns(qa_lead, audit, same_team_auditor):
    with pytest.raises(DomainError) as refused:
        audits_reassign(actor=qa_lead, audit_ids=[audit.pk], to=same_team_auditor, reason="  ")
    assert refused.value.field_errors["reason"]
    with pytest.raises(DomainError) as refused:
        audits_reassign(actor=qa_lead, audit_ids=[audit.pk], to=same_team_auditor, reason="x" * 101)
    assert refused.value.field_errors["reason"]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        audits_reassign(
            actor=same_team_auditor, audit_ids=[audit.pk], to=same_team_auditor, reason="Mine"
        )


# ---------------------------------------------------------------- moderations: service


def test_a_claimed_moderation_goes_to_another_moderator_or_back_to_the_queue(
    qa_lead, moderator, moderation
):
    other = UserFactory(username="moderator2", roles=["moderator"])
    moderation_claim(actor=moderator, moderation=moderation)
    moderations_reassign(actor=qa_lead, moderation_ids=[moderation.pk], to=other, reason="On leave")
    moderation.refresh_from_db()
    assert (moderation.status, moderation.moderator) == (Moderation.Status.CLAIMED, other)
    assert moderation.history.first().history_change_reason == "On leave"
    assert _opens(moderation) in _kinds(other)["moderations"]
    assert _opens(moderation) not in _kinds(moderator).get("moderations", [])
    moderations_reassign(actor=qa_lead, moderation_ids=[moderation.pk], to=None, reason="Queue")
    moderation.refresh_from_db()
    assert (moderation.status, moderation.moderator) == (Moderation.Status.SAMPLED, None)


def test_a_waiting_moderation_given_to_a_moderator_is_theirs_with_a_grade_row_per_domain(
    qa_lead, moderator, moderation
):
    moderations_reassign(
        actor=qa_lead, moderation_ids=[moderation.pk], to=moderator, reason="Spread the work"
    )
    moderation.refresh_from_db()
    assert moderation.status == Moderation.Status.CLAIMED
    assert moderation.grades.count() == moderation.audit.tool.domains.count()


def test_nobody_moderates_their_own_audit_and_completed_moderations_stay(
    qa_lead, moderator, moderation, auditor
):
    auditor_moderator = UserFactory(username="both", roles=["moderator", "auditor"])
    own = submitted_audit(auditor=auditor_moderator)
    own_moderation = sampled_moderation(own, qa_lead)
    with pytest.raises(DomainError) as refused:
        moderations_reassign(
            actor=qa_lead,
            moderation_ids=[own_moderation.pk],
            to=auditor_moderator,
            reason="Cover",
        )
    assert own.case.reference in refused.value.field_errors["to"][0]
    with pytest.raises(DomainError) as refused:
        moderations_reassign(
            actor=qa_lead, moderation_ids=[moderation.pk], to=auditor, reason="Cover"
        )
    assert refused.value.field_errors["to"] == ["Choose an active moderator."]
    Moderation.objects.filter(pk=moderation.pk).update(status=Moderation.Status.COMPLETED)
    with pytest.raises(DomainError) as refused:
        moderations_reassign(
            actor=qa_lead, moderation_ids=[moderation.pk], to=moderator, reason="Cover"
        )
    assert "completed" in refused.value.field_errors["ids"][0]


def test_a_blind_moderation_stays_blind_for_the_new_moderator(qa_lead, moderator, submitted):
    AuditTool.objects.filter(pk=submitted.tool_id).update(blind_moderation=True)
    moderation = moderation_claim(
        actor=moderator, moderation=sampled_moderation(submitted, qa_lead)
    )
    content = moderation_content(submitted.tool, grade="RI", overall="RI")
    revealed = moderation_reveal(
        actor=moderator, moderation=moderation, version=moderation.version, content=content
    )
    assert not revealed.auditor_grades_hidden()
    other = UserFactory(username="moderator2", roles=["moderator"])
    moderations_reassign(actor=qa_lead, moderation_ids=[moderation.pk], to=other, reason="Ill")
    moderation = Moderation.objects.get(pk=moderation.pk)
    assert moderation.auditor_grades_hidden()
    assert not moderation.grades.exclude(grade="").exists()  # grades after the reveal cleared
    page = _client(other).get(reverse("moderation:detail", args=[moderation.pk]))
    assert page.status_code == 200
    assert "Evidence for" not in page.content.decode()  # the auditor's evidence stays hidden


# ---------------------------------------------------------------- the page


def test_a_qa_lead_moves_everything_of_a_person_on_the_page(
    qa_lead, auditor, same_team_auditor, moderator, team
):
    audits = [AuditFactory(auditor=auditor, case__team=team) for _ in range(3)]
    client = _client(qa_lead)
    page = client.get(reverse("reassign"), {"person": auditor.pk})
    assert page.status_code == 200
    text = page.content.decode()
    for audit in audits:
        assert audit.case.reference in text
    response = client.post(
        reverse("reassign") + f"?person={auditor.pk}",
        {
            "audits": [a.pk for a in audits],
            "auditor": same_team_auditor.pk,
            "reason": "Left the authority",
        },
    )
    assert response.status_code == 302
    assert Audit.objects.filter(auditor=same_team_auditor).count() == len(audits)


def test_the_empty_form_names_each_missing_answer(qa_lead, audit):
    response = _client(qa_lead).post(
        reverse("reassign") + f"?audit={audit.pk}", {"audits": [audit.pk]}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#id_auditor"' in text and "Choose who takes the audits over" in text
    assert 'href="#id_reason"' in text and "Say why the work is moving." in text


def test_a_submitted_audit_on_the_page_is_a_clear_error_not_a_500(
    qa_lead, submitted, same_team_auditor
):
    response = _client(qa_lead).post(
        reverse("reassign") + f"?audit={submitted.pk}",
        {"audits": [submitted.pk], "auditor": same_team_auditor.pk, "reason": "Left"},
    )
    assert response.status_code == 400
    assert "A submitted audit cannot be reassigned" in response.content.decode()


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_only_a_qa_lead_opens_the_page(request, who):
    user = request.getfixturevalue(who)
    assert _client(user).get(reverse("reassign")).status_code == 403


def test_the_audit_page_offers_reassigning_to_a_qa_lead_only(qa_lead, auditor, audit):
    link = f"{reverse('reassign')}?audit={audit.pk}"
    assert link in _client(qa_lead).get(audit.get_absolute_url()).content.decode()
    assert link not in _client(auditor).get(audit.get_absolute_url()).content.decode()


# ---------------------------------------------------------------- the API


def test_the_api_reassigns_audits_and_moderations(
    qa_lead, audit, same_team_auditor, moderator, moderation
):
    client = _client(qa_lead)
    response = client.post(
        "/api/audits/reassign/",
        {"ids": [audit.pk], "to": same_team_auditor.username, "reason": "Left"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"reassigned": [audit.pk], "to": same_team_auditor.username}
    response = client.post(
        "/api/moderations/reassign/",
        {"ids": [moderation.pk], "to": moderator.username, "reason": "Cover"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Moderation.objects.get(pk=moderation.pk).moderator == moderator
    response = client.post(
        "/api/moderations/reassign/",
        {"ids": [moderation.pk], "to": None, "reason": "Back"},
        format="json",
    )
    assert response.json()["to"] is None


def test_the_api_answers_400_per_field(qa_lead, submitted, same_team_auditor):
    client = _client(qa_lead)
    response = client.post("/api/audits/reassign/", {}, format="json")
    assert response.status_code == 400
    assert {"ids", "to", "reason"} <= set(response.json())
    response = client.post(
        "/api/audits/reassign/",
        {"ids": [submitted.pk], "to": "nobody-here", "reason": "Left"},
        format="json",
    )
    assert response.status_code == 400 and "to" in response.json()
    response = client.post(
        "/api/audits/reassign/",
        {"ids": [submitted.pk], "to": same_team_auditor.username, "reason": "Left"},
        format="json",
    )
    assert response.status_code == 400 and "ids" in response.json()


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_the_api_refuses_everyone_but_a_qa_lead_before_reading_the_body(request, who, audit):
    user = request.getfixturevalue(who)
    for path in ("/api/audits/reassign/", "/api/moderations/reassign/"):
        response = _client(user).post(
            path, {"ids": [audit.pk], "to": "anyone", "reason": "x"}, format="json"
        )
        assert response.status_code == 403
        assert "username" not in response.content.decode()
