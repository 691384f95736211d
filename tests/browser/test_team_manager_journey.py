"""A team manager's day in headless Chromium: their home page (what waits, their team's
month), the inbox, the header's search box to a case's page, their team's monthly report and
a drill-down to the team's audits. Every page passes axe-core (WCAG 2.2 AA)."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Action
from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from tests.browser.test_moderator_journey import sign_in
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MONTH = dt.date(2026, 10, 1)


def _world():
    area = ServiceAreaFactory(name="Child protection")
    team = TeamFactory(service_area=area, name="Child protection team 1")
    other = TeamFactory(service_area=area, name="Child protection team 2")
    manager = UserFactory(
        username="tm.okafor", first_name="Sam", last_name="Okafor", team=team, roles=["auditor"]
    )
    colleague = UserFactory(username="tm.bains", team=team, roles=["auditor"])
    other_manager = UserFactory(username="tm.gill", team=other, roles=["auditor"])
    moderator = UserFactory(username="qa.marsh", team=None, roles=["moderator"])
    qa_lead = UserFactory(username="qa.lead", team=None, roles=["qa_lead"])
    ProgrammeFactory(month=MONTH, due_date=timezone.localdate() + dt.timedelta(days=5))
    AuditFactory(
        auditor=manager,
        case__team=team,
        case__reference="CP-7001",
        month=MONTH,
        due_date=timezone.localdate() + dt.timedelta(days=5),
    )
    earlier = submitted_audit(
        auditor=manager, case__team=team, case__reference="CP-5001", month=dt.date(2026, 8, 1)
    )
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(earlier, qa_lead))
    moderation_flows.moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(earlier.tool, grade="RI", overall="RI"),
    )
    Action.objects.create(
        audit=earlier,
        description="Update the child protection plan.",
        owner="Social worker",
        due_date=timezone.localdate() - dt.timedelta(days=2),
    )
    submitted_audit(auditor=manager, case=earlier.case, month=MONTH, re_audit_of=earlier)
    submitted_audit(auditor=colleague, case__team=team, case__reference="CP-5002", month=MONTH)
    submitted_audit(
        auditor=colleague, case__team=team, case__reference="CP-5003", month=MONTH, overall="RI"
    )
    submitted_audit(auditor=other_manager, case__team=other, case__reference="CP-9001", month=MONTH)
    return manager


def test_a_team_managers_home_inbox_case_and_team_report(live_server, page, axe):
    _world()
    sign_in(page, live_server, "tm.okafor", "/")

    # Home: what waits, and the team's month in brief.
    assert page.locator("h1").inner_text() == "Your work and your team"
    assert page.get_by_role("link", name="Inbox (3)").count() == 1
    assert "How your team is doing: October 2026" in page.content()
    axe.check(page, "inbox-01-home")

    # The inbox: each item links to where it is done.
    with page.expect_navigation():
        page.get_by_role("link", name="Open your inbox").click()
    assert page.locator("h1").inner_text() == "Inbox"
    # Each link names its case for a screen reader (a visually hidden part of its name).
    due = page.get_by_role("link", name="Complete the audit (October 2026)")
    assert "case CP-7001" in due.inner_text()
    overdue = page.get_by_role("link", name="Follow up the overdue action")
    assert "case CP-5001" in overdue.inner_text()
    axe.check(page, "inbox-02-inbox")

    # The header's search box: a prefix lists the cases, one opens the case's page.
    page.get_by_label("Find a case by its reference").fill("cp-50")
    with page.expect_navigation():
        page.get_by_role("button", name="Find a case").click()
    assert page.locator("h1").inner_text() == "Find a case"
    assert page.get_by_role("link", name="CP-5001").count() == 1
    assert page.get_by_role("link", name="CP-9001").count() == 0  # another team's
    axe.check(page, "inbox-03-search")
    with page.expect_navigation():
        page.get_by_role("link", name="CP-5001").click()
    assert page.locator("h1").inner_text() == "Case CP-5001"
    assert page.locator("h2", has_text="August 2026").count() == 1
    assert page.locator("h2", has_text="October 2026").count() == 1
    assert "Moderated judgement" in page.content() and "Re-audit of" in page.content()
    axe.check(page, "inbox-04-case")

    # An exact reference opens the case at once.
    page.get_by_label("Find a case by its reference").fill("cp-5002")
    with page.expect_navigation():
        page.get_by_role("button", name="Find a case").click()
    assert page.locator("h1").inner_text() == "Case CP-5002"

    # Their team's monthly report, and a drill-down to the team's audits.
    page.goto(f"{live_server.url}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Your team’s monthly report").click()
    assert page.locator("h1").inner_text() == "October 2026"
    assert page.locator("#team-manager").count() == 1
    headline = page.locator("table").first
    returned = headline.locator("tr", has_text="Audits returned").locator("td").first
    link = returned.locator("a")
    assert link.inner_text() == "3"  # the team's three, not the other team's
    axe.check(page, "inbox-05-team-report")
    with page.expect_navigation():
        link.click()
    assert page.get_by_role("status").inner_text() == (
        "3 audits: October 2026, Child protection, "
        "team Child protection team 1 (Child protection), status Submitted"
    )
    assert "CP-9001" not in page.content()
    axe.check(page, "inbox-06-drill-down")

    page.goto(f"{live_server.url}/reports/trends/")
    assert page.locator("#team-manager").count() == 1
    axe.check(page, "inbox-07-team-trends")
