"""Finding 6: a team auditor may not read a colleague's moderation (404), so no filter of the
audit list, and no escalation route, may tell them its outcome; the escalation list page and
API show the same rows."""

import pytest
from rest_framework.test import APIClient

from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from tests.factories import moderation_content, sampled_moderation, submitted_audit

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def colleagues_moderated(same_team_auditor, team, qa_lead, moderator):
    """A colleague's Good audit, moderated to Inadequate with the moderator's escalation."""
    audit = submitted_audit(auditor=same_team_auditor, case__team=team)
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    content = moderation_content(
        audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Drift for months."
    )
    moderation = moderation_flows.moderation_complete(
        actor=moderator, moderation=moderation, version=moderation.version, content=content
    )
    return audit, moderation, audit.escalations.get()


@pytest.fixture
def colleagues_waiting(same_team_auditor, team, qa_lead):
    audit = submitted_audit(auditor=same_team_auditor, case__team=team)
    sampled_moderation(audit, qa_lead)
    return audit


def _ids(client, query: str) -> set[int]:
    return {row["id"] for row in client.get(f"/api/audits/?{query}").json()["results"]}


def test_filtering_the_audit_list_does_not_reveal_a_colleagues_moderation(
    auditor, colleagues_moderated, colleagues_waiting
):
    audit, moderation, _ = colleagues_moderated
    client = _client(auditor)
    assert client.get(f"/api/moderations/{moderation.pk}/").status_code == 404
    assert {audit.pk, colleagues_waiting.pk} <= _ids(client, "")  # the team's audits are read
    domain = audit.tool.domains.first()
    domain_key = f"{audit.tool.code}:{domain.code}"
    for query in (
        "moderated=yes",
        "moderated_overall=I",
        "moderated_escalated=yes",
        "moderation_change=downgraded",
        f"domain={domain_key}&moderation_change=downgraded",
        f"domain={domain_key}&moderated_domain_grade=I",
        f"domain={domain_key}&moderated=yes",
        "sampled=yes",
    ):
        seen = _ids(client, query)
        assert audit.pk not in seen and colleagues_waiting.pk not in seen, query
    # The opposite filters leave nothing out either: they cannot be subtracted.
    for query in ("moderated=no", "sampled=no"):
        assert {audit.pk, colleagues_waiting.pk} <= _ids(client, query), query
    page = client.get("/audits/?moderated_overall=I").content.decode()
    assert audit.case.reference not in page


def test_the_auditor_still_filters_their_own_moderated_audits(auditor, team, qa_lead, moderator):
    own = submitted_audit(auditor=auditor, case__team=team)
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(own, qa_lead))
    moderation_flows.moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(own.tool, grade="RI", overall="RI"),
    )
    assert _ids(_client(auditor), "moderated_overall=RI") == {own.pk}


def test_a_moderators_escalation_is_read_with_its_moderation_not_with_the_audit(
    auditor, same_team_auditor, viewer, moderator, colleagues_moderated
):
    audit, moderation, escalation = colleagues_moderated
    team_auditor = _client(auditor)
    assert team_auditor.get(f"/api/escalations/{escalation.pk}/").status_code == 404
    assert team_auditor.get(f"/escalations/{escalation.pk}/").status_code == 404
    assert "Drift for months." not in team_auditor.get("/api/escalations/").content.decode()
    # Whoever may read the moderation reads its escalation.
    for user in (same_team_auditor, viewer, moderator):
        assert _client(user).get(f"/api/escalations/{escalation.pk}/").status_code == 200
        assert _client(user).get(f"/escalations/{escalation.pk}/").status_code == 200


def test_the_escalation_list_page_and_api_show_the_same_rows(
    auditor, same_team_auditor, viewer, moderator, qa_lead, colleagues_moderated
):
    _, _, escalation = colleagues_moderated
    for user in (auditor, same_team_auditor, viewer, moderator, qa_lead):
        client = _client(user)
        api = {row["id"] for row in client.get("/api/escalations/").json()["results"]}
        page = client.get("/escalations/")
        assert page.status_code == 200, user
        on_page = f'href="/escalations/{escalation.pk}/"' in page.content.decode()
        assert on_page == (escalation.pk in api), user
