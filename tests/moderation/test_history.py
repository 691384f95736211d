"""The change history page lists every grade change, auditor's and moderator's, with author."""

import pytest

from flows.moderation import moderation_complete
from moderation.services.claims import moderation_claim
from tests.factories import moderation_content


@pytest.fixture
def moderated(moderation, moderator):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(claimed.audit.tool, grade="G")
    content.grades["plan"] = ("RI", "No contingency plan.", "")
    return moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )


def test_qa_lead_reads_every_grade_change_with_its_author(client, qa_lead, moderated, auditor):
    moderated.moderator.first_name, moderated.moderator.last_name = "Mo", "Derator"
    moderated.moderator.save()
    client.force_login(qa_lead)
    response = client.get(f"/audits/{moderated.audit_id}/history/")
    assert response.status_code == 200
    changes = response.context["changes"]
    plan_changes = [c for c in changes if c.what == "Plan (and permanence planning)"]
    assert [(c.record, c.who, c.before, c.after) for c in plan_changes] == [
        ("Auditor", auditor.username, "–", "Good"),
        ("Moderator", "Mo Derator", "–", "Requires improvement to be good"),
    ]
    assert any(c.what == "Moderation status" and c.after == "Completed" for c in changes)
    assert b"Change history" in response.content


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_only_qa_leads_read_the_change_history(client, request, who, moderated):
    client.force_login(request.getfixturevalue(who))
    assert client.get(f"/audits/{moderated.audit_id}/history/").status_code == 403


def test_history_of_an_unreadable_audit_is_not_found(client, other_team_auditor, moderated):
    client.force_login(other_team_auditor)
    assert client.get(f"/audits/{moderated.audit_id}/history/").status_code == 404
