"""The moderation journey in headless Chromium: a moderator claims an audit from the queue,
downgrades a domain and escalates the case; the auditor reads and acknowledges the feedback;
the head of service responds to the escalation. Every page on the way passes axe-core."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from moderation.models import Escalation, Moderation
from tests.factories import (
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
    sampled_moderation,
    submitted_audit,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "correct-horse-battery"
CASE = "LCS-3004417"


def current_code(username: str) -> str:
    """The code the person's authenticator app shows now (the next one if this one is spent)."""
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, live_server, username: str, next_path: str) -> None:
    """Password, then (for those with two-factor sign-in, e.g. QA leads) the app's code."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if page.url.startswith(f"{live_server.url}/account/two-factor/verify/"):
        page.fill("#id_code", current_code(username))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}{next_path}")


def sign_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def test_moderation_feedback_and_escalation_journey(live_server, page, axe):
    area = ServiceAreaFactory(name="Children in need")
    team = TeamFactory(service_area=area, name="CIN team 2")
    auditor = UserFactory(
        username="sam.auditor", first_name="Sam", last_name="Okafor", team=team, roles=["auditor"]
    )
    UserFactory(
        username="asha.moderator",
        first_name="Asha",
        last_name="Patel",
        team=None,
        roles=["moderator"],
    )
    head = UserFactory(
        username="jo.head", first_name="Jo", last_name="Reid", team=None, roles=["viewer"]
    )
    head.service_areas.add(area)
    qa_lead = UserFactory(username="qa.lead", team=None, roles=["qa_lead"])
    audit = submitted_audit(auditor=auditor, case__team=team, case__reference=CASE)
    moderation = sampled_moderation(audit, qa_lead)
    domains = list(audit.tool.domains.order_by("position"))

    # The moderator claims the audit from the queue.
    sign_in(page, live_server, "asha.moderator", "/moderation/")
    assert page.locator("h1").inner_text() == "Moderation queue"
    assert CASE in page.locator("table").first.inner_text()
    axe.check(page, "m01-queue")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Claim case {CASE}").click()
    page.wait_for_url(f"{live_server.url}/moderation/{moderation.pk}/")
    assert page.locator("h1").inner_text() == f"Moderate the audit of case {CASE}"
    axe.check(page, "m02-moderation-form")

    # Completing with a downgrade but no rationale: the error summary links to the field.
    plan = next(d for d in domains if d.code == "plan")
    for domain in domains:
        page.check(f"#id_grade_{domain.code}_1")  # Good (the tool offers Outstanding first)
    page.check(f"#id_grade_{plan.code}_3")  # Inadequate: two grades down
    page.fill(f"#id_rationale_{plan.code}", "")
    page.check("#id_overall_3")  # Inadequate
    # Not the auditor's judgement: its reason, as a domain grade's (issue 12 snag 22).
    page.fill("#id_overall_revision_reason", "The plan leaves the child unsafe at home.")
    page.check("#id_escalated")
    page.fill("#id_escalation_reason", "No plan for the child's safety at home.")
    page.fill("#id_summary", "The plan has no dates or owners; see the rationale.")
    with page.expect_navigation():
        page.get_by_role("button", name="Complete moderation").click()
    assert page.title().startswith("Error:")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.locator("a").first.get_attribute("href") == f"#id_rationale_{plan.code}"
    axe.check(page, "m03-moderation-form-errors")
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == f"id_rationale_{plan.code}"
    page.keyboard.type("No review of the plan since March; actions have no owners.")
    # The rest of the rationales are optional where the grades agree.
    with page.expect_navigation():
        page.get_by_role("button", name="Complete moderation").click()
    page.wait_for_url(f"{live_server.url}/moderation/{moderation.pk}/")
    assert "completed" in page.locator(".govuk-notification-banner").inner_text()
    assert "Downgraded by 2 grades" in page.locator("table").inner_text()
    axe.check(page, "m04-moderation-completed")
    sign_out(page)

    moderation.refresh_from_db()
    assert moderation.status == Moderation.Status.COMPLETED
    escalation = Escalation.objects.get(audit=audit)
    assert escalation.raised_by_role == Escalation.RaisedBy.MODERATOR

    # The auditor reads the feedback and acknowledges it.
    sign_in(page, live_server, "sam.auditor", "/feedback/")
    assert page.locator("h1").inner_text() == "My feedback"
    card = page.locator(".govuk-summary-card").first
    assert CASE in card.inner_text()
    assert "1 downgraded" in card.inner_text()
    axe.check(page, "m05-feedback")
    with page.expect_navigation():
        page.get_by_role("button", name=f"Acknowledge the feedback on case {CASE}").click()
    assert "acknowledged" in page.locator(".govuk-notification-banner").inner_text()
    axe.check(page, "m06-feedback-acknowledged")
    sign_out(page)
    moderation.refresh_from_db()
    assert moderation.acknowledged_by_id == auditor.pk

    # The head of service responds to the escalation.
    sign_in(page, live_server, "jo.head", "/escalations/")
    assert page.locator("h1").inner_text() == "Escalations"
    axe.check(page, "m07-escalations")
    page.get_by_role("link", name=CASE).click()
    page.wait_for_url(f"{live_server.url}/escalations/{escalation.pk}/")
    axe.check(page, "m08-escalation")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the response and close").click()
    assert page.title().startswith("Error:")
    axe.check(page, "m09-escalation-error")
    page.fill("#id_response", "Strategy meeting held; the plan is being rewritten by Friday.")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the response and close").click()
    assert "Strategy meeting held" in page.locator("main").inner_text()
    axe.check(page, "m10-escalation-closed")

    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.CLOSED
    assert escalation.responded_by_id == head.pk
    assert len(axe.pages_checked) == 10
