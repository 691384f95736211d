"""The report journey in headless Chromium: a QA lead opens the March 2019 report (the
hand-counted scenario of tests/reporting/test_monthly.py), follows a drill-down link to the
matching audits, downloads the XLSX and reads the trends. Every page passes axe-core."""

import re

import openpyxl
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.test_moderator_journey import sign_in
from tests.reporting.test_monthly import Builder, build

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_report_drill_down_download_and_trends(live_server, page, axe, tmp_path):
    builder = Builder()
    build(builder)
    # QA leads sign in with a code: sign_in enters the one this app shows.
    TOTPDevice.objects.create(user=builder.qa_lead, name="Authenticator app", confirmed=True)

    sign_in(page, live_server, "report_qa_lead", "/reports/monthly/?month=2019-03")
    assert page.locator("h1").inner_text() == "March 2019"
    headline = page.locator("table").first
    returned = headline.locator("tr", has_text="Audits returned")
    assert returned.locator("td").first.inner_text().strip() == "51"
    axe.check(page, "r01-monthly-report")
    # Close-ups for a reader checking the layout (test-results/).
    headline.screenshot(path="test-results/r01-headline.png")
    page.locator("#matrix-overall").screenshot(path="test-results/r01-heatmap.png")
    page.emulate_media(media="print")
    page.screenshot(path="test-results/r01-print.png", full_page=False)
    page.emulate_media(media="screen")

    # Drill down from "Requires improvement after moderation" (12 in March).
    row = headline.locator("tr", has_text="Requires improvement after moderation")
    link = row.locator("td").first.locator("a")
    assert link.inner_text() == "12"
    with page.expect_navigation():
        link.click()
    assert re.search(r"/audits/\?.*moderated_overall=RI", page.url)
    # The heading says in words what was clicked.
    assert page.get_by_role("status").inner_text() == (
        "12 audits: March 2019, status Submitted, moderated, "
        "moderator's judgement Requires improvement to be good"
    )
    assert page.locator("#id_moderated_overall").input_value() == "RI"
    assert page.locator("#id_month").input_value() == "2019-03"
    axe.check(page, "r02-drill-down-list")

    # The filters there can be changed: all judgements after moderation, not only RI.
    page.select_option("#id_moderated_overall", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    assert page.get_by_role("status").inner_text().startswith("30 audits: March 2019")
    assert "moderator's judgement" not in page.get_by_role("status").inner_text()

    # The whole report as a spreadsheet.
    page.goto(f"{live_server.url}/reports/monthly/?month=2019-03")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("^Download XLSX")).click()
    download = info.value
    assert download.suggested_filename == "qa-report-2019-03.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    assert len(workbook.sheetnames) >= 8

    # Trends: charts with their tables; January 2019 (no programme) is a gap.
    page.goto(f"{live_server.url}/reports/trends/?month_from=2019-01&month_to=2019-03")
    assert page.locator("svg.app-chart").count() == 2
    assert "No programme" in page.locator("table").first.inner_text()
    axe.check(page, "r03-trends")

    page.goto(f"{live_server.url}/reports/calibration/?month_from=2019-03&month_to=2019-03")
    assert page.locator("h1").inner_text().startswith("Auditor calibration")
    axe.check(page, "r04-calibration")

    page.goto(f"{live_server.url}/reports/reaudits/?month_from=2019-03&month_to=2019-03")
    assert page.locator("h1").inner_text() == "Re-audits, March 2019"
    axe.check(page, "r05-reaudits")

    # Publishing: a bad month first (the error summary), then March, frozen as version 1.
    page.goto(f"{live_server.url}/reports/snapshots/")
    page.fill("#id_month", "March")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the report").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    axe.check(page, "r06-publish-error")
    page.fill("#id_month", "2019-03")
    with page.expect_navigation():
        page.get_by_role("button", name="Publish the report").click()
    assert "version 1" in page.locator(".govuk-notification-banner").inner_text()
    axe.check(page, "r07-published-report")
    page.goto(f"{live_server.url}/reports/snapshots/")
    assert page.locator("table").first.locator("tbody tr").count() == 1
    axe.check(page, "r08-published-list")
