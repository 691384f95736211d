"""Team managers' own figures: an auditor (a team manager) reads their own team's monthly
report, trends and re-audits, forced to their team; another team or a service area is 403.
Moderation figures count only the moderations they may read (their own audits', those of
people they line-manage), so a colleague's outcome is not given away; every linked figure
opens exactly that many of their team's audits."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from reporting.selectors.calibration import calibration_for_user
from reporting.selectors.monthly import monthly_report_for_user
from reporting.selectors.trend import trend_for_user
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)
from tests.reporting.test_pages import drill_links, links_of, listed

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 10, 1)


def _moderate(audit, qa_lead, moderator, overall):
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    content = moderation_content(audit.tool, grade=overall, overall=overall)
    moderation_flows.moderation_complete(
        actor=moderator, moderation=moderation, version=moderation.version, content=content
    )


@pytest.fixture
def month(auditor, same_team_auditor, other_team_auditor, team, other_team, qa_lead, moderator):
    ProgrammeFactory(month=MONTH)
    own = submitted_audit(auditor=auditor, case__team=team, month=MONTH, overall="G")
    _moderate(own, qa_lead, moderator, "RI")
    colleagues = submitted_audit(
        auditor=same_team_auditor, case__team=team, month=MONTH, overall="G"
    )
    _moderate(colleagues, qa_lead, moderator, "I")
    submitted_audit(auditor=same_team_auditor, case__team=team, month=MONTH, overall="RI")
    AuditFactory(auditor=same_team_auditor, case__team=team, month=MONTH)  # a colleague's draft
    submitted_audit(auditor=other_team_auditor, case__team=other_team, month=MONTH, overall="O")
    return MONTH


def test_a_team_managers_report_is_their_own_teams_with_their_own_moderations(
    auditor, qa_lead, team, month
):
    mine = monthly_report_for_user(user=auditor, filters={"month": "2026-10"})
    assert mine["filters"]["team"] == team.pk and mine["filters"]["team_manager"] is True
    assert mine["audits"]["returned"] == 3  # the team's, the colleague's too
    assert mine["audits"]["overall"]["G"]["n"] == 2 and mine["audits"]["overall"]["O"]["n"] == 0
    assert mine["audits"]["target"] == 4  # assigned, the colleague's draft counted
    # Only their own audit's moderation: the colleague's Inadequate is not counted.
    assert mine["moderations"]["completed"] == 1
    assert mine["moderations"]["after"]["RI"]["n"] == 1
    assert mine["moderations"]["after"]["I"]["n"] == 0
    lead = monthly_report_for_user(user=qa_lead, filters={"month": "2026-10", "team": team.pk})
    assert lead["filters"]["team_manager"] is False
    assert lead["audits"]["returned"] == 3
    assert lead["moderations"]["completed"] == 2
    assert lead["moderations"]["after"]["I"]["n"] == 1


def test_a_line_manager_counts_the_moderations_of_the_people_they_manage(
    auditor, same_team_auditor, team, month
):
    same_team_auditor.line_manager = auditor
    same_team_auditor.save()
    mine = monthly_report_for_user(user=auditor, filters={"month": "2026-10"})
    assert mine["moderations"]["completed"] == 2


def test_another_team_or_area_is_refused(client, auditor, other_team, other_area, team, month):
    client.force_login(auditor)
    url = reverse("reports:monthly")
    assert client.get(url, {"month": "2026-10", "team": other_team.pk}).status_code == 403
    refused = client.get(url, {"month": "2026-10", "service_area": other_area.pk})
    assert refused.status_code == 403
    assert "your own team" in refused.content.decode()
    own = client.get(
        url, {"month": "2026-10", "team": team.pk, "service_area": team.service_area_id}
    )
    assert own.status_code == 200
    for name in ("reports:trends", "reports:reaudits"):
        assert client.get(reverse(name), {"team": other_team.pk}).status_code == 403
        assert client.get(reverse(name)).status_code == 200
    # Calibration: their own team's; published snapshots are authority-wide: not theirs.
    assert client.get(reverse("reports:calibration"), {"team": other_team.pk}).status_code == 403
    assert client.get(reverse("reports:calibration")).status_code == 200
    assert client.get(reverse("reports:snapshots")).status_code == 403


def test_the_api_forces_the_team_and_refuses_another(api_client, auditor, other_team, team, month):
    api_client.force_login(auditor)
    response = api_client.get("/api/reports/monthly/", {"month": "2026-10"})
    assert response.status_code == 200
    assert response.json()["filters"]["team"] == team.pk
    assert response.json()["moderations"]["completed"] == 1
    other = api_client.get("/api/reports/monthly/", {"month": "2026-10", "team": other_team.pk})
    assert other.status_code == 403


def test_an_auditor_with_no_team_reads_no_reports(client, db):
    loner = UserFactory(username="loner", team=None, roles=["auditor"])
    client.force_login(loner)
    assert client.get(reverse("reports:monthly")).status_code == 403


def test_every_linked_figure_opens_exactly_that_many_of_the_teams_audits(client, auditor, month):
    client.force_login(auditor)
    response = client.get(reverse("reports:monthly"), {"month": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="team-manager"' in html
    links = drill_links(html)
    assert len(links) > 10
    for href, figure in links:
        assert listed(client, href) == figure, href
    # The audits assigned count a colleague's draft: a figure, not a link to a list.
    assert not [h for h, _ in links if "current=yes" in h and "status" not in h]


def test_the_page_offers_only_their_team_and_the_reports_they_may_open(
    client, auditor, team, month
):
    client.force_login(auditor)
    response = client.get(reverse("reports:monthly"), {"month": "2026-10"})
    form = response.context["form"]
    assert list(form.fields["team"].queryset) == [team]
    assert list(form.fields["service_area"].queryset) == [team.service_area]
    hrefs = {urlsplit(h).path for h, _ in links_of(response.content.decode())}
    assert reverse("reports:snapshots") not in hrefs
    assert reverse("reports:trends") in hrefs


def test_the_trend_counts_only_the_moderations_they_may_read(auditor, qa_lead, team, month):
    filters = {"month_from": "2026-10", "month_to": "2026-10"}
    mine = trend_for_user(user=auditor, filters=filters)["months"][0]
    lead = trend_for_user(user=qa_lead, filters={**filters, "team": team.pk})["months"][0]
    assert mine["before"] == lead["before"]
    assert mine["moderated"] == 1 and lead["moderated"] == 2
    assert mine["after"]["I"]["n"] == 0 and lead["after"]["I"]["n"] == 1
    assert mine["after"]["RI"]["n"] == lead["after"]["RI"]["n"] == 1
    # Per domain too: the colleague's moderated domain grades (all I) are left out.
    assert mine["domains"] and len(mine["domains"]) == len(lead["domains"])
    for own_domain, team_domain in zip(mine["domains"], lead["domains"], strict=True):
        assert own_domain["all"] == team_domain["all"]
        assert (own_domain["moderated"], team_domain["moderated"]) == (1, 2)
        assert own_domain["moderated_after"]["I"]["n"] == 0
        assert team_domain["moderated_after"]["I"]["n"] == 1


def test_the_trend_page_links_open_the_teams_audits(client, auditor, month):
    client.force_login(auditor)
    response = client.get(reverse("reports:trends"), {"month_to": "2026-10"})
    assert response.status_code == 200
    for href, figure in drill_links(response.content.decode()):
        query = parse_qs(urlsplit(href).query)
        assert "service_area" not in query or query.get("team")
        assert listed(client, href) == figure, href
    assert re.search(r'id="team-manager"', response.content.decode())


def test_a_team_managers_calibration_over_time_is_their_teams_and_the_moderations_they_read(
    client, auditor, same_team_auditor, qa_lead, team, month
):
    """Issue 12 feature 5: calibration month by month, scoped as their other reports."""
    filters = {"month_from": "2026-09", "month_to": "2026-10"}
    mine = calibration_for_user(user=auditor, filters=filters)["by_month"]
    assert [t["team"]["id"] for t in mine["teams"]] == [team.pk]
    assert [a["auditor"]["username"] for a in mine["auditors"]] == [auditor.username]
    assert mine["auditors"][0]["months"][1] == {
        "month": "2026-10",
        "moderated": 1,
        "agreed": 0,
        "agreement_pct": 0.0,
    }
    lead = calibration_for_user(user=qa_lead, filters={**filters, "team": team.pk})["by_month"]
    assert {a["auditor"]["username"] for a in lead["auditors"]} == {
        auditor.username,
        same_team_auditor.username,
    }
    assert lead["teams"][0]["total"]["moderated"] == 2
    client.force_login(auditor)
    response = client.get(reverse("reports:calibration"), filters)
    html = response.content.decode()
    assert same_team_auditor.username not in html
    for href, figure in drill_links(html):
        assert listed(client, href) == figure, href
