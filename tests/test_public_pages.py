"""Issue 13, item 10: the accessibility statement, the privacy notice and the cookies page.
Anyone reads them without signing in (even halfway through two-factor sign-in), every page's
footer links to them, and the cookies page names every cookie the service sets."""

import re

import pytest
from django.test import RequestFactory, override_settings
from django.views.defaults import server_error
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # tests/factories.py
PAGES = {
    "/accessibility-statement/": "Accessibility statement for Case file audit",
    "/privacy/": "Privacy notice",
    "/cookies/": "Cookies",
}
FOOTER = ("/accessibility-statement/", "/privacy/", "/cookies/")


def footer_links(html: str) -> list[str]:
    footer = html[html.index('<div class="govuk-footer">') :]
    return re.findall(r'class="govuk-footer__link" href="([^"]+)"', footer)


@pytest.mark.parametrize("path", PAGES)
def test_anyone_reads_the_page_without_signing_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<h1 class="govuk-heading-l">{PAGES[path]}</h1>' in html
    # Real text, not a form to fill in: no [placeholders], no lorem ipsum.
    main = html[html.index("<main") : html.index("</main>")]
    assert not re.search(r"\[[A-Za-z ]+\]|lorem|TODO|TBC", main, re.IGNORECASE)


@pytest.mark.parametrize("path", PAGES)
def test_a_qa_lead_halfway_through_two_factor_may_read_it(client, db, path):
    qa_lead = UserFactory(username="qa_lead_2fa", roles=["qa_lead"])
    TOTPDevice.objects.create(user=qa_lead, name="Authenticator app", confirmed=True)
    client.post("/accounts/login/", {"username": "qa_lead_2fa", "password": PASSWORD})
    assert client.get("/audits/mine/").status_code == 302  # the code is still to be entered
    assert client.get(path).status_code == 200


def test_every_kind_of_page_links_to_them_from_its_footer(client, db):
    pages = {"sign-in": client.get("/accounts/login/"), "404": client.get("/no-such-page/")}
    client.force_login(UserFactory(username="team_manager", roles=["auditor"]))
    pages["signed in"] = client.get("/audits/mine/")
    pages["403"] = client.get("/reports/snapshots/")  # published reports: authority-wide
    pages["500"] = server_error(RequestFactory().get("/audits/"))
    assert [r.status_code for r in pages.values()] == [200, 404, 200, 403, 500]
    for name, response in pages.items():
        links = footer_links(response.content.decode())
        assert all(path in links for path in FOOTER), f"{name}: {links}"


@override_settings(
    COUNCIL_NAME="Exampleshire County Council",
    COUNCIL_DPO_EMAIL="dpo@exampleshire.gov.uk",
    ACCESSIBILITY_CONTACT_EMAIL="digital@exampleshire.gov.uk",
    RECORDS_RETENTION_PERIOD="6 years after the audit",
)
def test_the_councils_details_come_from_the_settings(client, db):
    statement = client.get("/accessibility-statement/").content.decode()
    assert "This service is run by Exampleshire County Council." in statement
    assert 'href="mailto:digital@exampleshire.gov.uk"' in statement
    assert "Equality Advisory and Support Service" in statement
    privacy = client.get("/privacy/").content.decode()
    assert "Exampleshire County Council is the data controller" in privacy
    assert 'href="mailto:dpo@exampleshire.gov.uk"' in privacy
    assert "are kept for 6 years after the audit" in privacy


def test_without_the_councils_details_the_pages_still_read_as_sentences(client, db, settings):
    settings.COUNCIL_NAME = settings.COUNCIL_DPO_EMAIL = ""
    settings.ACCESSIBILITY_CONTACT_EMAIL = settings.RECORDS_RETENTION_PERIOD = ""
    privacy = client.get("/privacy/").content.decode()
    assert "The council that runs this service is the data controller" in privacy
    assert "mailto:" not in privacy
    statement = client.get("/accessibility-statement/").content.decode()
    assert "tell your QA lead or the council’s IT service desk" in statement


def test_the_durations_on_the_pages_are_the_ones_the_service_enforces(client, db, settings):
    settings.SESSION_IDLE_TIMEOUT = 20 * 60
    settings.API_TOKEN_TTL = 12
    privacy = client.get("/privacy/").content.decode()
    assert "ends after 20 minutes without activity" in privacy
    assert "stop working 12 hours after" in privacy
    assert (
        "signed out after 20 minutes without activity"
        in client.get("/accessibility-statement/").content.decode()
    )


def test_the_cookies_page_names_every_cookie_the_service_sets(client, audit):
    """A sign-in, a form, a saved draft and its message (kept in the session, not a cookie of
    its own): every cookie set on the way is in the page's table, and the table lists no other."""
    responses = [
        client.get("/accounts/login/"),
        client.post(
            "/accounts/login/", {"username": "auditor", "password": "correct-horse-battery"}
        ),
        client.get(f"/audits/{audit.pk}/edit/"),
        client.post(
            f"/audits/{audit.pk}/edit/",
            {"version": audit.version, "overall": "RI", "intent": "save"},
        ),
    ]
    shown = client.get(responses[-1]["Location"])
    assert "Draft saved." in shown.content.decode()
    set_names = {name for response in [*responses, shown] for name in response.cookies}
    page = client.get("/cookies/").content.decode()
    listed = set(re.findall(r'<td class="govuk-table__cell"><code>([^<]+)</code></td>', page))
    assert set_names == listed == {"sessionid", "csrftoken"}


def test_with_single_sign_on_the_privacy_notice_names_what_the_provider_gives(client, db, settings):
    settings.OIDC_ENABLED = False
    assert (
        "groups that the council’s sign-in service" not in client.get("/privacy/").content.decode()
    )
    settings.OIDC_ENABLED = True
    assert "groups that the council’s sign-in service" in client.get("/privacy/").content.decode()
