"""Issue 12 snag 13: `/reports/` was a 404. It is the index of the reports a person may open,
each in words, and only those (calibration names auditors: not moderators; published reports
are authority-wide: QA leads and moderators)."""

import pytest

from reporting import permissions

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


CALIBRATION_LINK = 'href="/reports/calibration/"'


@pytest.mark.parametrize("role", ["qa_lead", "viewer", "auditor", "moderator"])
@pytest.mark.parametrize("page", ["/reports/monthly/", "/reports/trends/"])
def test_the_reports_link_to_calibration_for_whoever_may_read_it(client, request, role, page):
    """Issue 12: the trends and monthly pages offered calibration to QA leads only, though heads
    of service and team managers read it; one rule (calibration_readable) decides the link and
    the page, so the link is there exactly when the page answers."""
    user = request.getfixturevalue(role)
    client.force_login(user)
    report = client.get(page)
    assert report.status_code == 200
    readable = client.get("/reports/calibration/").status_code
    assert readable in (200, 403)
    assert (CALIBRATION_LINK in report.content.decode()) == (readable == 200), (role, readable)
    assert readable == (200 if permissions.calibration_readable(user=user) else 403)
