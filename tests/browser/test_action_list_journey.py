"""The Actions journey in headless Chromium: a head of service opens Actions from the header,
filters to the overdue ones, mistypes a date (the error summary), follows a count to the done
ones, downloads the CSV and opens an audit from the list. Every page passes axe-core; each is
also saved as /tmp/actions_*.png for a reader checking the layout."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Action
from core.services.actions import action_create, action_status_set
from tests.browser.test_moderator_journey import sign_in
from tests.factories import ServiceAreaFactory, TeamFactory, UserFactory, submitted_audit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _shot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/actions_{name}.png", full_page=True)


def _action(audit, description: str, owner: str, due_in_days: int, done: bool = False):
    action = action_create(
        audit=audit,
        actor=audit.auditor,
        description=description,
        owner=owner,
        due_date=timezone.localdate() + dt.timedelta(days=due_in_days),
    )
    if done:
        action_status_set(action=action, actor=audit.auditor, status=Action.Status.DONE)
    return action


def test_head_of_service_chases_overdue_actions(live_server, page, axe, tmp_path):
    area = ServiceAreaFactory(name="Children in need")
    far_area = ServiceAreaFactory(name="Children in care")
    team = TeamFactory(service_area=area, name="CIN team 1")
    team_two = TeamFactory(service_area=area, name="CIN team 2")
    far_team = TeamFactory(service_area=far_area, name="CiC team 1")
    head = UserFactory(username="jo.head", team=None, roles=["viewer"])
    head.service_areas.add(area)

    def audit(reference, audit_team, username):
        auditor = UserFactory(username=username, team=audit_team, roles=["auditor"])
        return submitted_audit(auditor=auditor, case__team=audit_team, case__reference=reference)

    first = audit("LCS-3100001", team, "sam.auditor")
    second = audit("LCS-3100002", team_two, "kim.auditor")
    far = audit("LCS-3100003", far_team, "lee.auditor")
    _action(
        first,
        "Update the child's plan with dates and owners after the core group.",
        "Social worker",
        -12,
    )
    _action(second, "Hold a supervision on the case within a week.", "Team manager", -3)
    _action(second, "Record the child's views before the review.", "Social worker", 6)
    _action(first, "Share the assessment with the school.", "Social worker", -20, done=True)
    _action(far, "Visit the child in placement.", "Social worker", -5)  # not in their area

    # Actions, from the header of the audit list (a head of service's home).
    sign_in(page, live_server, "jo.head", "/audits/")
    menu = page.get_by_role("navigation", name="Menu")
    with page.expect_navigation():
        menu.get_by_role("link", name="Actions").click()
    page.wait_for_url(f"{live_server.url}/actions/")
    assert page.locator("h1").inner_text() == "Actions"
    assert page.get_by_role("status").inner_text() == "4 actions"
    counts = page.locator("#action-counts")
    assert [text.split()[0] for text in counts.locator("dd").all_inner_texts()] == ["3", "2", "1"]
    table = page.locator("#actions")
    assert "LCS-3100003" not in table.inner_text()  # another area's
    first_row = table.locator("tbody tr").first
    assert first_row.locator("th").inner_text().startswith("LCS-3100001")
    assert first_row.locator(".govuk-tag").inner_text() == "Overdue"
    assert page.locator("#id_service_area option").all_inner_texts() == [
        "All service areas",
        "Children in need",
    ]
    axe.check(page, "actions-01-all")
    _shot(page, "01_all")

    # The overdue ones only.
    page.select_option("#id_overdue", "true")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert "overdue=true" in page.url
    assert page.get_by_role("status").inner_text() == "2 actions"
    assert table.locator(".govuk-tag").all_inner_texts() == ["Overdue", "Overdue"]
    assert page.locator("#id_overdue").input_value() == "true"
    axe.check(page, "actions-02-overdue")
    _shot(page, "02_overdue")

    # A date in the wrong form: the error summary links to the field.
    page.fill("#id_due_before", "30/11/2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.locator("a").first.get_attribute("href") == "#id_due_before"
    axe.check(page, "actions-03-error")
    _shot(page, "03_error")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_due_before"

    # All of them again, then the count of done ones: the list of exactly that one.
    with page.expect_navigation():
        page.get_by_role("link", name="Clear filters").click()
    with page.expect_navigation():
        counts.get_by_role("link", name="1 done actions: list them").click()
    assert "status=done" in page.url
    assert page.get_by_role("status").inner_text() == "1 action"
    assert table.locator(".govuk-tag").inner_text() == "Done"
    assert page.locator("#id_status").input_value() == "done"
    axe.check(page, "actions-04-done")
    _shot(page, "04_done")

    # The CSV of what is listed.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 2 and "Share the assessment with the school." in lines[1]

    # An audit from the list: its own page, with the action on it.
    with page.expect_navigation():
        table.get_by_role("link", name="LCS-3100001").click()
    assert page.locator("h1").inner_text() == "Audit of case LCS-3100001"
    assert "Share the assessment with the school." in page.locator("main").inner_text()
    axe.check(page, "actions-05-audit")
    _shot(page, "05_audit")
