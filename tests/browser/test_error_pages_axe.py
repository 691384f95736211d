"""The service's 404 and 403 pages pass axe (WCAG 2.2 AA) in headless Chromium."""

import pytest

from tests.browser.test_moderator_journey import sign_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_page_not_found_and_refused_pages_pass_axe(live_server, page, axe):
    page.goto(f"{live_server.url}/no-such-page/")
    assert page.locator("h1").inner_text() == "Page not found"
    axe.check(page, "e01-page-not-found")
    UserFactory(username="team_manager_e", roles=["auditor"])
    sign_in(page, live_server, "team_manager_e", "/audits/mine/")
    page.goto(f"{live_server.url}/staff/")  # the QA lead's people pages
    assert page.locator("h1").inner_text() == "You cannot do this"
    axe.check(page, "e02-refused")
