"""Published snapshots with no broker: the task runs eagerly once the transaction commits."""

import datetime as dt
import json

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import TransitionNotAllowed
from reporting import services
from reporting.models import ReportSnapshot
from reporting.scope import ReportScope
from reporting.selectors import monthly_report
from reporting.tasks import publish_previous_month, publish_snapshot
from tests.factories import ProgrammeFactory, UserFactory, submitted_audit

MONTH = dt.date(2019, 3, 1)
API = "/api/reports/snapshots/"


@pytest.fixture
def march(db):
    programme = ProgrammeFactory(month=MONTH, audit_target=5, moderation_target=2)
    for overall in ("G", "RI", "I"):
        submitted_audit(
            overall=overall, grade=overall, tool=programme.tool, programme=programme, month=MONTH
        )
    return programme


@pytest.fixture
def tasks_run():
    """The ids of publish tasks that ran in this process (eager mode)."""
    ran: list[int] = []

    def record(sender=None, args=None, **kwargs):
        if sender is not None and sender.name == publish_snapshot.name:
            ran.append(args[0])

    task_prerun.connect(record, weak=False)
    yield ran
    task_prerun.disconnect(record)


def as_json(report: dict) -> dict:
    return json.loads(json.dumps(report))


def test_publishing_queues_one_task_after_commit(
    march, qa_lead, tasks_run, django_capture_on_commit_callbacks
):
    assert settings.CELERY_TASK_ALWAYS_EAGER  # no CELERY_BROKER_URL in the test run
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        snapshot = services.snapshot_request(month=MONTH, actor=qa_lead)
        assert snapshot.status == ReportSnapshot.Status.QUEUED
        assert tasks_run == []  # not before commit
    assert len(callbacks) == 1
    assert tasks_run == [snapshot.pk]
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.PUBLISHED
    assert (snapshot.version, snapshot.requested_by, snapshot.attempts) == (1, qa_lead, 1)
    assert snapshot.data == as_json(monthly_report(scope=ReportScope(month=MONTH)))
    assert snapshot.data["audits"]["returned"] == 3
    assert snapshot.xlsx_bytes().startswith(b"PK")


