"""Large imports from the page run as a Celery job on the "imports" queue, all or nothing, with
a page that shows how it goes (no JavaScript: it refreshes itself). The default suite runs the
task eagerly; test_a_real_worker_imports_the_file runs it in a worker on Redis."""

import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from config.celery import app as celery_app
from core.models import Audit, ImportJob
from flows.import_jobs import import_job_run
from flows.tasks import TOO_LONG, import_history_job
from tests.audits.import_rows import audit_row, moderated, to_csv
from tests.reporting.conftest import celery_workers  # noqa: F401  (a fixture)

ROWS = [
    moderated(audit_row(case_reference=f"BG-{i}"))
    if i % 3 == 0
    else audit_row(case_reference=f"BG-{i}")
    for i in range(6)
]


def post(client, content: bytes, **data):
    upload = SimpleUploadedFile("history.csv", content, content_type="text/csv")
    return client.post(reverse("import_audits"), {"file": upload, **data})


@pytest.mark.django_db
@override_settings(IMPORT_BACKGROUND_ROWS=5)
def test_a_large_file_runs_as_a_job_and_the_page_follows_it(
    client, qa_lead, django_capture_on_commit_callbacks
):
    client.force_login(qa_lead)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = post(client, to_csv(ROWS))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/import/jobs/{job.pk}/"
    assert (job.status, job.rows, job.created_by) == ("queued", 6, qa_lead)
    assert len(queued) == 1 and not Audit.objects.exists()
    waiting = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in waiting
    assert f'href="/import/jobs/{job.pk}/"' in waiting  # the refresh link, without JavaScript
    queued[0]()  # the task, eagerly (CELERY_TASK_ALWAYS_EAGER in tests)
    job.refresh_from_db()
    assert job.status == "done" and job.data == b""
    assert Audit.objects.count() == 6
    done = client.get(response["Location"]).content.decode()
    assert "http-equiv" not in done and "6 audits were imported." in done
    # Delivered twice: the second run does nothing.
    assert import_job_run(job_id=job.pk) is None
    assert Audit.objects.count() == 6


@pytest.mark.django_db
@override_settings(IMPORT_BACKGROUND_ROWS=5)
def test_a_job_with_a_bad_row_writes_nothing_and_lists_the_problems(
    client, qa_lead, django_capture_on_commit_callbacks
):
    client.force_login(qa_lead)
    rows = [*ROWS, audit_row(case_reference="BG-bad", overall="X")]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, to_csv(rows))
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.errors == [[8, "overall", job.errors[0][2]]]
    assert not Audit.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported" in page and '<td class="govuk-table__cell">overall</td>' in page


@pytest.mark.django_db
@override_settings(IMPORT_BACKGROUND_ROWS=5)
def test_a_job_past_its_time_limit_says_so_and_writes_nothing(
    client, qa_lead, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(qa_lead)
    with django_capture_on_commit_callbacks(execute=False):
        response = post(client, to_csv(ROWS))
    job = ImportJob.objects.get()
    assert celery_app.tasks["flows.tasks.import_history_job"].soft_time_limit == 540

    def past_the_soft_limit(*args, **kwargs):  # what Celery raises in the task at the limit
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("flows.import_jobs.audits_import", past_the_soft_limit)
    result = import_history_job.apply(args=[job.pk], throw=False)
    assert result.failed()
    job.refresh_from_db()
    assert (job.status, job.message, job.data) == ("failed", TOO_LONG, b"")
    assert not Audit.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "split the file into smaller files" in page and "http-equiv" not in page
    # Delivered again after it failed: nothing runs.
    assert import_job_run(job_id=job.pk) is None


@pytest.mark.django_db
@override_settings(IMPORT_BACKGROUND_ROWS=5)
def test_small_files_stay_on_the_page_and_jobs_are_the_qa_leads(client, qa_lead, auditor):
    client.force_login(qa_lead)
    response = post(client, to_csv(ROWS[:5]))
    assert response.status_code == 200 and Audit.objects.count() == 5
    assert not ImportJob.objects.exists()
    job = ImportJob.objects.create(created_by=qa_lead, filename="x.csv", data=b"", rows=1)
    client.force_login(auditor)
    assert client.get(reverse("import_job", args=[job.pk])).status_code == 403
    client.force_login(qa_lead)
    assert client.get(reverse("import_job", args=[job.pk + 1])).status_code == 404


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(IMPORT_BACKGROUND_ROWS=5)
def test_a_real_worker_imports_the_file(client, qa_lead, celery_workers):  # noqa: F811
    # Settings send it to "imports"; the fixture sends every task to this test's own queue,
    # so no other run's worker takes it.
    assert settings.CELERY_TASK_ROUTES["flows.tasks.*"] == {"queue": "imports"}
    worker = celery_workers()
    assert celery_app.conf.task_routes == {"*": {"queue": celery_workers.queue}}
    client.force_login(qa_lead)
    response = post(client, to_csv(ROWS))
    job = ImportJob.objects.get()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished():
            break
        time.sleep(0.2)
    assert job.status == "done", worker.output()
    assert Audit.objects.count() == 6
    assert "import_history_job[" in worker.output()
    assert "Imported" in client.get(response["Location"]).content.decode()
