"""axe-core in headless Chromium (issue 10, finding 20): the API reference page, and the
monthly report and trends as printed (print media), pass WCAG 2.2 AA with no violations."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_moderator_journey import sign_in
from tests.factories import UserFactory
from tests.reporting.test_monthly import Builder, build

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_api_reference_passes_axe(live_server, page, axe):
    UserFactory(username="docs_reader", team=None, roles=["moderator"])
    sign_in(page, live_server, "docs_reader", "/api/docs/")
    # Every operation and schema on one page: axe takes a while over it, and the screenshot
    # is of the top only (the whole page takes minutes to capture).
    page.set_default_timeout(120_000)
    assert page.locator("h1").inner_text() == "Case file audit API"
    assert page.locator("#operation-audits_create").count() == 1
    axe.check(page, "d01-api-reference", full_page=False)


def test_the_monthly_report_and_trends_pass_axe_in_print(live_server, page, axe):
    builder = Builder()
    build(builder)
    TOTPDevice.objects.create(user=builder.qa_lead, name="Authenticator app", confirmed=True)
    sign_in(page, live_server, "report_qa_lead", "/reports/monthly/?month=2019-03")
    page.emulate_media(media="print")
    assert page.locator("h1").inner_text() == "March 2019"
    axe.check(page, "d02-monthly-report-print")
    page.goto(f"{live_server.url}/reports/trends/?month_from=2019-01&month_to=2019-03")
    assert page.locator("svg.app-chart").count() == 2
    axe.check(page, "d03-trends-print")
