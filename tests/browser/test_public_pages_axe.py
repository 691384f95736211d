"""Issue 13, item 10: the accessibility statement, privacy notice and cookies page pass axe
(WCAG 2.2 AA) in headless Chromium, reached from the footer without signing in, and read the
same with JavaScript off."""

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FOOTER = {
    "Accessibility statement": "Accessibility statement for Case file audit",
    "Privacy": "Privacy notice",
    "Cookies": "Cookies",
}


def test_the_footer_pages_pass_axe_without_signing_in(live_server, page, axe):
    for number, (link, heading) in enumerate(FOOTER.items(), start=1):
        page.goto(f"{live_server.url}/accounts/login/")
        with page.expect_navigation():
            page.locator("footer").get_by_role("link", name=link, exact=True).click()
        assert page.locator("h1").inner_text() == heading
        axe.check(page, f"p0{number}-{link.lower().replace(' ', '-')}")
    assert len(axe.pages_checked) == 3


def test_the_footer_pages_need_no_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        for path, heading in (
            ("/accessibility-statement/", FOOTER["Accessibility statement"]),
            ("/privacy/", FOOTER["Privacy"]),
            ("/cookies/", FOOTER["Cookies"]),
        ):
            page.goto(f"{live_server.url}{path}")
            assert page.locator("h1").inner_text() == heading
            assert page.locator("footer a").count() == 4
    finally:
        context.close()
