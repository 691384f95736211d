"""A new authority through the API alone, from an empty database: its first QA lead (the one
command run at installation), a token, its own tool, its staff from the HR file, 24 months of
its history with N/A where its tool allows it, and the monthly report and trends in its own
domains. Every figure checked here is counted from the rows that were sent."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.models import Audit, User
from tests.accounts.test_staff_import import hr_rows
from tests.new_authority import DOMAINS, TOOL_CODE, history_months, history_rows, tool_definition

pytestmark = pytest.mark.django_db


def _client_for_first_qa_lead() -> APIClient:
    call_command(
        "create_qa_lead", "first.lead", "--email", "lead@council.example", stdout=io.StringIO()
    )
    # The lead sets a password and two-factor sign-in on the website, then asks for a token.
    TOTPDevice.objects.create(user=User.objects.get(username="first.lead"), confirmed=True)
    out = io.StringIO()
    call_command("issue_token", "first.lead", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().split()[-1]}")
    return client


def test_a_new_authority_sets_up_its_tool_staff_and_history_through_the_api_alone():
    assert not User.objects.exists() and not Audit.objects.exists()
    api = _client_for_first_qa_lead()
    today = timezone.localdate()

    tool = api.post("/api/tools/", tool_definition(), format="json")
    assert tool.status_code == 201, tool.json()
    assert tool.json()["published"] and tool.json()["version"] == 1
    assert [d["code"] for d in tool.json()["domains"]] == [d[0] for d in DOMAINS]
    assert [d["na_allowed"] for d in tool.json()["domains"]] == [d[2] for d in DOMAINS]

    hr = hr_rows(20)
    staff = api.post("/api/staff-import/", {"rows": hr, "dry_run": False}, format="json")
    assert staff.status_code == 200, staff.json()
    assert len(staff.json()["created"]) == 20
    teams = {r["team"] for r in hr if r["team"]}
    assert sorted(t.split(" (")[0] for t in staff.json()["teams_created"]) == sorted(teams)

    rows = history_rows(hr, today)
    # N/A where the tool forbids it is refused by row and column, and nothing is written.
    wrong = [dict(rows[0], safety="N/A"), *rows[1:]]
    refused = api.post("/api/imports/", {"rows": wrong}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0] | {"reason": ""} == {
        "row": 2,
        "column": "safety",
        "reason": "",
    }
    assert not Audit.objects.exists()
    history = api.post("/api/imports/", {"rows": rows}, format="json")
    assert history.status_code == 200, history.json()
    moderated = [r for r in rows if r.get("moderator")]
    assert (history.json()["audits"], history.json()["moderations"]) == (len(rows), len(moderated))
    assert history.json()["people"] == []  # every auditor and moderator came from the HR file

    last = history_months(today)[-1]
    report = api.get("/api/reports/monthly/", {"month": f"{last:%Y-%m}"})
    assert report.status_code == 200
    month_rows = [r for r in rows if r["month"] == f"{last:%Y-%m}"]
    assert report.json()["audits"]["returned"] == len(month_rows)
    domains = {d["code"]: d for d in report.json()["domains"]}
    assert list(domains) == [d[0] for d in DOMAINS]
    for code, title, na in DOMAINS:
        counted = Counter("NA" if r[code] == "N/A" else r[code] for r in month_rows)
        assert domains[code]["title"] == title
        assert {g: v["n"] for g, v in domains[code]["all"].items() if v["n"]} == dict(counted)
        assert bool(counted["NA"]) <= na  # N/A only where the tool allows it

    first = history_months(today)[0]
    trends = api.get(
        "/api/reports/trends/", {"month_from": f"{first:%Y-%m}", "month_to": f"{last:%Y-%m}"}
    )
    assert trends.status_code == 200, trends.json()
    assert [d["code"] for d in trends.json()["domains"]] == [d[0] for d in DOMAINS]
    by_month = {m["month"]: m for m in trends.json()["months"]}
    assert len(by_month) == len(history_months(today))
    for month in history_months(today):
        key = f"{month:%Y-%m}"
        these = [r for r in rows if r["month"] == key]
        assert by_month[key]["audits"] == len(these)
        agencies = next(d for d in by_month[key]["domains"] if d["code"] == "agencies")
        assert agencies["all"]["NA"]["n"] == sum(r["agencies"] == "N/A" for r in these)
    assert Audit.objects.filter(tool__code=TOOL_CODE).count() == len(rows)
