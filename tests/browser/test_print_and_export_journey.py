"""Issue 12 (i12b) in headless Chromium: one audit printed with both grades side by side
(on screen and as printed: it fits A4's printable width), a tool's blank paper form, the
audit list downloaded as CSV, calibration over time and the trends page. Every page passes
axe-core (WCAG 2.2 AA); screenshots are test-results/i12b-*.png."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Action, User
from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from tests.browser.test_moderator_journey import sign_in
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
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
# A4 less two 12 mm margins (static/audits/print.css @page), in CSS pixels at 96 per inch.
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)


def _world():
    area = ServiceAreaFactory(name="Child protection")
    team = TeamFactory(service_area=area, name="Child protection team 1")
    manager = UserFactory(
        username="tm.okafor", first_name="Sam", last_name="Okafor", team=team, roles=["auditor"]
    )
    moderator = UserFactory(username="qa.marsh", team=None, roles=["moderator"])
    qa_lead = UserFactory(username="qa.lead", team=None, roles=["qa_lead"])
    audit = submitted_audit(
        auditor=manager, case__team=team, case__reference="CP-2024-00017", month=MONTH
    )
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    moderation_flows.moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(
            audit.tool,
            grade="RI",
            overall="RI",
            overall_revision_reason="The plan has drifted for three months without review.",
        ),
    )
    Action.objects.create(
        audit=audit,
        description="Review the child protection plan with the IRO.",
        owner="Team manager",
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )
    submitted_audit(auditor=manager, case__team=team, case__reference="CP-2024-00018", month=MONTH)
    AuditFactory(auditor=manager, case__team=team, case__reference="CP-2024-00019", month=MONTH)
    return audit


def _fits(page, width: int) -> bool:
    page.set_viewport_size({"width": width, "height": 1000})
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_print_blank_form_and_list_download(live_server, page, axe):
    audit = _world()
    sign_in(page, live_server, "tm.okafor", f"/audits/{audit.pk}/")

    with page.expect_navigation():
        page.get_by_role("link", name="Print this audit or save it as a PDF").click()
    assert page.locator("h1").inner_text() == "Audit of case CP-2024-00017"
    domains = page.locator("table.app-print-domains")
    assert domains.locator("th", has_text="Moderator’s grade").count() == 1
    assert domains.locator("td", has_text="Requires improvement to be good").count() > 0
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()
    axe.check(page, "i12b-01-print-view")

    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print or save as PDF").is_visible()
    assert not page.locator(".govuk-service-navigation").is_visible()
    assert _fits(page, A4_PRINTABLE_PX), "the printed audit is wider than A4"
    page.screenshot(path="test-results/i12b-02-print-view-as-printed.png", full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The blank form, from the form of an audit still to do.
    page.goto(f"{live_server.url}/audits/mine/")
    with page.expect_navigation():
        page.get_by_role("link", name="CP-2024-00019").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Print a blank form").click()
    assert page.locator("h1").inner_text() == "Blank audit form"
    assert page.locator(".app-write-box").count() > page.locator("section h2").count()
    axe.check(page, "i12b-03-blank-form")
    page.emulate_media(media="print")
    assert _fits(page, A4_PRINTABLE_PX), "the blank form is wider than A4"
    page.screenshot(path="test-results/i12b-04-blank-form-as-printed.png", full_page=True)
    page.screenshot(path="test-results/i12b-04-blank-form-as-printed-top.png")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The audit list, filtered, downloaded with the same audits and columns.
    page.goto(f"{live_server.url}/audits/?status=submitted")
    axe.check(page, "i12b-05-audit-list-download")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    assert "filtered" in download.value.suggested_filename
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Case" and rows[0][-1] == "Status"
    assert sorted(row[0] for row in rows[1:]) == ["CP-2024-00017", "CP-2024-00018"]


def test_calibration_over_time_and_trends(live_server, page, axe):
    """Calibration month by month (its cells open their audits) and the trends page (to this
    month, the current month marked, chart text in the page's font)."""
    audit = _world()
    this_month = timezone.localdate().replace(day=1)
    ProgrammeFactory(month=MONTH, due_date=MONTH + dt.timedelta(days=30))
    ProgrammeFactory(month=this_month, due_date=this_month + dt.timedelta(days=27))
    lead = User.objects.get(username="qa.lead")
    TOTPDevice.objects.create(user=lead, name="Authenticator app", confirmed=True)
    sign_in(page, live_server, "qa.lead", "/reports/")
    page.goto(f"{live_server.url}/reports/calibration/?month_from=2026-09&month_to=2026-10")
    over_time = page.locator("table", has_text="month by month").first
    assert over_time.locator("th", has_text="Oct 2026").count() == 1
    row = over_time.locator("tr", has_text="Sam Okafor")
    assert "0.0% of 1" in row.inner_text()
    axe.check(page, "i12b-06-calibration-over-time")
    with page.expect_navigation():
        row.get_by_role("link", name="1").first.click()
    assert page.get_by_role("status").inner_text().startswith("1 audit:")
    assert audit.case.reference in page.content()
    axe.check(page, "i12b-07-calibration-drill-down")

    page.goto(f"{live_server.url}/reports/trends/")
    assert page.locator("h1").inner_text().endswith(f"to {this_month:%B %Y}")
    assert page.locator("text=(to date)").count() >= 1
    font = page.evaluate("getComputedStyle(document.querySelector('.app-chart text')).fontFamily")
    assert font.startswith("arial"), font
    axe.check(page, "i12b-08-trends")
