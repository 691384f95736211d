"""A head of service's month in headless Chromium (issue 12's fourth journey): signed in with
two-factor, they open their inbox (its count in the header), answer an escalation waiting for
their response (the empty answer first: the error summary links to the field), read the
monthly report for their service areas and follow a count to exactly that many audits, the
trends, auditor calibration for their areas, a case's page found by its reference, an audit
with both grades side by side, its print view, and download an audit list as CSV. What they
must not see is checked on the way: Programmes (403), My audits in the menu, published
reports (authority-wide: 403 with the reason), another area's audit (404) and a moderation
still in progress (its grades hidden, its page 404). Every page passes axe-core (WCAG 2.2
AA); screenshots are test-results/hos-NN-<name>.png."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Audit
from flows import moderation as moderation_flows
from moderation.models import Escalation
from moderation.services.claims import moderation_claim
from moderation.services.moderating import moderation_save_draft
from tests.browser.test_moderator_journey import sign_in
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
HOS = "hos.khan"


def _moderate(audit, moderator, qa_lead, **fields):
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    return moderation_flows.moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(audit.tool, **fields),
    )


def _world() -> dict:
    """Two service areas like the demo's: the head of service's (child protection, two
    teams) and another (children in care), each audited and moderated this month."""
    area = ServiceAreaFactory(name="Child protection")
    teams = [TeamFactory(service_area=area, name=f"Child protection team {n}") for n in (1, 2)]
    other_area = ServiceAreaFactory(name="Children in care")
    other_team = TeamFactory(service_area=other_area, name="Children in care team 1")
    head = UserFactory(
        username=HOS, first_name="Amina", last_name="Khan", team=None, roles=["viewer"]
    )
    head.service_areas.add(area)
    TOTPDevice.objects.create(user=head, name="Authenticator app", confirmed=True)
    managers = [
        UserFactory(
            username=f"tm.{name.lower()}",
            first_name=first,
            last_name=name,
            team=team,
            roles=["auditor"],
        )
        for (first, name), team in zip(
            [("Sam", "Okafor"), ("Ravi", "Bains"), ("Kit", "Gill")],
            [*teams, other_team],
            strict=True,
        )
    ]
    moderator = UserFactory(
        username="qa.marsh", first_name="Jo", last_name="Marsh", team=None, roles=["moderator"]
    )
    qa_lead = UserFactory(username="qa.lead", team=None, roles=["qa_lead"])
    ProgrammeFactory(month=MONTH, due_date=MONTH + dt.timedelta(days=30))

    def audit(manager, reference, **fields):
        return submitted_audit(
            auditor=manager,
            case__team=manager.team,
            case__reference=reference,
            month=MONTH,
            **fields,
        )

    downgraded = audit(managers[0], "CP-2026-00101")
    _moderate(downgraded, moderator, qa_lead, grade="RI", overall="RI")
    escalated = [audit(managers[0], "CP-2026-00102"), audit(managers[1], "CP-2026-00103")]
    for one in escalated:
        _moderate(
            one,
            moderator,
            qa_lead,
            grade="I",
            overall="I",
            escalated=True,
            escalation_reason="No plan for the child's safety at home.",
        )
    audit(managers[1], "CP-2026-00104", grade="RI", overall="RI")
    # A moderation still in progress: the moderator's draft grades are theirs alone.
    in_progress = audit(managers[1], "CP-2026-00105")
    claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(in_progress, qa_lead))
    moderation_save_draft(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=moderation_content(in_progress.tool, grade="I", overall="I"),
    )
    # Another area's audit, escalated too: not theirs to read or answer.
    elsewhere = audit(managers[2], "CIC-2026-00201")
    _moderate(
        elsewhere,
        moderator,
        qa_lead,
        grade="I",
        overall="I",
        escalated=True,
        escalation_reason="Placement breaking down.",
    )
    return {
        "area": area,
        "downgraded": downgraded,
        "escalated": escalated,
        "in_progress": claimed,
        "elsewhere": elsewhere,
    }


def _shot(axe, page, number: int, name: str) -> None:
    axe.check(page, f"hos-{number:02d}-{name}")


def _status_of(page, path: str) -> int:
    response = page.goto(path)
    assert response is not None
    return response.status


def test_a_head_of_service_month(live_server, page, axe):
    world = _world()
    url = live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, HOS, "/inbox/")  # password, then the authenticator's code

    # 1. The inbox: the escalations waiting for their response, counted in the header.
    waiting = Escalation.objects.filter(
        status=Escalation.Status.OPEN, audit__case__team__service_area=world["area"]
    ).count()
    assert waiting == len(world["escalated"])
    assert page.locator("h1").inner_text() == "Inbox"
    assert page.get_by_role("link", name=f"Inbox ({waiting})").count() == 1
    answers = page.get_by_role("link", name="Give the management response to the escalation")
    assert answers.count() == waiting
    assert "CIC-2026-00201" not in page.locator("main").inner_text()
    menu = page.get_by_role("navigation", name="Menu").inner_text()
    assert "My audits" not in menu and "Programmes" not in menu
    assert "Reports" in menu and "Escalations" in menu
    _shot(axe, page, 1, "inbox")

    # 2. Escalations: their areas' only, soonest due first.
    with page.expect_navigation():
        page.get_by_role("link", name="Escalations", exact=True).click()
    assert page.locator("h2", has_text=f"Waiting for a response ({waiting})").count() == 1
    assert "CIC-2026-00201" not in page.content()
    _shot(axe, page, 2, "escalations")

    # 3. Answering one: the empty answer first, its error linked to the field.
    first = world["escalated"][0]
    with page.expect_navigation():
        page.get_by_role("link", name=first.case.reference).click()
    assert page.locator("h1").inner_text() == f"Escalation of case {first.case.reference}"
    _shot(axe, page, 3, "escalation")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the response and close").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    link = summary.locator("a").first
    assert link.get_attribute("href") == "#id_response"
    assert page.locator("#id_response-error").is_visible()
    _shot(axe, page, 4, "escalation-error")
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_response"
    page.keyboard.type("Strategy meeting held; the plan is being rewritten by Friday.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the response and close").click()
    assert "Strategy meeting held" in page.locator("main").inner_text()
    escalation = Escalation.objects.get(audit=first)
    assert escalation.status == Escalation.Status.CLOSED
    assert escalation.responded_by.username == HOS
    assert page.get_by_role("link", name=f"Inbox ({waiting - 1})").count() == 1
    _shot(axe, page, 5, "escalation-answered")

    # 4. The monthly report for their areas, and one count opened.
    with page.expect_navigation():
        page.get_by_role("link", name="Reports", exact=True).click()
    page.goto(f"{url}/reports/monthly/?month={MONTH:%Y-%m}")
    assert page.locator("h1").inner_text() == f"{MONTH:%B %Y}"
    assert "Children in care" not in page.locator("main").inner_text()
    headline = page.locator("table").first
    returned = headline.locator("tr", has_text="Audits returned").locator("td").first.locator("a")
    theirs = Audit.objects.filter(
        month=MONTH,
        status__in=Audit.LOCKED_STATUSES,
        case__team__service_area=world["area"],
    ).count()
    assert returned.inner_text() == str(theirs)
    assert page.get_by_role("link", name="Auditor calibration").count() == 1
    _shot(axe, page, 6, "monthly-report")
    with page.expect_navigation():
        returned.click()
    status = page.get_by_role("status").inner_text()
    assert status.startswith(f"{theirs} audits: {MONTH:%B %Y}"), status
    rows = page.locator("tbody tr")
    assert rows.count() == theirs
    assert "CIC-2026-00201" not in page.locator("main").inner_text()
    _shot(axe, page, 7, "drill-down")

    # 5. The drill-down's audits as a CSV: the same audits, their areas' only.
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0][0] == "Case"
    references = sorted(line[0] for line in lines[1:])
    assert len(references) == theirs
    assert all(reference.startswith("CP-") for reference in references)

    # 6. Trends, and from there calibration for their areas.
    page.goto(f"{url}/reports/trends/")
    assert page.locator("h1").inner_text().startswith("Trends")
    _shot(axe, page, 8, "trends")
    with page.expect_navigation():
        page.get_by_role("link", name="Auditor calibration").click()
    assert page.locator("h1").inner_text().startswith("Auditor calibration")
    page.goto(f"{url}/reports/calibration/?month_from=2026-09&month_to={MONTH:%Y-%m}")
    calibration = page.locator("main").inner_text()
    assert "Sam Okafor" in calibration and "Ravi Bains" in calibration
    assert "Kit Gill" not in calibration  # another area's auditor
    _shot(axe, page, 9, "calibration")

    # 7. A case found by its reference: a prefix lists their cases, the exact one opens it.
    page.get_by_label("Find a case by its reference").fill("cp-2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Find a case").click()
    assert page.locator("h1").inner_text() == "Find a case"
    assert page.get_by_role("link", name="CP-2026-00101").count() == 1
    assert page.get_by_role("link", name="CIC-2026-00201").count() == 0
    _shot(axe, page, 10, "case-search")
    page.get_by_label("Find a case by its reference").fill("cp-2026-00101")
    with page.expect_navigation():
        page.get_by_role("button", name="Find a case").click()
    assert page.locator("h1").inner_text() == "Case CP-2026-00101"
    assert "Moderated judgement" in page.content()
    _shot(axe, page, 11, "case")

    # 8. The audit with both grades side by side, and its print view.
    page.goto(f"{url}{world['downgraded'].get_absolute_url()}")
    assert "Downgraded by 1 grade" in page.locator("#both-grades-table").inner_text()
    _shot(axe, page, 12, "audit-both-grades")
    with page.expect_navigation():
        page.get_by_role("link", name="Print this audit or save it as a PDF").click()
    domains = page.locator("table.app-print-domains")
    assert domains.locator("th", has_text="Moderator’s grade").count() == 1
    _shot(axe, page, 13, "print-view")
    page.emulate_media(media="print")
    page.screenshot(path="test-results/hos-13-print-view-as-printed.png", full_page=True)
    page.emulate_media(media="screen")

    # 9. What they must not see. Programmes: not in the menu, refused with the reason.
    assert _status_of(page, f"{url}/programmes/") == 403
    assert page.locator("h1").count() == 1
    _shot(axe, page, 14, "programmes-refused")
    # Published reports are the authority-wide ones: refused, with the reason.
    assert _status_of(page, f"{url}/reports/snapshots/") == 403
    assert "QA leads and moderators only" in page.locator("main").inner_text()
    _shot(axe, page, 15, "published-reports-refused")
    # Another area's audit, and its print view: as if it did not exist.
    elsewhere = world["elsewhere"]
    assert _status_of(page, f"{url}{elsewhere.get_absolute_url()}") == 404
    assert "CIC-2026-00201" not in page.content()
    _shot(axe, page, 16, "other-area-audit")
    assert _status_of(page, f"{url}/audits/{elsewhere.pk}/print/") == 404
    # A moderation still in progress: no moderator's grade on the audit, its page a 404.
    claimed = world["in_progress"]
    assert _status_of(page, f"{url}{claimed.audit.get_absolute_url()}") == 200
    main = page.locator("main").inner_text()
    assert page.locator("#both-grades-table").count() == 0
    assert "Inadequate" not in main  # the moderator's draft grades
    _shot(axe, page, 17, "audit-moderation-in-progress")
    assert _status_of(page, f"{url}/moderation/{claimed.pk}/") == 404
    assert len(axe.pages_checked) == 17
