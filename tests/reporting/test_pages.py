"""The report pages over the hand-counted March 2019 scenario of test_monthly.py.

The drill-down test follows every count link on the page to the audit list and checks that
the list holds exactly as many audits as the figure the link sits on.
"""

import csv
import io
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import UserFactory
from tests.reporting.test_monthly import Builder, build

URL = "/reports/monthly/"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        b = Builder()
        build(b)
        yield b
        transaction.set_rollback(True)


class Links(HTMLParser):
    """Every <a href> inside <main> with its text; and the page's <h1>."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def links_of(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


def drill_links(html: str) -> list[tuple[str, int]]:
    return [
        (href.replace("&amp;", "&"), int(text))
        for href, text in links_of(html)
        if href.startswith("/audits/?") and text.isdigit()
    ]


def listed(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    match = re.search(r'role="status"[^>]*>(\d+) audits?[:<]', response.content.decode())
    assert match, href
    return int(match.group(1))


# ---------------------------------------------------------------- rendering


def test_qa_lead_reads_the_march_report(data, client):
    client.force_login(data.qa_lead)
    response = client.get(URL, {"month": "2019-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">March 2019</h1>' in html
    assert "February 2019 (previous month)" in html
    tables = response.context["tables"]
    returned = tables["headline"].row("returned")
    assert returned.label == "Audits returned"
    previous = tables["previous_month"].row("returned")
    assert (returned["count"].n, previous["count"].n) == (51, 8)
    assert tables["compliance"].row("current")["moderations_completed"].pct == 115.4
    assert "115.4%" in html
    # The heat map: the largest cell (G -> G and RI -> RI, 7 each) is the darkest shade.
    matrix = response.context["page"]["matrix"]
    grades = ["O", "G", "RI", "I"]
    cells = {
        (grade, after): (tables["transitions"].row(grade)[after].n, row.cells[i].css)
        for grade, row in zip(grades, matrix.rows, strict=False)
        for i, after in enumerate(grades)
    }
    assert cells[("G", "G")] == (7, " app-heat heat-5 app-heat--same")
    assert cells[("O", "I")] == (0, " app-heat heat-0")
    assert cells[("I", "RI")][1] == " app-heat heat-1"
    assert (
        'class="govuk-table__cell govuk-table__cell--numeric app-heat heat-5 app-heat--same"'
        in html
    )
    assert "0.566" in html and "over 30 pairs" in html
    # N/A is its own column in the domain tables.
    assert ">N/A</th>" in html
    assert "style=" not in html  # no inline styles: a CSP will forbid them


def test_the_default_month_is_the_latest_with_a_programme(data, client):
    client.force_login(data.qa_lead)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["report"]["month"] == "2019-03"


@pytest.mark.parametrize("role", ["moderator", "viewer"])
def test_moderators_and_heads_of_service_read_the_report(data, client, role):
    user = UserFactory(username=f"pages_{role}", team=None, roles=[role])
    if role == "viewer":
        user.service_areas.add(data.area_a)
    client.force_login(user)
    response = client.get(URL, {"month": "2019-03"})
    assert response.status_code == 200
    returned = response.context["report"]["audits"]["returned"]
    assert returned == (51 if role == "moderator" else 30)
    nav = [item["text"] for item in response.context["nav"]]
    assert "Reports" in nav


def test_a_head_of_service_may_not_read_another_area(data, client):
    viewer = UserFactory(username="pages_viewer_b", team=None, roles=["viewer"])
    viewer.service_areas.add(data.area_a)
    client.force_login(viewer)
    assert client.get(URL, {"month": "2019-03", "service_area": data.area_b.pk}).status_code == 403


def test_an_auditor_in_no_team_gets_403_even_with_bad_filters(data, client):
    client.force_login(UserFactory(username="teamless", team=None, roles=["auditor"]))
    assert client.get(URL, {"month": "2019-03"}).status_code == 403
    assert client.get(URL, {"month": "nonsense"}).status_code == 403
    assert client.get("/reports/trends/").status_code == 403
    nav = [item["text"] for item in client.get(reverse("my_audits")).context["nav"]]
    assert "Reports" not in nav


def test_a_team_manager_reads_their_own_teams_report_and_no_other(data, client):
    """An auditor in a team reads that team's report (tests/reporting/
    test_team_manager_reports.py has the figures); another team is refused."""
    client.force_login(data.auditors["A1"])
    response = client.get(URL, {"month": "2019-03"})
    assert response.status_code == 200
    assert response.context["report"]["filters"]["team"] == data.auditors["A1"].team_id
    assert client.get(URL, {"month": "2019-03", "team": data.teams["B1"].pk}).status_code == 403
    nav = [item["text"] for item in client.get(reverse("my_audits")).context["nav"]]
    assert "Reports" in nav


def test_anonymous_is_sent_to_sign_in(data, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2019-13"}, "Enter a month as YYYY-MM"),
        ({"month": "March"}, "Enter a month as YYYY-MM"),
        ({"month": "2019-03", "team": "999999"}, "Select a valid choice"),
        ({"month": "2019-03", "tool": "nope"}, "Select a valid choice"),
    ],
)
def test_bad_filters_show_an_error_summary_not_a_500(data, client, query, message):
    client.force_login(data.qa_lead)
    response = client.get(URL, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and "There is a problem" in html
    assert message in html
    assert "<title>Error: " in html


# ---------------------------------------------------------------- drill-down


def test_every_count_links_to_exactly_those_audits(data, client):
    client.force_login(data.qa_lead)
    response = client.get(URL, {"month": "2019-03"})
    links = drill_links(response.content.decode())
    # Headline (both months), compliance, both domain tables, before/after, the matrices...
    assert len(links) > 300
    checked = {}
    for href, figure in links:
        if href not in checked:
            checked[href] = listed(client, href)
        assert checked[href] == figure, (href, figure, checked[href])
    months = {parse_qs(urlsplit(href).query)["month"][0] for href, _ in links}
    assert months == {"2019-03", "2019-02"}


def test_by_area_rows_link_to_their_area_and_team(data, client):
    client.force_login(data.qa_lead)
    html = client.get(URL, {"month": "2019-03"}).content.decode()
    section = html[html.index('id="by-area"') :]
    assert "Report area A" in section and "Team: </span>A1" in section
    links = drill_links(section)
    teams = {parse_qs(urlsplit(href).query).get("team", [""])[0] for href, _ in links}
    assert str(data.teams["A1"].pk) in teams and str(data.teams["B1"].pk) in teams
    # Area A's returned audits (30, as counted in test_monthly) are one link away.
    area_a = data.area_a.pk
    returned = [
        figure
        for href, figure in links
        if parse_qs(urlsplit(href).query).get("service_area") == [str(area_a)]
        and "status=submitted" in href
        and "overall=" not in href
        and "escalated=" not in href
        and "moderated=" not in href
    ]
    assert returned == [30]


def test_drill_down_links_keep_the_filters_and_show_them(data, client):
    client.force_login(data.qa_lead)
    team = data.teams["B1"]
    response = client.get(URL, {"month": "2019-03", "team": team.pk, "tool": "case-file"})
    assert response.status_code == 200
    links = drill_links(response.content.decode())
    assert links
    for href, _figure in links:
        query = parse_qs(urlsplit(href).query)
        assert query["team"] == [str(team.pk)] and query["tool"] == ["case-file"]
    # The list shows the drill-down filters in its form, ready to change.
    href, figure = next(
        (h, f) for h, f in links if "moderation_change=downgraded" in h and "domain=" not in h
    )
    page = client.get(href)
    html = page.content.decode()
    assert f'id="list-description">{figure} audit' in html
    assert '<details class="govuk-details" open>' in html
    assert '<option value="downgraded" selected>' in html
    assert f'<option value="{team.pk}" selected>' in html


def test_audit_list_refuses_a_domain_grade_without_a_domain(data, client):
    client.force_login(data.qa_lead)
    response = client.get("/audits/", {"domain_grade": "G"})
    assert "Choose a domain to filter by its grade." in response.content.decode()


def test_the_page_costs_the_same_number_of_queries_with_more_data(data, client):
    client.force_login(data.qa_lead)
    client.get(URL, {"month": "2019-03"})  # warm the session
    with CaptureQueriesContext(connection) as first:
        client.get(URL, {"month": "2019-03"})
    # session, user, the two-factor device (accounts/two_factor.py), the form's choices (areas,
    # teams, tools), the report's own queries
    assert len(first) <= 17, [q["sql"] for q in first.captured_queries]
    data.moderated(2, "B1", "G", "I")
    data.unmoderated(3, "A2", "RI", review="NA")
    with CaptureQueriesContext(connection) as second:
        response = client.get(URL, {"month": "2019-03"})
    assert len(second) == len(first)
    assert response.context["report"]["audits"]["returned"] == 56


# ---------------------------------------------------------------- downloads, trends, calibration


def test_download_links_point_at_the_export_routes(data, client):
    client.force_login(data.qa_lead)
    html = client.get(URL, {"month": "2019-03"}).content.decode()
    hrefs = [href.replace("&amp;", "&") for href, _ in links_of(html)]
    assert "/reports/monthly/download.xlsx?month=2019-03" in hrefs
    assert "/reports/monthly/download.csv?month=2019-03&table=headline" in hrefs
    response = client.get("/reports/monthly/download.csv?month=2019-03&table=headline")
    assert response.status_code == 200


def test_trends_page_draws_charts_with_their_data_tables(data, client):
    client.force_login(data.qa_lead)
    response = client.get("/reports/trends/", {"month_from": "2019-01", "month_to": "2019-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="app-chart" role="img"') == 2
    assert 'aria-labelledby="chart-distribution-title chart-distribution-desc"' in html
    assert "No programme" in html  # January 2019 is a gap
    grades = response.context["tables"]["trend_grades"]
    assert grades.row("2019-01").label == "No programme"
    assert grades.row("2019-03")["audits"].n == 51
    assert "style=" not in html
    domain = client.get(
        "/reports/trends/",
        {"month_from": "2019-02", "month_to": "2019-03", "domain": "case-file:review"},
    )
    assert domain.status_code == 200
    review = domain.context["tables"]["trend_grades"].row("2019-03")
    assert review["NA"].n == 18
    for href, figure in drill_links(domain.content.decode()):
        assert listed(client, href) == figure, href


def test_range_pages_show_the_range_they_report_and_plain_empty_choices(data, client):
    client.force_login(data.qa_lead)
    for path in ("/reports/trends/", "/reports/reaudits/"):
        html = client.get(path, {"month_to": "2019-03"}).content.decode()
        # The default first month, 11 months before the last, is in the form, not left blank.
        assert re.search(r'name="month_from"[^>]*value="2018-04"', html), path
        assert re.search(r'<option value=""[^>]*>All tools</option>', html), path
        assert "---------" not in html, path
    audits = client.get("/audits/").content.decode()
    assert re.search(r'<option value=""[^>]*>Any</option>', audits) and "---------" not in audits


def test_trends_page_refuses_a_bad_range_with_an_error_summary(data, client):
    client.force_login(data.qa_lead)
    response = client.get("/reports/trends/", {"month_from": "2019-04", "month_to": "2019-03"})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    response = client.get("/reports/trends/", {"domain": "no:such"})
    assert response.status_code == 400


def test_calibration_is_not_for_moderators_and_every_figure_opens_its_audits(data, client):
    client.force_login(data.moderator)
    assert client.get("/reports/calibration/").status_code == 403
    client.force_login(data.qa_lead)
    response = client.get("/reports/calibration/", {"month_from": "2019-02", "month_to": "2019-03"})
    assert response.status_code == 200
    teams = {row.label: row for row in response.context["tables"]["calibration_teams"].rows}
    assert teams["A1"]["moderated"].n == 13  # March: m1, m3r, m3a 2, m5a 4, m8a, f1; February 3
    # Calibration over time: every month's cell, and the range's, opens its audits.
    by_month = response.context["tables"]["calibration_months_teams"]
    a1 = {row.label: row for row in by_month.rows}["A1"]
    assert (a1["2019-02"].n, a1["2019-02"].pct) == (3, 66.7)
    assert (a1["2019-03"].n, a1["2019-03"].pct) == (10, 100.0)
    assert (a1["total"].n, a1["total"].pct) == (13, 92.3)
    html = response.content.decode()
    assert "Calibration over time" in html
    links = drill_links(html)
    assert any("month=2019-02" in href for href, _ in links)
    for href, figure in links:
        assert listed(client, href) == figure, href


def test_calibration_downloads_carry_the_pages_tables(data, client):
    client.force_login(data.qa_lead)
    query = {"month_from": "2019-02", "month_to": "2019-03"}
    page = client.get("/reports/calibration/", query)
    table = page.context["tables"]["calibration_months_teams"]
    csv_response = client.get(
        "/reports/calibration/download.csv", {**query, "table": "calibration_months_teams"}
    )
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    assert rows[0] == table.header
    assert len(rows) == len(table.rows) + 1
    a1 = next(row for row in rows if row[0] == "A1")
    assert a1[1:3] == ["3", "66.7"]
    assert "calibration-2019-02-to-2019-03" in csv_response["Content-Disposition"]
    xlsx = client.get("/reports/calibration/download.xlsx", query)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Calibration by month, teams" in book.sheetnames
    filtered = client.get(
        "/reports/calibration/download.xlsx", {**query, "team": data.teams["A1"].pk}
    )
    assert filtered["Content-Disposition"] != xlsx["Content-Disposition"]
    bad = client.get("/reports/calibration/download.csv", {**query, "table": "nope"})
    assert bad.status_code == 400


def test_a_head_of_service_reads_calibration_for_their_areas_only(data, client):
    viewer = UserFactory(username="calibration_viewer", roles=["viewer"])
    viewer.service_areas.add(data.area_a)
    client.force_login(viewer)
    response = client.get("/reports/calibration/", {"month_from": "2019-02", "month_to": "2019-03"})
    assert response.status_code == 200
    names = {row.label for row in response.context["tables"]["calibration_months_teams"].rows}
    assert names == {"A1", "A2"}
    other = client.get("/reports/calibration/", {"service_area": data.area_b.pk})
    assert other.status_code == 403


def test_compliance_names_both_definitions_and_the_authority_row_uses_the_areas_one(data, client):
    """Issue 12 snag 20: every area at 100% ("of assigned") beside the authority's 85% ("of
    the target") read as a contradiction. Both are named in the compliance table, and the
    by-area table opens with the whole authority by the areas' own definition."""
    client.force_login(data.qa_lead)
    text = client.get(URL, {"month": "2019-03"}).content.decode()
    assert "Audits, against the programmes&#x27; target" in text or (
        "Audits, against the programmes' target" in text
    )
    assert "Audits, against the audits assigned" in text
    compliance = text[text.index('id="compliance"') : text.index('id="domains-all"')]
    assert "92.7%" in compliance and "85.0%" in compliance  # 51 of 55 assigned; 51 of 60
    by_area = text[text.index('id="by-area"') :]
    assert "Whole authority" in by_area
    first_row = by_area[
        by_area.index("Whole authority") : by_area.index("</tr>", by_area.index("Whole authority"))
    ]
    assert ">55</a>" in first_row and "92.7%" in first_row
