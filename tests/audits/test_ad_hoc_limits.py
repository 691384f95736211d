"""An auditor's ad hoc audit counts towards this month or a later one and is not due in the
past: a closed month's figures stay as they were. QA leads, who own the programmes, may still
assign a missed case into a past month's programme."""

import datetime as dt

import pytest
from django.utils import timezone

from core.models import Audit
from core.months import months_before
from tests.factories import AuditFactory, CaseFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

PAST_PROGRAMME = "An auditor can only add an audit to this month's programme or a later one."
PAST_DUE = "The due date cannot be in the past."


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def post(api_client, user, body):
    api_client.force_login(user)
    return api_client.post("/api/audits/", body, format="json")


def test_an_auditor_cannot_start_an_audit_in_a_past_programme(api_client, auditor, team):
    past = ProgrammeFactory(month=months_before(this_month(), 1), due_date=None)
    body = {"case": CaseFactory(team=team).reference, "programme": past.pk}
    response = post(api_client, auditor, body)
    assert response.status_code == 400, response.json()
    assert response.json()["programme"] == [PAST_PROGRAMME]
    assert not Audit.objects.exists()


def test_an_auditor_cannot_give_a_due_date_in_the_past(api_client, auditor, team):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    body = {"case": CaseFactory(team=team).reference, "tool": "case-file"}
    response = post(api_client, auditor, {**body, "due_date": yesterday.isoformat()})
    assert response.status_code == 400, response.json()
    assert response.json()["due_date"] == [PAST_DUE]
    assert not Audit.objects.exists()


def test_an_auditor_starts_an_audit_in_this_months_programme_due_today_or_later(
    api_client, auditor, team
):
    current = ProgrammeFactory(month=this_month(), due_date=None)
    today = timezone.localdate()
    body = {"case": CaseFactory(team=team).reference, "programme": current.pk}
    response = post(api_client, auditor, {**body, "due_date": today.isoformat()})
    assert response.status_code == 201, response.json()
    assert response.json()["due_date"] == today.isoformat()


def test_an_auditor_cannot_reaudit_into_a_past_programme(
    api_client, auditor, same_team_auditor, team
):
    original = AuditFactory(
        auditor=same_team_auditor,
        case__team=team,
        status=Audit.Status.SUBMITTED,
        month=months_before(this_month(), 4),
    )
    past = ProgrammeFactory(month=months_before(this_month(), 2), due_date=None)
    api_client.force_login(auditor)
    response = api_client.post(
        f"/api/audits/{original.pk}/reaudit/", {"programme": past.pk}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["programme"] == [PAST_PROGRAMME]


def test_a_qa_lead_may_still_assign_into_a_past_programme(api_client, qa_lead, auditor, team):
    past = ProgrammeFactory(month=months_before(this_month(), 1))
    body = {"case": CaseFactory(team=team).reference, "auditor": "auditor", "programme": past.pk}
    response = post(api_client, qa_lead, body)
    assert response.status_code == 201, response.json()
