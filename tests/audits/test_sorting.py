"""Feature 8: the audit list, the moderation queue and the actions list sort by a column on
the server (`sort`, whitelisted keys, kept in the filter links and pages); the headers are
links with aria-sort; a bad key is ignored on a page and a 400 in the API, never a 500; people
are named by their names, not usernames, in lists and filter dropdowns."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Action
from core.services.actions import action_create
from tests.factories import AuditFactory, UserFactory, sampled_moderation, submitted_audit

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _order(text: str, references: list[str]) -> list[str]:
    """The references in the order the page shows them."""
    found = {ref: text.index(ref) for ref in references}
    return sorted(references, key=found.__getitem__)


@pytest.fixture
def three(team):
    """Three audits with references, auditors and months in different orders."""
    people = [
        UserFactory(username=f"u{i}", first_name=first, last_name="Smith", roles=["auditor"])
        for i, first in enumerate(["Cara", "Anna", "Bea"])
    ]
    months = [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 8, 1)]
    return [
        AuditFactory(case__reference=f"LCS-90{i}", case__team=team, auditor=p, month=m)
        for i, (p, m) in enumerate(zip(people, months, strict=True))
    ]


def test_the_audit_list_sorts_by_each_column_both_ways(qa_lead, three):
    client = _client(qa_lead)
    refs = [a.case.reference for a in three]
    by_case = client.get(reverse("audit_list"), {"sort": "case"}).content.decode()
    assert _order(by_case, refs) == sorted(refs)
    by_case_down = client.get(reverse("audit_list"), {"sort": "-case"}).content.decode()
    assert _order(by_case_down, refs) == sorted(refs, reverse=True)
    by_auditor = client.get(reverse("audit_list"), {"sort": "auditor"}).content.decode()
    assert _order(by_auditor, refs) == ["LCS-901", "LCS-902", "LCS-900"]  # Anna, Bea, Cara
    by_month = client.get(reverse("audit_list"), {"sort": "month"}).content.decode()
    assert _order(by_month, refs) == ["LCS-902", "LCS-900", "LCS-901"]


def test_the_headers_are_links_with_aria_sort_and_keep_the_filters(qa_lead, three, team):
    text = (
        _client(qa_lead)
        .get(reverse("audit_list"), {"sort": "case", "team": team.pk, "page": "1"})
        .content.decode()
    )
    sorted_header = re.search(r'<th[^>]*aria-sort="ascending"[^>]*>\s*<a[^>]*href="([^"]*)"', text)
    assert sorted_header, "the sorted column says so"
    link = sorted_header.group(1).replace("&amp;", "&")
    assert "sort=-case" in link and f"team={team.pk}" in link and "page=" not in link
    assert text.count('aria-sort="') == 1
    assert '<input type="hidden" name="sort" value="case">' in text  # the filters keep it
    down = _client(qa_lead).get(reverse("audit_list"), {"sort": "-case"}).content.decode()
    assert 'aria-sort="descending"' in down
    # The heading says which audits are listed; the order is not one of them.
    assert re.search(r'id="list-description">\d+ audits</h2>', down)


def test_a_bad_sort_is_ignored_on_the_pages_and_a_400_in_the_api(qa_lead, three, moderation):
    client = _client(qa_lead)
    for name in ("audit_list", "action_list", "moderation:queue"):
        response = client.get(reverse(name), {"sort": "password"})
        assert response.status_code == 200, name
        assert "There is a problem" not in response.content.decode()
    for path in ("/api/audits/", "/api/actions/", "/api/moderations/"):
        response = client.get(path, {"sort": "__class__"})
        assert response.status_code == 400, path
        assert "sort" in response.json()
        assert client.get(path, {"sort": "-case"}).status_code == 200


def test_the_api_sorts_audits(qa_lead, three):
    rows = _client(qa_lead).get("/api/audits/", {"sort": "-case"}).json()["results"]
    assert [row["case"] for row in rows] == sorted((a.case.reference for a in three), reverse=True)


def test_the_queue_sorts_by_auditor_and_never_by_a_grade(qa_lead, moderator, team):
    people = [
        UserFactory(username=f"q{i}", first_name=name, roles=["auditor"])
        for i, name in enumerate(["Zoe", "Adam"])
    ]
    audits = [
        submitted_audit(auditor=p, case__reference=f"LCS-80{i}", case__team=team)
        for i, p in enumerate(people)
    ]
    for audit in audits:
        sampled_moderation(audit, qa_lead)
    client = _client(moderator)
    text = client.get(reverse("moderation:queue"), {"sort": "auditor"}).content.decode()
    assert _order(text, ["LCS-800", "LCS-801"]) == ["LCS-801", "LCS-800"]  # Adam, Zoe
    text = client.get(reverse("moderation:queue"), {"sort": "-auditor"}).content.decode()
    assert _order(text, ["LCS-800", "LCS-801"]) == ["LCS-800", "LCS-801"]
    assert client.get("/api/moderations/", {"sort": "overall"}).status_code == 400


def test_the_actions_list_sorts_by_due_date_and_case(auditor, audit):
    for days, text in ((40, "Later"), (10, "Sooner")):
        action_create(
            audit=audit,
            actor=auditor,
            description=text,
            owner="Social worker",
            due_date=timezone.localdate() + dt.timedelta(days=days),
        )
    client = _client(auditor)
    page = client.get(reverse("action_list"), {"sort": "-due"}).content.decode()
    assert _order(page, ["Later", "Sooner"]) == ["Later", "Sooner"]
    page = client.get(reverse("action_list"), {"sort": "due"}).content.decode()
    assert _order(page, ["Later", "Sooner"]) == ["Sooner", "Later"]
    assert 'aria-sort="ascending"' in page
    assert Action.objects.count() == 2


def test_people_are_named_not_usernamed_in_the_list_and_its_filter(qa_lead, three):
    text = _client(qa_lead).get(reverse("audit_list")).content.decode()
    auditor = three[0].auditor
    assert f'<option value="{auditor.username}">Cara Smith</option>' in text
    assert '<td class="govuk-table__cell">Cara Smith</td>' in text
