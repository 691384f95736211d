"""seed_load and the load test's page reading (loadtest/pages.py) against the real service.

The load test is only worth its figures if every simulated person works alone (so a 409 is a
real failure) and if it reads and posts the pages as they are; these tests hold both.
"""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tokens import api_token_find
from core.models import Audit, User
from demo.organisation import DEMO_QA_LEAD
from loadtest.pages import audit_form_fields, audit_form_read, audit_links
from moderation.models import Moderation
from tests.factories import CaseFactory, ProgrammeFactory, TeamFactory, UserFactory


@pytest.fixture
def demo_base(db):
    """The part of seed_demo that seed_load builds on: the QA lead, teams with cases and this
    month's case-file programme."""
    UserFactory(username=DEMO_QA_LEAD, team=None, roles=["qa_lead"])
    for n in range(2):
        CaseFactory(team=TeamFactory(name=f"Child protection team {n + 1}"))
    month = timezone.localdate().replace(day=1)
    return ProgrammeFactory(month=month, due_date=month + dt.timedelta(days=27))


def seed(tmp_path, **counts) -> dict:
    out = tmp_path / "users.json"
    options = [f"--{name}={value}" for name, value in counts.items()]
    call_command("seed_load", "--out", str(out), *options, stdout=io.StringIO())
    return json.loads(out.read_text())


def sign_in(account: dict) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": account["username"], "password": account["password"]}
    )
    assert response.status_code == 302, account["username"]
    return client


def test_every_account_has_work_of_its_own(demo_base, tmp_path):
    users = seed(tmp_path, auditors=3, drafts=2, moderators=2, items=3, viewers=2)

    assert users["report_months"][0] == f"{demo_base.month:%Y-%m}"
    assert [len(a["audits"]) for a in users["auditors"]] == [2, 2, 2]
    draft_ids = [pk for a in users["auditors"] for pk in a["audits"]]
    assert len(set(draft_ids)) == 6
    for account in users["auditors"]:
        user = User.objects.get(username=account["username"])
        assert user.is_auditor and user.team is not None
        audits = Audit.objects.filter(pk__in=account["audits"])
        assert {(a.auditor_id, a.status, a.programme_id) for a in audits} == {
            (user.pk, Audit.Status.ASSIGNED, demo_base.pk)
        }

    sampled_ids = [pk for m in users["moderators"] for pk in m["moderations"]]
    assert len(sampled_ids) == len(set(sampled_ids)) == 6
    for account in users["moderators"]:
        user = api_token_find(token=account["token"]).user
        assert user.username == account["username"] and user.is_moderator
        for moderation in Moderation.objects.filter(pk__in=account["moderations"]):
            assert moderation.status == Moderation.Status.SAMPLED
            assert moderation.audit.status == Audit.Status.SUBMITTED
            assert moderation.audit.auditor.username.startswith("load.auditor.")

    for account in users["viewers"]:
        user = User.objects.get(username=account["username"])
        assert user.is_viewer
        assert sorted(user.service_areas.values_list("pk", flat=True)) == sorted(account["areas"])


def test_refuses_without_the_demo_and_a_second_time(demo_base, tmp_path):
    seed(tmp_path, auditors=1, drafts=1, moderators=1, items=1, viewers=1)
    with pytest.raises(CommandError, match="already has load-test accounts"):
        seed(tmp_path, auditors=1, drafts=1, moderators=1, items=1, viewers=1)

    User.objects.filter(username=DEMO_QA_LEAD).update(username="another.qalead")
    with pytest.raises(CommandError, match="Run seed_demo first"):
        seed(tmp_path, auditors=1, drafts=1, moderators=1, items=1, viewers=1)


def test_an_auditor_saves_and_submits_through_the_form_as_the_load_test_does(demo_base, tmp_path):
    account = seed(tmp_path, auditors=1, drafts=1, moderators=0, items=0, viewers=0)["auditors"][0]
    audit = Audit.objects.get(pk=account["audits"][0])
    client = sign_in(account)
    codes = list(audit.tool.domains.order_by("position").values_list("code", flat=True))

    version, domains = audit_form_read(client.get(f"/audits/{audit.pk}/edit/").content.decode())
    assert (version, domains) == (audit.version, codes)
    fields = audit_form_fields(
        csrf="", version=version, domains=domains, graded=domains[:2], submit=False
    )
    response = client.post(f"/audits/{audit.pk}/edit/", fields)
    assert response.status_code == 302 and response["Location"].endswith("/edit/")
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS
    assert audit.grades.exclude(grade="").count() == 2

    version, domains = audit_form_read(client.get(f"/audits/{audit.pk}/edit/").content.decode())
    assert version == audit.version
    fields = audit_form_fields(
        csrf="", version=version, domains=domains, graded=domains, submit=True
    )
    response = client.post(f"/audits/{audit.pk}/edit/", fields)
    assert response.status_code == 302 and response["Location"] == f"/audits/{audit.pk}/"
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED


def test_a_viewer_finds_audits_to_open_in_the_list(demo_base, tmp_path):
    users = seed(tmp_path, auditors=2, drafts=1, moderators=1, items=2, viewers=1)
    client = sign_in(users["viewers"][0])

    ids = audit_links(client.get("/audits/").content.decode())

    assert ids
    for pk in ids:
        assert client.get(f"/audits/{pk}/").status_code == 200
    month = users["report_months"][0]
    assert client.get(f"/reports/monthly/?month={month}").status_code == 200
    assert client.get("/reports/trends/").status_code == 200


def test_a_moderator_claims_saves_and_completes_with_the_token_as_the_load_test_does(
    demo_base, tmp_path
):
    users = seed(tmp_path, auditors=1, drafts=1, moderators=1, items=1, viewers=0)
    account = users["moderators"][0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {account['token']}")
    pk = account["moderations"][0]

    claimed = client.post(f"/api/moderations/{pk}/claim/", {}, format="json")
    assert claimed.status_code == 200
    current = client.get(f"/api/moderations/{pk}/").json()
    grades = current["grades"]
    saved = client.patch(
        f"/api/moderations/{pk}/",
        {
            "version": current["version"],
            "grades": {g["domain"]: {"grade": g["auditor_grade"]} for g in grades[:2]},
            "summary": "Checking the plan.",
        },
        format="json",
    )
    assert saved.status_code == 200
    done = client.post(
        f"/api/moderations/{pk}/complete/",
        {
            "version": saved.json()["version"],
            "overall": saved.json()["overall_comparison"]["auditor_overall"],
            "grades": {g["domain"]: {"grade": g["auditor_grade"]} for g in grades},
            "summary": "I agree with your grades.",
        },
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert Moderation.objects.get(pk=pk).status == Moderation.Status.COMPLETED
