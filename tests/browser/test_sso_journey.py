"""Issue 13, item 1, in headless Chromium: single sign-on through the test OpenID Connect
provider (tests/sso/provider.py, a real process on 127.0.0.1). A team manager signs in with
their council account and out again (out of the provider too); someone in no mapped group is
told why they cannot come in; a QA lead reads which group gives which role. Every page of
the service on the way passes axe-core (WCAG 2.2 AA)."""

import pytest

from core.models import User
from tests.factories import ServiceAreaFactory, TeamFactory
from tests.sso.oidc_provider import configure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def sign_in_at_provider(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/audits/mine/")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in with your council account").click()
    assert page.locator("h1").inner_text() == "Council sign-in"  # the provider's own page
    page.fill("#email", email)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def test_single_sign_on_journey(live_server, page, axe, provider, settings):
    provider.register(f"{live_server.url}/accounts/oidc/callback/")
    configure(settings, provider)
    team = TeamFactory(service_area=ServiceAreaFactory(name="Children in need"), name="CIN team 1")
    provider.person(
        "sub-ann",
        "ann.manager@council.example",
        ["cfa-cin-team-1"],
        given_name="Ann",
        family_name="Manager",
    )
    provider.person("sub-fin", "finance@council.example", ["finance-team"])
    provider.person("sub-qa", "qa.lead@council.example", ["cfa-qa-leads"])

    page.goto(f"{live_server.url}/accounts/login/")
    axe.check(page, "sso-01-sign-in")
    sign_in_at_provider(page, live_server, "ann.manager@council.example")
    page.wait_for_url(f"{live_server.url}/audits/mine/")
    assert "Signed in as ann.manager@council.example" in page.content()
    axe.check(page, "sso-02-signed-in")
    ann = User.objects.get(oidc_subject="sub-ann")
    assert ann.is_auditor and ann.team == team

    # Sign-out ends the provider's session too: the next sign-in asks who you are again.
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert [e["sub"] for e in provider.events() if e["event"] == "end_session"][-1] == "sub-ann"

    sign_in_at_provider(page, live_server, "finance@council.example")
    assert page.locator("h1").inner_text() == "You cannot sign in to this service"
    assert "not in any group that gives a role" in page.locator("#refusal-reason").inner_text()
    axe.check(page, "sso-03-refused")
    # The provider still knows them: signing out of it lets another council account in.
    with page.expect_navigation():
        page.get_by_role("link", name="sign out of your council account").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    sign_in_at_provider(page, live_server, "qa.lead@council.example")
    page.wait_for_url(f"{live_server.url}/audits/mine/")  # no second code: the provider asked
    with page.expect_navigation():
        page.get_by_role("link", name="Sign-in groups").click()
    assert page.locator("h1").inner_text() == "Sign-in groups"
    assert page.get_by_role("cell", name="Auditor (team manager)", exact=True).count() == 1
    axe.check(page, "sso-04-sign-in-groups")
    assert len(axe.pages_checked) == 4
