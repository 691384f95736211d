"""Finding 1: while a blind moderation hides the auditor's grades, the reason the audit was
sampled must not name them ("The auditor judged it Good."), on any page or API answer, to
anyone who may moderate; a QA lead who does not moderate reads the real reason."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from moderation import sampling
from moderation.models import Moderation
from tests.factories import ProgrammeFactory, UserFactory, submitted_audit

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 9, 1)


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def drawn(auditor, team, qa_lead):
    programme = ProgrammeFactory(month=MONTH, blind_moderation=True)
    submitted_audit(auditor=auditor, case__team=team, programme=programme, month=MONTH)
    sampling.sample_draw(
        actor=qa_lead, programme=programme, rules=sampling.SampleRules(target=1), seed=1
    )
    moderation = Moderation.objects.get(audit__programme=programme)
    assert moderation.selection == Moderation.Selection.RULE_GOOD
    assert moderation.selection_note == "The auditor judged it Good."
    return programme, moderation


def _routes(programme, moderation):
    return (
        "/moderation/",
        f"/moderation/programmes/{programme.pk}/sample/",
        f"/moderation/{moderation.pk}/",
        "/api/moderations/",
        f"/api/moderations/{moderation.pk}/",
        f"/api/programmes/{programme.pk}/sample/",
    )


def test_a_moderator_reads_a_neutral_reason_while_the_grades_are_hidden(drawn, moderator, team):
    programme, moderation = drawn
    dual_lead = UserFactory(username="lead_who_moderates", roles=["qa_lead", "moderator"])
    for user in (moderator, dual_lead):
        client = _client(user)
        for url in _routes(programme, moderation):
            body = client.get(url).content.decode()
            assert "judged it" not in body, (user, url)
            assert "rule_good" not in body and "Rule: every" not in body, (user, url)
            assert "Chosen for the moderation sample" in body, (user, url)
        detail = client.get(f"/api/moderations/{moderation.pk}/").json()
        assert (detail["selection"], detail["selection_note"]) == (
            "sample",
            "Chosen for the moderation sample.",
        )
        by_rule = client.get("/api/moderations/?selection=rule_good").json()["results"]
        assert by_rule == []
        neutral = client.get("/api/moderations/?selection=sample").json()["results"]
        assert [row["id"] for row in neutral] == [moderation.pk]


def test_a_qa_lead_who_does_not_moderate_reads_the_real_reason(drawn, qa_lead):
    programme, moderation = drawn
    client = _client(qa_lead)
    page = client.get(f"/moderation/programmes/{programme.pk}/sample/").content.decode()
    assert "The auditor judged it Good." in page
    detail = client.get(f"/api/moderations/{moderation.pk}/").json()
    assert detail["selection"] == "rule_good"


def test_the_real_reason_is_shown_once_the_moderator_has_revealed(drawn, moderator):
    from moderation.services.claims import moderation_claim
    from moderation.services.moderating import moderation_reveal
    from tests.factories import moderation_content

    programme, moderation = drawn
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    moderation_reveal(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(claimed.audit.tool),
    )
    detail = _client(moderator).get(f"/api/moderations/{moderation.pk}/").json()
    assert detail["selection_note"] == "The auditor judged it Good."
