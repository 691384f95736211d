"""The service's own 403, 404 and 500 pages: in its layout, saying what happened in words,
never Django's bare "Not Found" (settings_test runs with DEBUG off, as production does)."""

from django.test import RequestFactory
from django.views.defaults import server_error

from tests.factories import UserFactory


def test_an_unknown_address_is_a_page_not_found_in_the_services_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "<title>Page not found – Case file audit</title>" in text
    assert 'class="govuk-heading-l">Page not found</h1>' in text
    assert "Resolver404" not in text


def test_an_audit_you_may_not_read_says_so_in_words(client, auditor, other_team_auditor):
    from tests.factories import AuditFactory

    theirs = AuditFactory(auditor=other_team_auditor, case__team=other_team_auditor.team)
    client.force_login(auditor)
    response = client.get(f"/audits/{theirs.pk}/")
    assert response.status_code == 404
    assert "No such audit." in response.content.decode()
    assert "Signed in as auditor" in response.content.decode()  # the header, as on every page


def test_a_refusal_is_a_page_that_gives_the_reason(client, db):
    from tests.factories import TeamFactory

    client.force_login(UserFactory(username="team_manager", roles=["auditor"]))
    response = client.get("/reports/monthly/", {"team": TeamFactory().pk})
    assert response.status_code == 403
    text = response.content.decode()
    assert "<title>You cannot do this – Case file audit</title>" in text
    assert "As a team manager you can read your own team&#x27;s reports only." in text


def test_a_server_error_is_a_page_in_the_services_layout(db):
    response = server_error(RequestFactory().get("/audits/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Sorry, there is a problem with the service" in text
    assert "govuk-template" in text


def test_the_api_still_answers_in_json(client, db):
    response = client.get("/api/no-such-collection/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_moderator_opening_a_blind_audit_is_told_why_it_is_hidden(client, api_client, db):
    """Issue 12, snag 13: "No such audit." for an audit in the moderator's own queue."""
    from moderation.services.claims import moderation_claim
    from tests.factories import ProgrammeFactory, sampled_moderation, submitted_audit

    blind = ProgrammeFactory(blind_moderation=True)
    audit = submitted_audit(programme=blind)
    moderator = UserFactory(username="qa_officer", roles=["moderator"])
    moderation_claim(actor=moderator, moderation=sampled_moderation(audit))
    client.force_login(moderator)
    page = client.get(f"/audits/{audit.pk}/")
    assert page.status_code == 404
    assert "hidden from you while it waits for blind moderation" in page.content.decode()
    api_client.force_authenticate(moderator)
    answer = api_client.get(f"/api/audits/{audit.pk}/")
    assert answer.status_code == 404
    assert "blind moderation" in answer.json()["detail"]
    # Someone who could not read it anyway is told nothing more than before.
    outsider = UserFactory(username="other_manager", roles=["auditor"])
    client.force_login(outsider)
    assert "No such audit." in client.get(f"/audits/{audit.pk}/").content.decode()
