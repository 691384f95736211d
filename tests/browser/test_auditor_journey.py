"""The auditor's journey in headless Chromium: sign in, find the audit, complete it with the
keyboard alone, see the error summary, submit, read it back. Every page passes axe-core."""

import pytest

from core.models import Audit, DomainGrade
from tests.factories import AuditFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"


def tab_to(page, name: str, limit: int = 200) -> None:
    """Press Tab until the element named `name` has focus: the keyboard is the only input."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"Could not reach {name} with the Tab key")


def test_auditor_completes_and_submits_an_audit_with_the_keyboard(live_server, page, axe):
    auditor = UserFactory(username="demo.auditor", roles=["auditor"])
    audit = AuditFactory(auditor=auditor, case__team=auditor.team, case__reference="LCS-2041873")
    domains = list(audit.tool.domains.order_by("position"))

    page.goto(f"{live_server.url}/")
    assert "Sign in" in page.title()
    axe.check(page, "01-sign-in")
    page.fill("#id_username", "demo.auditor")
    page.fill("#id_password", "wrong password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Error:")
    axe.check(page, "02-sign-in-error")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # An auditor's home: what waits for them, and a link to their audits.
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Your work and your team"
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="My audits", exact=True).click()
    assert page.locator("h1").inner_text() == "My audits"
    axe.check(page, "03-my-audits")
    page.get_by_role("link", name="LCS-2041873").click()
    assert page.locator("h1").inner_text() == "Audit of case LCS-2041873"
    axe.check(page, "04-audit-form")

    # Submitting an empty audit: the error summary links to each field in error.
    with page.expect_navigation():
        page.get_by_role("button", name="Submit audit").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    links = summary.locator("a")
    assert links.count() == len(domains) + 1
    first_target = links.first.get_attribute("href")
    assert first_target == f"#id_grade_{domains[0].code}_0"  # the summary follows the page
    assert page.locator(first_target).count() == 1
    axe.check(page, "05-audit-form-errors")
    links.first.click()
    assert page.evaluate("document.activeElement.id") == first_target.lstrip("#")

    # The whole form with the keyboard alone: Space selects the first grade (Outstanding),
    # the down arrow moves to Good; Tab moves on to the evidence.
    for domain in domains:
        tab_to(page, f"grade_{domain.code}")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        tab_to(page, f"evidence_{domain.code}")
        page.keyboard.type(f"Evidence seen for {domain.title}.")
    tab_to(page, "overall")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    tab_to(page, "working_well")
    page.keyboard.type("The child is seen alone at every visit.")
    tab_to(page, "intent")  # the first button: Submit audit
    assert page.evaluate("document.activeElement.value") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/audits/{audit.pk}/")
    assert "submitted" in page.locator(".govuk-notification-banner").inner_text()
    axe.check(page, "06-audit-submitted")

    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED
    assert audit.overall == "G"
    grades = DomainGrade.objects.filter(audit=audit)
    assert {g.grade for g in grades} == {"G"}
    assert all(g.evidence.startswith("Evidence seen for") for g in grades)
    assert len(axe.pages_checked) == 6
