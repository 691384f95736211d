"""Issue 12 snag 24 in headless Chromium at 1280 px: every role's menu on one row of the
header (measured: every menu item at the same height, the header under 100 px); a case
reference never breaks at its hyphen; the audit page printed fits A4's printable width; on
the printed report a domain's "(Case file audit)" is no larger than the domain's name."""

import datetime as dt

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditTool
from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from tests.browser.test_moderator_journey import sign_in, sign_out
from tests.browser.test_print_and_export_journey import A4_PRINTABLE_PX
from tests.factories import (
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
ROLES = {
    "tm.okafor": "auditor",
    "qa.marsh": "moderator",
    "hos.khan": "viewer",
    "qa.lead": "qa_lead",
}


def _world():
    area = ServiceAreaFactory(name="Child protection")
    team = TeamFactory(service_area=area, name="Child protection team 1")
    users = {}
    for username, role in ROLES.items():
        users[role] = UserFactory(
            username=username, team=team if role == "auditor" else None, roles=[role]
        )
    users["viewer"].service_areas.add(area)
    TOTPDevice.objects.create(user=users["qa_lead"], name="Authenticator app", confirmed=True)
    foster = AuditTool.objects.get(code="foster-carer", version=1)
    ProgrammeFactory(month=MONTH, due_date=MONTH + dt.timedelta(days=30))
    ProgrammeFactory(month=MONTH, tool=foster, due_date=MONTH + dt.timedelta(days=30))
    audits = [
        submitted_audit(
            auditor=users["auditor"],
            case__team=team,
            case__reference="CP-2024-00017",
            month=MONTH,
        ),
        submitted_audit(auditor=users["auditor"], case__team=team, month=MONTH, tool=foster),
    ]
    for audit in audits:
        moderation = moderation_claim(
            actor=users["moderator"], moderation=sampled_moderation(audit, users["qa_lead"])
        )
        moderation_flows.moderation_complete(
            actor=users["moderator"],
            moderation=moderation,
            version=moderation.version,
            content=moderation_content(audit.tool, grade="RI", overall="RI"),
        )
    return audits[0]


WIDER_THAN = """(limit) => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > limit)
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""

MENU_ROWS = """() => {
  const items = [...document.querySelectorAll('.govuk-service-navigation__item')];
  return [...new Set(items.map(e => Math.round(e.getBoundingClientRect().top)))].length;
}"""


def test_the_header_the_references_and_printing(live_server, page, axe):
    audit = _world()
    page.set_viewport_size({"width": 1280, "height": 900})
    for username in ROLES:
        sign_in(page, live_server, username, "/inbox/")
        header = page.locator("header").bounding_box()
        assert page.evaluate(MENU_ROWS) == 1, username
        assert header is not None and header["height"] < 100, (username, header)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, username
        axe.check(page, f"i12b-09-header-{ROLES[username]}", full_page=False)
        sign_out(page)

    sign_in(page, live_server, "tm.okafor", f"/audits/{audit.pk}/")
    # The reference keeps to one line: its box is one line high.
    reference = page.locator("h1 .app-reference")
    assert reference.evaluate("e => getComputedStyle(e).whiteSpace") == "nowrap"
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1000})
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDER_THAN, A4_PRINTABLE_PX)
    assert width <= A4_PRINTABLE_PX, f"{width - A4_PRINTABLE_PX}px too wide: {wide}"
    page.screenshot(path="test-results/i12b-10-audit-page-as-printed.png", full_page=True)
    report_url = f"{live_server.url}/reports/monthly/?month=2026-10"
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_out(page)

    sign_in(page, live_server, "qa.lead", "/reports/")
    page.goto(report_url)
    page.emulate_media(media="print")
    notes = page.locator(".govuk-table th .govuk-body-s")
    assert notes.count() > 0
    sizes = notes.first.evaluate(
        "e => [parseFloat(getComputedStyle(e).fontSize),"
        " parseFloat(getComputedStyle(e.closest('th')).fontSize)]"
    )
    assert sizes[0] <= sizes[1], sizes
    page.screenshot(path="test-results/i12b-11-report-as-printed.png", full_page=True)
