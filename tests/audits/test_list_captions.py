"""Issue 12 snag 17: a drill-down list said "6 audits" and nothing else. It says what was
clicked, in words, and shows the grade that was counted (the moderator's for a transition
cell, the domain's for a domain cell) — the moderator's only from moderations the reader may
read."""

import re

import pytest

from tests.reporting.test_pages import data  # noqa: F401  (the hand-counted March 2019 month)

pytestmark = pytest.mark.django_db


def _heading(text: str) -> str:
    match = re.search(
        r'<h2 class="govuk-heading-m" role="status" id="list-description">(.*?)</h2>', text, re.S
    )
    assert match, "the list says how many audits and what they are"
    return " ".join(match.group(1).split())


def _column(text: str, heading: str) -> list[str]:
    # Every column's header, the sortable ones (links with aria-sort) too.
    found = re.findall(
        r'<th scope="col" class="govuk-table__header[^"]*"[^>]*>(.*?)</th>', text, re.S
    )
    # A sortable header's words, without its link, arrow and visually hidden instruction.
    hidden = r'<span class="govuk-visually-hidden">.*?</span>|<span aria-hidden="true">.*?</span>'
    headers = [re.sub(r"<[^>]+>", "", re.sub(hidden, "", h)).strip() for h in found]
    index = headers.index(heading)
    rows = re.findall(r'<tr class="govuk-table__row">\s*<th scope="row".*?</tr>', text, re.S)
    cells = [re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row, re.S) for row in rows]
    # The row header (case) is column 0; cells start at column 1.
    return [" ".join(c[index - 1].split()) for c in cells]


def test_a_transition_cell_says_both_grades_and_shows_the_moderators(data, client):  # noqa: F811
    client.force_login(data.qa_lead)
    response = client.get(
        "/audits/",
        {
            "month": "2019-03",
            "current": "yes",
            "moderated": "yes",
            "overall": "G",
            "moderated_overall": "RI",
        },
    )
    text = response.content.decode()
    heading = _heading(text)
    count = int(heading.split(" ")[0])
    assert count > 0
    assert heading.endswith(
        "March 2019, auditor&#x27;s judgement Good, current submissions, moderated, "
        "moderator&#x27;s judgement Requires improvement to be good"
    ), heading
    moderators = _column(text, "Moderator&#x27;s judgement")
    assert moderators == ["Requires improvement to be good"] * count
    assert set(_column(text, "Overall")) == {"Good"}


def test_a_domain_cell_shows_the_domains_grade(data, client):  # noqa: F811
    client.force_login(data.qa_lead)
    response = client.get(
        "/audits/", {"month": "2019-03", "domain": "case-file:review", "domain_grade": "I"}
    )
    text = response.content.decode()
    heading = _heading(text)
    assert "March 2019" in heading and "auditor&#x27;s grade for the domain Inadequate" in heading
    count = int(heading.split(" ")[0])
    assert _column(text, "Auditor&#x27;s grade for the domain") == ["Inadequate"] * count


def test_no_filter_no_description(data, client):  # noqa: F811
    client.force_login(data.qa_lead)
    heading = _heading(client.get("/audits/").content.decode())
    assert re.fullmatch(r"\d+ audits?", heading)
