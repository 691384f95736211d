"""Months are taken from 2000-01 to 2100-12 everywhere (core/months.py): reports, lists,
programmes and imports refuse one outside with a clear message, never a 500."""

import datetime as dt
import io

import pytest

from core.models import Programme
from core.months import MONTH_RANGE_MESSAGE
from core.validation import TARGET_MAX
from flows.importer import ImportFailed, audits_import, read_table
from tests.audits.import_rows import audit_row, to_csv
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

EXTREMES = ["9999-12", "1900-01", "1999-12", "2101-01"]
PAGES = [
    ("/reports/monthly/", "month"),
    ("/reports/trends/", "month_to"),
    ("/reports/trends/", "month_from"),
    ("/reports/calibration/", "month_to"),
    ("/reports/reaudits/", "month_to"),
]
APIS = [
    ("/api/reports/monthly/", "month"),
    ("/api/reports/trends/", "month_to"),
    ("/api/reports/calibration/", "month_from"),
    ("/api/reports/reaudits/", "month_to"),
    ("/api/audits/", "month"),
    ("/api/moderations/", "month"),
]


def page_text(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


@pytest.mark.parametrize("month", EXTREMES)
@pytest.mark.parametrize("url, name", PAGES)
def test_report_and_list_pages_refuse_a_month_out_of_range(client, qa_lead, url, name, month):
    client.force_login(qa_lead)
    response = client.get(url, {name: month})
    assert response.status_code == 400
    assert MONTH_RANGE_MESSAGE in page_text(response)


@pytest.mark.parametrize("month", EXTREMES)
@pytest.mark.parametrize("url, name", APIS)
def test_report_and_list_api_refuse_a_month_out_of_range(api_client, qa_lead, url, name, month):
    api_client.force_login(qa_lead)
    response = api_client.get(url, {name: month})
    assert response.status_code == 400
    assert response.json()[name] == [MONTH_RANGE_MESSAGE]


@pytest.mark.parametrize("month", EXTREMES)
def test_the_audit_list_shows_a_month_out_of_range_as_a_filter_error(client, qa_lead, month):
    """The list page shows every filter error above the list (and the list unfiltered)."""
    client.force_login(qa_lead)
    response = client.get("/audits/", {"month": month})
    assert response.status_code == 200
    assert response.context["filter"].errors["month"] == [MONTH_RANGE_MESSAGE]
    assert MONTH_RANGE_MESSAGE in page_text(response)


@pytest.mark.parametrize("month", ["2000-01", "2100-12"])
def test_the_edges_of_the_range_are_taken(client, api_client, qa_lead, month):
    client.force_login(qa_lead)
    for url, name in PAGES:
        data = {name: month, "month_to": month} if name == "month_from" else {name: month}
        assert client.get(url, data).status_code == 200, url
    api_client.force_login(qa_lead)
    assert api_client.get("/api/reports/trends/", {"month_to": month}).status_code == 200


@pytest.mark.parametrize("month", ["9999-12", "1900-01"])
def test_a_programme_cannot_be_opened_for_a_month_out_of_range(client, api_client, qa_lead, month):
    client.force_login(qa_lead)
    page = client.post(
        "/programmes/new/",
        {
            "month": month,
            "tool": ProgrammeFactory().tool_id,
            "audit_target": 5,
            "moderation_target": 1,
            "due_date": "30/11/2026",
        },
    )
    assert page.status_code == 400
    assert MONTH_RANGE_MESSAGE in page_text(page)
    api_client.force_login(qa_lead)
    api = api_client.post("/api/programmes/", {"month": month, "tool": "case-file"}, format="json")
    assert api.status_code == 400
    assert api.json()["month"] == [MONTH_RANGE_MESSAGE]
    assert not Programme.objects.filter(month__year__in=[9999, 1900]).exists()


def test_the_default_range_pages_work_with_a_programme_in_the_last_month(client, qa_lead):
    ProgrammeFactory(month=dt.date(2100, 12, 1))
    client.force_login(qa_lead)
    for url in ("/reports/trends/", "/reports/calibration/", "/reports/reaudits/"):
        assert client.get(url).status_code == 200, url


def test_the_importer_names_a_month_out_of_range(qa_lead):
    rows = [audit_row(month="1999-12", submitted_on="1999-12-20")]
    with pytest.raises(ImportFailed) as caught:
        audits_import(rows=read_table(io.BytesIO(to_csv(rows)), "a.csv"), actor=qa_lead)
    assert f"row 2, column month: {MONTH_RANGE_MESSAGE}" in [str(e) for e in caught.value.errors]


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize("target", [TARGET_MAX + 1, 2**31])
def test_programme_pages_and_api_cap_targets_at_the_same_limit(client, api_client, qa_lead, target):
    programme = ProgrammeFactory()
    client.force_login(qa_lead)
    message = f"must be {TARGET_MAX} or fewer"
    for url in ("/programmes/new/", f"/programmes/{programme.pk}/edit/"):
        page = client.post(
            url,
            {
                "month": "2026-11",
                "tool": programme.tool_id,
                "audit_target": target,
                "moderation_target": target,
                "due_date": "30/11/2026",
            },
        )
        assert page.status_code == 400, url
        assert f"The target number of audits {message}" in page_text(page)
        assert f"The moderation target {message}" in page_text(page)
    api_client.force_login(qa_lead)
    api = api_client.patch(
        f"/api/programmes/{programme.pk}/", {"audit_target": target}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["audit_target"] == [
        f"Ensure this value is less than or equal to {TARGET_MAX}."
    ]
    programme.refresh_from_db()
    assert programme.audit_target < TARGET_MAX


def test_the_largest_target_is_taken(client, qa_lead):
    programme = ProgrammeFactory()
    client.force_login(qa_lead)
    response = client.post(
        f"/programmes/{programme.pk}/edit/",
        {"audit_target": TARGET_MAX, "moderation_target": 0, "due_date": "30/11/2026"},
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.audit_target == TARGET_MAX
