"""A QA lead sets up staff and history in headless Chromium: adds a team, imports 20 staff from
an HR CSV, imports a history file with N/A in several domains under a tool version that allows
it. Every page passes axe-core; screenshots go to /work/briefs/shots/staff-*.png when that
folder exists (the closing note), else to test-results/."""

from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Audit, AuditTool, Domain, DomainGrade, Team, User
from core.services.tools import tool_draft_new_version, tool_publish
from tests.accounts.test_staff_import import as_csv, hr_rows
from tests.audits.import_rows import audit_row, moderated, to_csv
from tests.browser.test_moderator_journey import sign_in
from tests.factories import ServiceAreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/work/briefs/shots")


def shot(page, name: str) -> None:
    folder = SHOTS if SHOTS.is_dir() else Path("test-results")
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"staff-{name}.png"), full_page=True)


def test_a_qa_lead_adds_a_team_imports_staff_and_history(live_server, page, axe, tmp_path):
    lead = UserFactory(username="lead", team=None, roles=["qa_lead"])
    TOTPDevice.objects.create(user=lead, name="Authenticator app", confirmed=True)
    ServiceAreaFactory(name="Children in need")
    v1 = AuditTool.objects.get(code="case-file", version=1)
    draft = tool_draft_new_version(actor=lead, tool=v1)
    na = ("assessment", "voice", "supervision")
    Domain.objects.filter(tool=draft, code__in=na).update(na_allowed=True)
    v2 = tool_publish(tool=draft, actor=lead)

    sign_in(page, live_server, "lead", "/staff/")
    axe.check(page, "staff-01-people")
    page.get_by_role("link", name="Service areas and teams").click()
    page.get_by_role("link", name="Add a team").first.click()
    # Nothing chosen: the error summary names both fields.
    page.get_by_role("button", name="Add the team").click()
    assert page.locator(".govuk-error-summary").is_visible()
    axe.check(page, "staff-02-team-errors")
    shot(page, "team-errors")
    page.select_option("#id_service_area", label="Children in need")
    page.fill("#id_name", "CIN North")
    page.get_by_role("button", name="Add the team").click()
    assert Team.objects.filter(name="CIN North").exists()
    axe.check(page, "staff-03-areas")
    shot(page, "areas")

    staff_file = tmp_path / "hr.csv"
    staff_file.write_bytes(as_csv(hr_rows(20)))
    page.goto(f"{live_server.url}/staff/import/")
    page.set_input_files("#id_file", str(staff_file))
    page.get_by_role("button", name="Upload and import").click()
    assert "20 created, 0 changed" in page.locator(".govuk-notification-banner").inner_text()
    axe.check(page, "staff-04-staff-imported")
    shot(page, "staff-imported")
    assert User.objects.filter(username__startswith="staff", is_active=True).count() == 19

    page.goto(f"{live_server.url}/staff/")
    page.get_by_role("link", name="Person Number5").click()
    axe.check(page, "staff-05-person")
    shot(page, "person")

    rows = []
    for i in range(12):
        row = audit_row(
            case_reference=f"HIST-{i}",
            auditor=f"staff{i % 5 + 1}",
            assessment="N/A",
            voice="NA",
            supervision="n/a" if i % 2 else "G",
        )
        rows.append(moderated(row, moderator="staff4") if i % 3 == 0 else row)
    for row in rows:
        if row.get("moderator") and row["auditor"] == "staff4":
            row["auditor"] = "staff2"
        if row.get("moderator"):
            row["moderated_assessment"] = "NA"
    history_file = tmp_path / "history.csv"
    history_file.write_bytes(to_csv(rows))
    page.goto(f"{live_server.url}/import/?tool={v2.pk}")
    assert page.locator("code", has_text="supervision").count() >= 1
    axe.check(page, "staff-06-import-columns")
    shot(page, "import-columns")
    page.set_input_files("#id_file", str(history_file))
    page.select_option("#id_tool_version", value=str(v2.pk))
    page.get_by_role("button", name="Upload and import").click()
    assert "12 audits imported" in page.locator(".govuk-notification-banner").inner_text()
    axe.check(page, "staff-07-history-imported")
    shot(page, "history-imported")
    assert Audit.objects.filter(tool=v2).count() == 12
    assert DomainGrade.objects.filter(domain__code="assessment", grade="NA").count() == 12
