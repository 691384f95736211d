"""Issue 12 snag 13: `/reports/` was a 404. It is the index of the reports a person may open,
each in words, and only those (calibration names auditors: not moderators; published reports
are authority-wide: QA leads and moderators)."""

import pytest

pytestmark = pytest.mark.django_db

REPORTS = {
    "Monthly report": "/reports/monthly/",
    "Trends": "/reports/trends/",
    "Re-audits": "/reports/reaudits/",
    "Auditor calibration": "/reports/calibration/",
    "Published reports": "/reports/snapshots/",
}


def _links(client, user):
    client.force_login(user)
    response = client.get("/reports/")
    assert response.status_code == 200
    text = response.content.decode()
    assert '<h1 class="govuk-heading-l">Reports</h1>' in text
    return {name for name, href in REPORTS.items() if f'href="{href}"' in text}


def test_a_qa_lead_is_offered_every_report(client, qa_lead):
    assert _links(client, qa_lead) == set(REPORTS)


def test_a_moderator_is_not_offered_calibration(client, moderator):
    assert _links(client, moderator) == set(REPORTS) - {"Auditor calibration"}


def test_a_head_of_service_reads_their_areas_live_reports_only(client, viewer):
    assert _links(client, viewer) == set(REPORTS) - {"Published reports"}


def test_someone_without_a_role_is_refused_with_the_reason(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[]))
    response = client.get("/reports/")
    assert response.status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, db):
    response = client.get("/reports/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] or "sign-in" in response["Location"]
