"""A new authority from an empty database, in headless Chromium, as its QA lead would: the
first QA lead's set-password link (manage.py create_qa_lead), two-factor set-up, its own tool
(six domains, Outstanding offered, N/A allowed in two), its teams and 20 staff from the HR
file, 24 months of its history with N/A in those two domains; then the monthly report and the
trends show its domains. axe-core on every page (screenshots in test-results/na-*.png)."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import Audit, AuditTool, Team, User
from tests.accounts.test_staff_import import as_csv, hr_rows
from tests.audits.import_rows import to_csv
from tests.browser.test_tool_journey import add_domain
from tests.browser.test_two_factor_journey import code_from_key, submit
from tests.new_authority import DOMAINS, TOOL_CODE, TOOL_NAME, history_months, history_rows

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "our council's long passphrase"


def test_a_new_authority_from_an_empty_database_in_the_browser(
    live_server, page, axe, tmp_path, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    assert not User.objects.exists() and not Audit.objects.exists()
    today = timezone.localdate()

    # Installation: the one command; its link is the first QA lead's way in.
    out = io.StringIO()
    call_command("create_qa_lead", "first.lead", "--email", "lead@council.example", stdout=out)
    link = next(line for line in out.getvalue().splitlines() if "/set-password/" in line)
    page.goto(live_server.url + "/" + link.split("://", 1)[1].split("/", 1)[1])
    assert page.locator("h1").inner_text() == "Choose your password"
    axe.check(page, "na-01-choose-password")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    submit(page, "Set my password")
    page.fill("#id_username", "first.lead")
    page.fill("#id_password", PASSWORD)
    submit(page, "Sign in")
    assert page.locator("h1").inner_text() == "Set up two-factor sign-in"
    axe.check(page, "na-02-two-factor-setup")
    page.fill("#id_code", code_from_key(page))
    submit(page, "Turn on two-factor sign-in")
    submit(page, "Continue")

    # Its own tool.
    page.goto(f"{live_server.url}/tools/")
    axe.check(page, "na-03-tools")
    with page.expect_navigation():
        page.get_by_role("link", name="Create a tool").click()
    page.fill("#id_code", TOOL_CODE)
    page.fill("#id_name", TOOL_NAME)
    page.get_by_label("Case file audit").check()
    page.locator("#id_offers_outstanding_0").check()  # Yes
    page.locator("#id_blind_moderation_1").check()  # No
    submit(page, "Create the tool")
    for code, title, na in DOMAINS:
        add_domain(page, code, title, na)
    axe.check(page, "na-04-tool-domains")
    submit(page, "Publish version 1")
    tool = AuditTool.objects.get(code=TOOL_CODE)
    assert tool.is_published() and tool.offers_outstanding
    assert tool.domains.filter(na_allowed=True).count() == 2

    # Its teams and staff from the HR file.
    hr = hr_rows(20)
    staff_file = tmp_path / "hr.csv"
    staff_file.write_bytes(as_csv(hr))
    page.goto(f"{live_server.url}/staff/import/")
    axe.check(page, "na-05-staff-import")
    page.set_input_files("#id_file", str(staff_file))
    submit(page, "Upload and import")
    assert "20 created, 0 changed" in page.locator(".govuk-notification-banner").inner_text()
    axe.check(page, "na-06-staff-imported")
    assert Team.objects.count() == len({r["team"] for r in hr if r["team"]})
    page.goto(f"{live_server.url}/staff/")
    assert page.get_by_role("link", name="Person Number7").count() == 1
    axe.check(page, "na-07-people")

    # 24 months of its history, with N/A in the two domains that allow it.
    rows = history_rows(hr, today)
    assert Counter(r["agencies"] for r in rows)["N/A"] > 0
    history_file = tmp_path / "history.csv"
    history_file.write_bytes(to_csv(rows))
    page.goto(f"{live_server.url}/import/?tool={tool.pk}")
    for code, _title, _na in DOMAINS:
        assert page.locator("main code", has_text=code).count() >= 1
    axe.check(page, "na-08-import-columns")
    page.set_input_files("#id_file", str(history_file))
    page.select_option("#id_tool_version", value=str(tool.pk))
    submit(page, "Upload and import")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert f"{len(rows)} audits imported" in banner
    axe.check(page, "na-09-history-imported")
    assert Audit.objects.filter(tool=tool).count() == len(rows)

    # The monthly report and the trends in its own domains.
    first, last = history_months(today)[0], history_months(today)[-1]
    page.goto(f"{live_server.url}/reports/monthly/?month={last:%Y-%m}")
    main = page.locator("main").inner_text()
    for _code, title, _na in DOMAINS:
        assert title in main
    assert "Earlier intervention" not in main  # the shipped tool's domains are not its own
    axe.check(page, "na-10-monthly-report")
    page.goto(f"{live_server.url}/reports/trends/?month_from={first:%Y-%m}&month_to={last:%Y-%m}")
    main = page.locator("main").inner_text()
    for _code, title, _na in DOMAINS:
        assert title in main
    assert page.locator("h1").inner_text() == f"Trends, {first:%B %Y} to {last:%B %Y}"
    axe.check(page, "na-11-trends")
