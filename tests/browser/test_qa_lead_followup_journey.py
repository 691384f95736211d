"""A QA lead follows the team's work in headless Chromium: reassigns everything of a team
manager who is off sick (with the error summary first), sorts the audit list by its columns,
reads the feedback not yet acknowledged and what one person read, and opens a moderated
audit with both grades side by side. Every page passes axe-core (WCAG 2.2 AA); screenshots in
test-results/i12a-*.png."""

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Audit
from core.services.access_log import audit_read_record
from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from tests.browser.test_moderator_journey import sign_in
from tests.factories import (
    AuditFactory,
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
    area = ServiceAreaFactory(name="Children in need")
    team = TeamFactory(service_area=area, name="Children in need team 1")
    off_sick = UserFactory(
        username="tm.okafor", first_name="Sam", last_name="Okafor", team=team, roles=["auditor"]
    )
    cover = UserFactory(
        username="tm.bains", first_name="Ravi", last_name="Bains", team=team, roles=["auditor"]
    )
    moderator = UserFactory(
        username="qa.marsh", first_name="Jo", last_name="Marsh", team=None, roles=["moderator"]
    )
    qa_lead = UserFactory(
        username="qa.lead", first_name="Alex", last_name="Reid", team=None, roles=["qa_lead"]
    )
    TOTPDevice.objects.create(user=qa_lead, name="Authenticator app", confirmed=True)
    due = timezone.localdate() + dt.timedelta(days=5)
    for reference in ("CIN-7002", "CIN-7001"):
        AuditFactory(
            auditor=off_sick, case__team=team, case__reference=reference, month=MONTH, due_date=due
        )
    moderated = submitted_audit(
        auditor=cover, case__team=team, case__reference="CIN-5001", month=MONTH
    )
    moderation = moderation_claim(
        actor=moderator, moderation=sampled_moderation(moderated, qa_lead)
    )
    moderation_flows.moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(moderated.tool, grade="RI", overall="RI"),
    )
    audit_read_record(user=moderator, audit=moderated, channel="page", what="audit")
    return moderated


def test_a_qa_lead_reassigns_sorts_and_follows_feedback(live_server, page, axe):
    moderated = _world()
    sign_in(page, live_server, "qa.lead", "/inbox/")
    axe.check(page, "i12a-01-inbox")

    # Reassign everything of a team manager who is off sick.
    with page.expect_navigation():
        page.get_by_role("link", name="Reassign audits and moderations").click()
    page.get_by_label("Whose work").select_option(label="Sam Okafor")
    with page.expect_navigation():
        page.get_by_role("button", name="Show their work").click()
    assert page.locator("h2", has_text="Open work of Sam Okafor").count() == 1
    boxes = page.locator("input[name=audits]")
    assert boxes.count() == 2 and all(boxes.nth(i).is_checked() for i in range(2))
    axe.check(page, "i12a-02-reassign")
    with page.expect_navigation():
        page.get_by_role("button", name="Reassign").click()  # no one chosen, no reason
    summary = page.locator(".govuk-error-summary")
    assert "Choose who takes the audits over" in summary.inner_text()
    assert "Say why the work is moving." in summary.inner_text()
    axe.check(page, "i12a-03-reassign-errors")
    page.get_by_label("Give the audits to").select_option(
        label="Ravi Bains – Children in need team 1"
    )
    page.get_by_label("Reason").fill("Off sick until January")
    with page.expect_navigation():
        page.get_by_role("button", name="Reassign").click()
    assert "Reassigned 2 audits and 0 moderations." in page.content()
    assert Audit.objects.filter(auditor__username="tm.bains", status="assigned").count() == 2
    axe.check(page, "i12a-04-reassigned")

    # The audit list, sorted by case reference one way and the other.
    page.goto(f"{live_server.url}/audits/")
    with page.expect_navigation():
        page.locator("th a", has_text="Case").first.click()
    header = page.locator("th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending" and "Case" in header.inner_text()
    rows = page.locator("tbody th[scope=row] a")
    ascending = [rows.nth(i).inner_text().split("\n")[0] for i in range(rows.count())]
    assert ascending == sorted(ascending)
    with page.expect_navigation():
        page.locator("th[aria-sort] a").click()
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "descending"
    descending = [rows.nth(i).inner_text().split("\n")[0] for i in range(rows.count())]
    assert descending == sorted(ascending, reverse=True)
    assert "Ravi Bains" in page.locator("tbody").inner_text()  # names, not usernames
    axe.check(page, "i12a-05-audits-sorted")

    # Feedback not yet acknowledged, then one team's.
    page.goto(f"{live_server.url}/inbox/")
    with page.expect_navigation():
        page.get_by_role("link", name="Feedback not yet acknowledged").click()
    assert page.locator("#feedback-count").inner_text() == "1 piece of feedback waiting"
    assert "CIN-5001" in page.locator("table").inner_text()
    page.get_by_label("Auditor's team").select_option(
        label="Children in need team 1 (Children in need)"
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()
    assert page.locator("#feedback-count").inner_text() == "1 piece of feedback waiting (filtered)"
    axe.check(page, "i12a-06-feedback-waiting")

    # What one person read.
    page.goto(f"{live_server.url}/access/people/")
    page.get_by_label("Person").select_option(label="Jo Marsh")
    with page.expect_navigation():
        page.get_by_role("button", name="Show what they read").click()
    assert "1 read and export" in page.content() and "CIN-5001" in page.content()
    axe.check(page, "i12a-07-person-access")

    # A moderated audit: both grades side by side.
    page.goto(f"{live_server.url}/audits/{moderated.pk}/")
    table = page.locator("#both-grades-table")
    assert "Downgraded by 1 grade" in table.inner_text()
    axe.check(page, "i12a-08-both-grades")
    table.screenshot(path="test-results/i12a-08-both-grades-table.png")

    # An action owned by a member of staff, chosen by name; the empty form names each field.
    with page.expect_navigation():
        page.get_by_role("button", name="Add action").click()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter what needs to happen." in summary
    assert "Choose who owns the action, or name someone outside the service." in summary
    assert "Enter the date the action is due." in summary
    axe.check(page, "i12a-09-action-errors")
    page.get_by_label("What needs to happen").fill("Update the plan with dates.")
    page.get_by_label("Owner", exact=True).select_option(label="Ravi Bains")
    due = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Due date").fill(f"{due:%d/%m/%Y}")
    with page.expect_navigation():
        page.get_by_role("button", name="Add action").click()
    assert page.locator("table", has_text="Update the plan with dates.").count() == 1
    assert (
        "Ravi Bains" in page.locator("table", has_text="Update the plan with dates.").inner_text()
    )
    axe.check(page, "i12a-10-action-added")
