"""A team manager's home page (/): what waits for them and how their team is doing this
month, every count opening the audits behind it; everyone else starts on the audit list.
The header offers a team manager what they may open, and nothing they may not."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import AuditFactory, ProgrammeFactory, UserFactory, submitted_audit
from tests.reporting.test_pages import drill_links, listed

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)


@pytest.fixture
def month(auditor, same_team_auditor, other_team_auditor, team, other_team):
    ProgrammeFactory(month=MONTH)
    AuditFactory(auditor=auditor, case__team=team, month=MONTH, case__reference="LCS-MINE")
    submitted_audit(auditor=auditor, case__team=team, month=MONTH, overall="G")
    submitted_audit(auditor=same_team_auditor, case__team=team, month=MONTH, overall="RI")
    submitted_audit(auditor=other_team_auditor, case__team=other_team, month=MONTH, overall="I")
    return MONTH


def test_a_team_managers_home_shows_what_waits_and_their_teams_month(client, auditor, month):
    client.force_login(auditor)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "What waits for you" in html
    assert f'href="{reverse("inbox")}#inbox-audits"' in html
    assert "How your team is doing: October 2026" in html
    figures = response.context["team_month"]
    assert figures["returned"].n == 2  # the team's two, not the other team's
    assert figures["targeted"].n == 3
    assert "Inadequate" in html  # the row's name, with a count of 0
    links = drill_links(html)
    assert links
    for href, figure in links:
        assert listed(client, href) == figure, href
    assert f"{reverse('reports:monthly')}?month=2026-10" in html


def test_an_auditor_with_no_team_gets_their_work_without_team_figures(client, db):
    loner = UserFactory(username="loner", team=None, roles=["auditor"])
    AuditFactory(auditor=loner, case__reference="LCS-LONE")
    client.force_login(loner)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["team_month"] is None
    assert "Audits to complete" in response.content.decode()


@pytest.mark.parametrize("role", ["moderator", "qa_lead", "viewer"])
def test_everyone_else_starts_on_the_audit_list(client, role, request):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("audit_list")


def test_the_header_offers_a_team_manager_what_they_may_open(client, auditor, month):
    client.force_login(auditor)
    response = client.get(reverse("home"))
    nav = {item["text"].split(" (")[0]: item["href"] for item in response.context["nav"]}
    assert nav["Reports"] == reverse("reports:monthly")
    assert nav["Inbox"] == reverse("inbox")
    assert "Import" not in nav and "Moderation" not in nav and "Access log" not in nav
    for href in nav.values():
        assert client.get(href).status_code == 200, href
