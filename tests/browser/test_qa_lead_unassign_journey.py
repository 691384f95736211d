"""A QA lead in headless Chromium takes a leaver's open audits off them with nobody to give
them to yet (the error summary first), finds them on the programme's page ("2 unassigned")
and in the audit list filtered to unassigned audits, then gives them to an auditor from the
reassign page. Every page passes axe-core (WCAG 2.2 AA); screenshots in
test-results/i12u-*.png."""

import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Audit
from tests.browser.test_moderator_journey import sign_in
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MONTH = dt.date(2026, 10, 1)


def _world() -> tuple[int, list[int]]:
    area = ServiceAreaFactory(name="Children in need")
    team = TeamFactory(service_area=area, name="Children in need team 1")
    leaver = UserFactory(
        username="tm.okafor", first_name="Sam", last_name="Okafor", team=team, roles=["auditor"]
    )
    UserFactory(
        username="tm.bains", first_name="Ravi", last_name="Bains", team=team, roles=["auditor"]
    )
    qa_lead = UserFactory(
        username="qa.lead", first_name="Alex", last_name="Reid", team=None, roles=["qa_lead"]
    )
    TOTPDevice.objects.create(user=qa_lead, name="Authenticator app", confirmed=True)
    programme = ProgrammeFactory(month=MONTH, audit_target=3)
    due = timezone.localdate() + dt.timedelta(days=5)
    audits = [
        AuditFactory(
            auditor=leaver,
            case__team=team,
            case__reference=reference,
            month=MONTH,
            programme=programme,
            due_date=due,
        )
        for reference in ("CIN-8002", "CIN-8001")
    ]
    return programme.pk, [audit.pk for audit in audits]


def test_a_qa_lead_unassigns_a_leavers_audits_then_gives_them_to_someone(live_server, page, axe):
    programme_id, audit_ids = _world()
    sign_in(page, live_server, "qa.lead", "/reassign/")
    page.get_by_label("Whose work").select_option(label="Sam Okafor")
    with page.expect_navigation():
        page.get_by_role("button", name="Show their work").click()
    assert page.locator("input[name=audits]:checked").count() == 2
    page.get_by_label("Give the audits to").select_option(label="Nobody: leave them unassigned")
    with page.expect_navigation():
        page.get_by_role("button", name="Reassign").click()  # no reason
    summary = page.locator(".govuk-error-summary")
    assert "Say why the work is moving." in summary.inner_text()
    assert summary.locator('a[href="#id_reason"]').count() == 1
    axe.check(page, "i12u-01-unassign-errors")
    page.get_by_label("Give the audits to").select_option(label="Nobody: leave them unassigned")
    page.get_by_label("Reason").fill("Left the authority; cover not yet agreed")
    with page.expect_navigation():
        page.get_by_role("button", name="Reassign").click()
    assert "Unassigned 2 audits and reassigned 0 moderations." in page.content()
    assert Audit.objects.filter(pk__in=audit_ids, auditor=None).count() == 2
    axe.check(page, "i12u-02-unassigned")

    # The programme's page says what needs an owner, and lists exactly those audits.
    page.goto(f"{live_server.url}/programmes/{programme_id}/")
    link = page.get_by_role("link", name="2 unassigned audits in this programme")
    assert link.count() == 1
    axe.check(page, "i12u-03-programme-unassigned")
    with page.expect_navigation():
        link.click()
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert all("Unassigned" in rows.nth(i).inner_text() for i in range(2))
    assert (
        page.get_by_label("Auditor", exact=True).evaluate("s => s.selectedOptions[0].text")
        == "Unassigned"
    )
    axe.check(page, "i12u-04-audit-list-unassigned")

    # One audit's page says so, and its history says who took it off whom, and why.
    page.goto(f"{live_server.url}/audits/{audit_ids[0]}/history/")
    assert "Left the authority; cover not yet agreed" in page.content()
    assert "Unassigned" in page.content()
    axe.check(page, "i12u-05-history")

    # Give them to someone from the reassign page.
    page.goto(f"{live_server.url}/programmes/{programme_id}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Give them to an auditor").click()
    assert page.locator("h2", has_text="Open audits nobody holds").count() == 1
    assert page.locator("input[name=audits]:checked").count() == 2
    page.get_by_label("Give the audits to").select_option(
        label="Ravi Bains – Children in need team 1"
    )
    page.get_by_label("Reason").fill("Ravi takes over Sam's cases")
    axe.check(page, "i12u-06-assign-unassigned")
    with page.expect_navigation():
        page.get_by_role("button", name="Reassign").click()
    assert "Reassigned 2 audits and 0 moderations." in page.content()
    assert Audit.objects.filter(pk__in=audit_ids, auditor__username="tm.bains").count() == 2
    page.goto(f"{live_server.url}/programmes/{programme_id}/")
    assert "None: every open audit has an auditor" in page.content()
    axe.check(page, "i12u-07-programme-all-assigned")
