"""Feature 6: the QA lead's overview of feedback not yet acknowledged (who gave it, to whom,
since when, which audit; by team or person; a count) and the access log by person between
dates; nobody else opens either."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditRead
from core.services.access_log import audit_read_record
from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from moderation.services.moderating import moderation_acknowledge
from tests.factories import (
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


def _completed(audit, qa_lead, moderator):
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    return moderation_flows.moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(audit.tool),
    )


@pytest.fixture
def feedback(qa_lead, moderator, auditor, other_team_auditor, team, other_team):
    """Three completed moderations: two of the auditor's (one acknowledged), one of another
    team's auditor."""
    mine = [submitted_audit(auditor=auditor, case__team=team) for _ in range(2)]
    theirs = submitted_audit(auditor=other_team_auditor, case__team=other_team)
    done = [_completed(audit, qa_lead, moderator) for audit in [*mine, theirs]]
    moderation_acknowledge(actor=auditor, moderation=done[1])
    return {"waiting_mine": done[0], "acknowledged": done[1], "waiting_theirs": done[2]}


def _rows(response) -> str:
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_the_overview_lists_what_waits_with_who_to_whom_and_since_when(
    qa_lead, moderator, auditor, feedback
):
    text = _rows(_client(qa_lead).get(reverse("moderation:feedback_overview")))
    waiting = [feedback["waiting_mine"], feedback["waiting_theirs"]]
    assert "2 pieces of feedback waiting" in text
    for moderation in waiting:
        assert reverse("moderation:detail", args=[moderation.pk]) in text
        assert moderation.audit.case.reference in text
    assert feedback["acknowledged"].audit.case.reference not in text
    assert (moderator.get_full_name() or moderator.username) in text
    assert (auditor.get_full_name() or auditor.username) in text
    assert timezone.localtime(waiting[0].completed_at).strftime("%-d %b %Y") in text


def test_the_overview_filters_by_team_and_by_person(
    qa_lead, moderator, other_team_auditor, team, feedback
):
    client = _client(qa_lead)
    by_team = _rows(client.get(reverse("moderation:feedback_overview"), {"team": team.pk}))
    assert "1 piece of feedback waiting" in by_team
    assert feedback["waiting_mine"].audit.case.reference in by_team
    assert feedback["waiting_theirs"].audit.case.reference not in by_team
    by_person = _rows(
        client.get(reverse("moderation:feedback_overview"), {"person": other_team_auditor.pk})
    )
    assert feedback["waiting_theirs"].audit.case.reference in by_person
    assert feedback["waiting_mine"].audit.case.reference not in by_person
    by_moderator = _rows(
        client.get(reverse("moderation:feedback_overview"), {"person": moderator.pk})
    )
    assert "2 pieces of feedback waiting" in by_moderator
    bad = client.get(reverse("moderation:feedback_overview"), {"team": "999999"})
    assert bad.status_code == 400 and "Choose a team from the list." in bad.content.decode()


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_only_a_qa_lead_sees_the_overview_and_the_access_log_by_person(request, who, feedback):
    user = request.getfixturevalue(who)
    client = _client(user)
    refused = client.get(reverse("moderation:feedback_overview"))
    assert refused.status_code == 403
    assert feedback["waiting_theirs"].audit.case.reference not in refused.content.decode()
    assert client.get(reverse("person_access"), {"person": user.pk}).status_code == 403


def test_the_access_log_by_person_lists_what_they_read_between_dates(
    qa_lead, moderator, auditor, submitted
):
    audit_read_record(user=moderator, audit=submitted, channel="page", what="audit")
    audit_read_record(user=auditor, audit=submitted, channel="api", what="audit")
    audit_read_record(user=moderator, channel="page", what="audit list", scope={"month": "2026-10"})
    old = audit_read_record(user=moderator, audit=submitted, channel="api", what="moderation")
    long_ago = timezone.now() - dt.timedelta(days=40)
    AuditRead.objects.filter(pk=old[0].pk).update(read_at=long_ago)
    client = _client(qa_lead)
    text = _rows(client.get(reverse("person_access"), {"person": moderator.pk}))
    assert "3 reads and exports" in text
    assert submitted.case.reference in text and "Export: audit list (month 2026-10)" in text
    since = (timezone.localdate() - dt.timedelta(days=7)).strftime("%d/%m/%Y")
    recent = _rows(client.get(reverse("person_access"), {"person": moderator.pk, "since": since}))
    assert "2 reads and exports" in recent
    until = (timezone.localdate() - dt.timedelta(days=30)).strftime("%d/%m/%Y")
    older = _rows(client.get(reverse("person_access"), {"person": moderator.pk, "until": until}))
    assert "1 read and export" in older and "The moderation of the" in older


def test_the_access_log_by_person_names_each_wrong_answer(qa_lead):
    response = _client(qa_lead).get(
        reverse("person_access"), {"person": "", "since": "31/02/2026", "until": "1/1/2020"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#id_person"' in text and "Choose a person." in text
    assert 'href="#id_since"' in text and "Enter the start date as a real date" in text


def test_someone_who_left_is_still_in_the_access_log_by_person(qa_lead, submitted):
    gone = UserFactory(username="gone", roles=["moderator"], is_active=False)
    audit_read_record(user=gone, audit=submitted, channel="page", what="audit")
    text = _rows(_client(qa_lead).get(reverse("person_access"), {"person": gone.pk}))
    assert "(left)" in text and submitted.case.reference in text


def test_the_qa_leads_inbox_links_the_overviews(qa_lead, auditor):
    text = _rows(_client(qa_lead).get(reverse("inbox")))
    for name in ("moderation:feedback_overview", "reassign", "person_access"):
        assert reverse(name) in text
    assert reverse("moderation:feedback_overview") not in _rows(
        _client(auditor).get(reverse("inbox"))
    )