def test_a_rolled_back_request_sends_no_task(
    march, qa_lead, tasks_run, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.snapshot_request(month=MONTH, actor=qa_lead)
        raise RuntimeError("Something after it failed.")
    assert callbacks == []
    assert tasks_run == []
    assert not ReportSnapshot.objects.exists()


def test_publishing_again_makes_a_new_version_and_the_old_one_stays(
    march, qa_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.snapshot_request(month=MONTH, actor=qa_lead)
    submitted_audit(overall="O", grade="O", tool=march.tool, programme=march, month=MONTH)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.snapshot_request(month=MONTH, actor=qa_lead)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.data["audits"]["returned"] == 3  # frozen when it was published
    assert second.data["audits"]["returned"] == 4


def test_a_published_snapshot_cannot_change(march, qa_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = services.snapshot_request(month=MONTH, actor=qa_lead)
    snapshot.refresh_from_db()
    frozen = snapshot.data
    snapshot.data = {"audits": {"returned": 999}}
    with pytest.raises(TransitionNotAllowed):
        snapshot.save()
    with pytest.raises(TransitionNotAllowed):
        snapshot.delete()
    assert ReportSnapshot.objects.filter(pk=snapshot.pk).update(data={}, xlsx=b"") == 0
    with pytest.raises(TransitionNotAllowed):
        ReportSnapshot.objects.filter(pk=snapshot.pk).delete()
    assert ReportSnapshot.objects.get(pk=snapshot.pk).data == frozen


def test_the_task_is_safe_to_run_twice_and_after_a_worker_died(
    march, qa_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued; its task never ran
        snapshot = services.snapshot_request(month=MONTH, actor=qa_lead)
    # A worker that died after starting: started, not stored.
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(started_at=snapshot.requested_at)
    assert publish_snapshot.apply(args=[snapshot.pk]).get() is True
    published = ReportSnapshot.objects.get(pk=snapshot.pk)
    assert publish_snapshot.apply(args=[snapshot.pk]).get() is False  # a second delivery
    again = ReportSnapshot.objects.get(pk=snapshot.pk)
    assert (again.published_at, again.data) == (published.published_at, published.data)
    assert ReportSnapshot.objects.filter(month=MONTH).count() == 1


def test_a_snapshot_whose_task_gave_up_is_failed_not_queued(march, qa_lead):
    snapshot = services.snapshot_request(month=MONTH, actor=qa_lead)  # the test never commits
    assert services.snapshot_fail(snapshot_id=snapshot.pk, error="OperationalError: gone")
    assert services.snapshot_publish(snapshot_id=snapshot.pk) is False
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.FAILED
    assert publish_snapshot.max_retries == 5 and publish_snapshot.autoretry_for


def test_the_schedule_publishes_the_previous_month_once_a_day(
    march, django_capture_on_commit_callbacks
):
    april_5 = dt.date(2019, 4, 5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = services.snapshot_publish_scheduled(today=april_5)
        assert services.snapshot_publish_scheduled(today=april_5) is None
    assert len(callbacks) == 1
    first.refresh_from_db()
    assert (first.month, first.version, first.status) == (MONTH, 1, "published")
    assert (first.trigger, first.requested_by, first.scheduled_on) == ("schedule", None, april_5)
    with django_capture_on_commit_callbacks(execute=True):
        next_day = services.snapshot_publish_scheduled(today=dt.date(2019, 4, 6))
    assert next_day.version == 2
    entry = settings.CELERY_BEAT_SCHEDULE["publish-previous-month-report"]
    assert entry["task"] == publish_previous_month.name == "reporting.tasks.publish_previous_month"
    assert entry["schedule"].day_of_month == {5} and entry["schedule"].hour == {6}


def test_the_beat_task_runs(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pk = publish_previous_month.apply().get()
    assert ReportSnapshot.objects.get(pk=pk).status == ReportSnapshot.Status.PUBLISHED
    assert publish_previous_month.apply().get() is None  # same day: nothing new


# ---------------------------------------------------------------- API and pages


def test_api_publish_and_read(march, qa_lead, api_client, django_capture_on_commit_callbacks):
    api_client.force_authenticate(qa_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(API, {"month": "2019-03"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["month"], body["version"], body["requested_by"]) == ("2019-03", 1, "qa_lead")
    detail = api_client.get(response["Location"])
    assert detail.json()["status"] == "published"
    assert detail.json()["data"]["audits"]["returned"] == 3
    xlsx = api_client.get(detail.json()["xlsx_url"])
    assert xlsx.status_code == 200
    assert xlsx.content == ReportSnapshot.objects.get().xlsx_bytes()
    listing = api_client.get(API).json()
    assert [row["version"] for row in listing["results"]] == [1]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "month"), ({"month": "2019-13"}, "month"), ({"month": "2999-01"}, "month")],
)
def test_api_refuses_a_bad_month(db, qa_lead, api_client, body, field):
    api_client.force_authenticate(qa_lead)
    response = api_client.post(API, body, format="json")
    assert response.status_code == 400
    assert response.json()[field]
    assert not ReportSnapshot.objects.exists()


def test_page_publish_and_detail(march, qa_lead, client, django_capture_on_commit_callbacks):
    client.force_login(qa_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:snapshot_publish"), {"month": "2019-03"})
    snapshot = ReportSnapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:snapshot", args=[snapshot.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "March 2019, version 1" in html
    assert "Published" in html and "60.0%" in html  # returned 3 of 5 targeted
    download = client.get(reverse("reports:snapshot_download", args=[snapshot.pk]))
    assert download.content == snapshot.xlsx_bytes()
    listing = client.get(reverse("reports:snapshots")).content.decode()
    assert "March 2019" in listing and "qa_lead" in listing


def test_page_refuses_a_bad_month_with_an_error_summary(db, qa_lead, client):
    client.force_login(qa_lead)
    response = client.post(reverse("reports:snapshot_publish"), {"month": "March"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and "YYYY-MM" in html
    assert not ReportSnapshot.objects.exists()


ROLES = ["qa_lead", "moderator", "viewer", "auditor"]
READ = {"qa_lead": 200, "moderator": 200, "viewer": 403, "auditor": 403}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_and_publish(
    march, role, client, api_client, django_capture_on_commit_callbacks
):
    lead = UserFactory(username="publisher", roles=["qa_lead"])
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = services.snapshot_request(month=MONTH, actor=lead)
    user = UserFactory(username=f"reader_{role}", roles=[role])
    client.force_login(user)
    api_client.force_authenticate(user)
    pages = [
        reverse("reports:snapshots"),
        reverse("reports:snapshot", args=[snapshot.pk]),
        reverse("reports:snapshot_download", args=[snapshot.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == READ[role], url
    for url in [API, f"{API}{snapshot.pk}/", f"{API}{snapshot.pk}/xlsx/"]:
        assert api_client.get(url).status_code == READ[role], url
    publish = 201 if role == "qa_lead" else 403
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(API, {"month": "2019-03"}, format="json").status_code == publish
        page = client.post(reverse("reports:snapshot_publish"), {"month": "2019-03"})
    assert page.status_code == (302 if role == "qa_lead" else 403)
    assert ReportSnapshot.objects.count() == (3 if role == "qa_lead" else 1)


def test_anonymous(db, client, api_client):
    assert api_client.get(API).status_code == 401
    assert client.get(reverse("reports:snapshots")).status_code == 302  # to sign in


def test_missing_snapshot_is_404(db, qa_lead, client, api_client):
    client.force_login(qa_lead)
    api_client.force_authenticate(qa_lead)
    assert client.get(reverse("reports:snapshot", args=[999999])).status_code == 404
    assert api_client.get(f"{API}999999/").status_code == 404


def test_list_queries_do_not_grow(
    march, qa_lead, api_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    api_client.force_authenticate(qa_lead)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.snapshot_request(month=MONTH, actor=qa_lead)
    with django_assert_num_queries(QUERIES_API_LIST):
        assert len(api_client.get(API).json()["results"]) == 3


QUERIES_API_LIST = 3  # groups (role check), count, the page


def test_published_reports_are_linked_from_the_report_and_say_when_the_next_one_comes(
    client, qa_lead, moderator, viewer
):
    """Issue 12, snag 16: the published reports page was linked from nowhere and the
    scheduled publication was not shown anywhere."""
    snapshots = reverse("reports:snapshots")
    for user, linked in ((qa_lead, True), (moderator, True), (viewer, False)):
        client.force_login(user)
        page = client.get(reverse("reports:monthly"), {"month": "2026-10"}).content.decode()
        assert (f'href="{snapshots}"' in page) is linked, user.username
    client.force_login(qa_lead)
    now = timezone.localtime()
    today = now.date()
    on = today.replace(day=5)
    if (today.day, now.hour) >= (5, 6):
        on = (on.replace(day=28) + dt.timedelta(days=8)).replace(day=5)
    month = (on.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    text = client.get(snapshots).content.decode()
    expected = (
        f"The report for {month:%B %Y} is published automatically on {on.day} {on:%B %Y} at 06:00"
    )
    assert expected in text
