"""The blind rule, written once (moderation/models.py): a returned revision and a person with
two roles read nothing of an audit while it is moderated blind, and every per-object answer
agrees with the queryset rule."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from core.models import Audit
from core.services.actions import action_create
from flows import audits as audit_flows
from flows import moderation as moderation_flows
from moderation.models import Moderation, blind_pending_audits, blind_pending_moderations
from moderation.services.claims import moderation_claim
from moderation.services.moderating import moderation_reveal
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    UserFactory,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

pytestmark = pytest.mark.django_db

BLIND_MONTH = dt.date(2026, 9, 1)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def blind_programme(db):
    return ProgrammeFactory(month=BLIND_MONTH, blind_moderation=True)


@pytest.fixture
def returned_and_resubmitted(auditor, team, qa_lead, moderator, blind_programme):
    """Revision 1 moderated blind and returned; revision 2 resubmitted, waiting blind."""
    first = submitted_audit(
        auditor=auditor, case__team=team, programme=blind_programme, month=BLIND_MONTH
    )
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(first, qa_lead))
    moderation_flows.moderation_return_for_rework(
        actor=moderator, moderation=moderation, version=moderation.version, comment="No dates."
    )
    second = Audit.objects.get(revision_of=first)
    second = audit_flows.audit_submit(
        audit=second,
        actor=auditor,
        version=second.version,
        content=complete_content(second.tool),
    )
    return Audit.objects.get(pk=first.pk), second, moderation


def test_returned_revision_is_hidden_from_moderators_while_the_next_is_moderated_blind(
    returned_and_resubmitted,
):
    first, second, returned = returned_and_resubmitted
    other = _client(UserFactory(roles=["moderator"], team=None))
    assert other.get(f"/audits/{first.pk}/").status_code == 404
    assert other.get(f"/api/audits/{first.pk}/").status_code == 404
    assert other.get(f"/api/audits/{second.pk}/").status_code == 404
    listed = {row["id"] for row in other.get("/api/audits/?page_size=100").json()["results"]}
    assert not listed & {first.pk, second.pk}
    # The returned moderation of revision 1 is still readable, but not the auditor's grades.
    body = other.get(f"/api/moderations/{returned.pk}/").json()
    assert body["auditor_grades_hidden"] is True
    assert body["overall_comparison"]["auditor_overall"] is None
    assert all(g["auditor_grade"] is None and g["auditor_evidence"] is None for g in body["grades"])
    page = other.get(f"/moderation/{returned.pk}/").content.decode()
    assert "Evidence for" not in page


@pytest.fixture
def dual(team):
    """A team manager who is also a QA officer: auditor and moderator in one person."""
    return UserFactory(username="dual_role", team=team, roles=["auditor", "moderator"])


@pytest.fixture
def colleague_blind(same_team_auditor, team, qa_lead, dual, blind_programme):
    """A colleague's escalated audit with an action, claimed blind by the dual-role person."""
    audit = AuditFactory(
        auditor=same_team_auditor, case__team=team, programme=blind_programme, month=BLIND_MONTH
    )
    content = complete_content(audit.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "Not seen for months."
    audit = audit_flows.audit_submit(
        audit=audit, actor=same_team_auditor, version=audit.version, content=content
    )
    action = action_create(
        audit=audit,
        actor=same_team_auditor,
        description="Visit this week.",
        owner="Social worker",
        due_date=dt.date(2026, 12, 1),
    )
    moderation = moderation_claim(actor=dual, moderation=sampled_moderation(audit, qa_lead))
    return audit, action, moderation, audit.escalations.get()


def test_a_team_manager_who_moderates_reads_nothing_of_a_colleagues_blind_audit(
    dual, colleague_blind
):
    audit, action, moderation, escalation = colleague_blind
    client = _client(dual)
    for url in (
        f"/audits/{audit.pk}/",
        f"/api/audits/{audit.pk}/",
        f"/audits/{audit.pk}/history/",
        f"/api/actions/{action.pk}/",
        f"/escalations/{escalation.pk}/",
        f"/api/escalations/{escalation.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url, key in (
        ("/api/audits/?page_size=100", audit.pk),
        ("/api/actions/?page_size=100", action.pk),
        ("/api/escalations/?page_size=100", escalation.pk),
    ):
        assert key not in {row["id"] for row in client.get(url).json()["results"]}, url
    assert "Visit this week." not in client.get("/actions/").content.decode()
    assert "Not seen for months." not in client.get("/escalations/").content.decode()
    assert "Not seen for months." not in client.get("/feedback/").content.decode()
    body = client.get(f"/api/moderations/{moderation.pk}/").json()
    assert body["overall_comparison"]["auditor_overall"] is None
    # Once revealed, the audit is theirs to read like any colleague's.
    moderation = Moderation.objects.get(pk=moderation.pk)
    moderation_reveal(
        actor=dual,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(audit.tool, grade="I", overall="I"),
    )
    assert client.get(f"/audits/{audit.pk}/").status_code == 200
    assert client.get(f"/api/escalations/{escalation.pk}/").status_code == 200


def _states(auditor, team, qa_lead, moderator, blind_programme):
    """A moderation in every state the rule can see, blind and not."""
    plain = ProgrammeFactory(month=dt.date(2026, 8, 1), blind_moderation=False)
    made = []
    for programme in (blind_programme, plain):

        def audit(programme=programme):
            return submitted_audit(
                auditor=auditor, case__team=team, programme=programme, month=programme.month
            )

        made.append(sampled_moderation(audit(), qa_lead))
        made.append(
            moderation_claim(actor=moderator, moderation=sampled_moderation(audit(), qa_lead))
        )
        claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit(), qa_lead))
        if claimed.blind:
            claimed = moderation_reveal(
                actor=moderator,
                moderation=claimed,
                version=claimed.version,
                content=moderation_content(claimed.audit.tool),
            )
        made.append(claimed)
        done = moderation_claim(actor=moderator, moderation=sampled_moderation(audit(), qa_lead))
        if done.blind:
            done = moderation_reveal(
                actor=moderator,
                moderation=done,
                version=done.version,
                content=moderation_content(done.audit.tool),
            )
        made.append(
            moderation_flows.moderation_complete(
                actor=moderator,
                moderation=done,
                version=done.version,
                content=moderation_content(done.audit.tool),
            )
        )
    # Claimed before the programme was made blind: stays as claimed (not blind).
    switched = ProgrammeFactory(month=dt.date(2026, 7, 1), blind_moderation=False)
    late = moderation_claim(
        actor=moderator,
        moderation=sampled_moderation(
            submitted_audit(
                auditor=auditor, case__team=team, programme=switched, month=switched.month
            ),
            qa_lead,
        ),
    )
    waiting_late = sampled_moderation(
        submitted_audit(auditor=auditor, case__team=team, programme=switched, month=switched.month),
        qa_lead,
    )
    switched.blind_moderation = True
    switched.save()
    made += [late, waiting_late]
    return made


def test_the_per_object_answer_agrees_with_the_queryset_rule(
    auditor, team, qa_lead, moderator, blind_programme
):
    made = _states(auditor, team, qa_lead, moderator, blind_programme)
    pending_audits = set(blind_pending_audits().values_list("pk", flat=True))
    pending_moderations = set(
        Moderation.objects.filter(blind_pending_moderations()).values_list("pk", flat=True)
    )
    answers = {}
    for moderation in made:
        fresh = Moderation.objects.get(pk=moderation.pk)
        answers[fresh.pk] = fresh.auditor_grades_hidden()
        assert answers[fresh.pk] == (fresh.audit_id in pending_audits), fresh
        assert answers[fresh.pk] == (fresh.pk in pending_moderations), fresh
    # Blind programme: waiting and claimed hidden, revealed and completed not; the plain one
    # never; switched on after a claim: only the moderation not yet claimed becomes blind.
    assert list(answers.values()) == [True, True, False, False] + [False] * 4 + [False, True]
