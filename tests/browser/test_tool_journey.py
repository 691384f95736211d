"""A QA lead sets up their own audit tool in headless Chromium: six domains (Outstanding
offered, N/A allowed in two), every bad field named at once, a domain moved, the audit form
previewed as an auditor will see it, published; then version 2 splits a domain in two. Every
page passes axe-core (screenshots in test-results/tools-*.png)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditTool, Domain
from tests.browser.test_moderator_journey import sign_in
from tests.factories import UserFactory
from tests.new_authority import DOMAINS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def add_domain(page, code: str, title: str, na: bool, continues: str | None = None) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="Add a domain").click()
    page.fill("#id_code", code)
    page.fill("#id_title", title)
    page.fill("#id_guidance", f"What to look for in {title.lower()}.")
    if na:
        page.check("#id_na_allowed")
    for grade, words in [("O", "exemplary"), ("G", "good"), ("RI", "patchy"), ("I", "unsafe")]:
        page.fill(f"#id_descriptor_{grade}", f"{title}: {words} practice.")
    if continues:
        page.get_by_label(continues).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Add the domain").click()


def test_a_qa_lead_sets_up_a_tool_and_splits_a_domain_in_version_2(live_server, page, axe):
    lead = UserFactory(username="tool.lead", roles=["qa_lead"])
    TOTPDevice.objects.create(user=lead, name="Authenticator app", confirmed=True)
    sign_in(page, live_server, "tool.lead", "/tools/")
    assert page.locator("h1").inner_text() == "Audit tools"
    axe.check(page, "tools-01-list")

    with page.expect_navigation():
        page.get_by_role("link", name="Create a tool").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Create the tool").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.locator("li").count() == 3  # code, name, Outstanding: every one at once
    axe.check(page, "tools-02-create-errors")

    page.fill("#id_code", "our-case-file")
    page.fill("#id_name", "Our case file audit")
    page.get_by_label("Case file audit").check()
    page.locator("#id_offers_outstanding_0").check()  # Yes
    page.locator("#id_blind_moderation_1").check()  # No
    with page.expect_navigation():
        page.get_by_role("button", name="Create the tool").click()
    assert page.locator("h1").inner_text() == "Our case file audit"
    axe.check(page, "tools-03-draft")

    # A domain with every field wrong shows each problem at once.
    with page.expect_navigation():
        page.get_by_role("link", name="Add a domain").click()
    page.fill("#id_code", "Not A Code")
    with page.expect_navigation():
        page.get_by_role("button", name="Add the domain").click()
    assert page.locator(".govuk-error-summary li").count() == 6
    axe.check(page, "tools-04-domain-errors")
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the tool").click()

    for code, title, na in DOMAINS:
        add_domain(page, code, title, na)
    tool = AuditTool.objects.get(code="our-case-file")
    assert list(tool.domains.order_by("position").values_list("code", flat=True)) == [
        d[0] for d in DOMAINS
    ]
    assert tool.domains.filter(na_allowed=True).count() == 2
    # Voice of the child moves up one, above trusted relationships.
    with page.expect_navigation():
        page.get_by_role("button", name="Move up Voice of the child").click()
    assert tool.domains.get(code="voice").position == 5
    axe.check(page, "tools-05-domains")

    with page.expect_navigation():
        page.get_by_role("link", name="Preview the audit form").click()
    assert "as an auditor will see it" in page.content()
    assert page.get_by_text("Child safety: exemplary practice.").is_visible()
    assert page.locator('input[name="grade_agencies"][value="NA"]').count() == 1
    assert page.locator('input[name="grade_safety"][value="NA"]').count() == 0
    assert page.locator('input[name="grade_safety"][value="O"]').count() == 1
    axe.check(page, "tools-06-preview")
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the tool").first.click()

    with page.expect_navigation():
        page.get_by_role("button", name="Publish version 1").click()
    assert "Published" in page.locator("main").inner_text()
    axe.check(page, "tools-07-published")

    # Version 2 splits the plan in two: both halves continue the old plan.
    with page.expect_navigation():
        page.get_by_role("button", name="Make a new version").click()
    assert "version 2" in page.locator(".govuk-caption-l").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Change Plan (and permanence planning)").click()
    page.fill("#id_title", "Plan")
    axe.check(page, "tools-08-domain-continues")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the domain").click()
    add_domain(
        page,
        "permanence",
        "Permanence and contingency planning",
        False,
        continues="Plan (and permanence planning) (plan)",
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Publish version 2").click()
    assert "Published" in page.locator("main").inner_text()
    axe.check(page, "tools-09-version-2")
    old_plan = Domain.objects.get(tool__code="our-case-file", tool__version=1, code="plan")
    assert set(old_plan.continued_by.values_list("title", flat=True)) == {
        "Plan",
        "Permanence and contingency planning",
    }

    with page.expect_navigation():
        page.get_by_role("link", name="Back to audit tools").click()
    assert page.locator("table").first.locator("tbody tr").count() >= 1
    axe.check(page, "tools-10-list-versions")
