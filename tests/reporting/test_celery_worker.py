"""Publishing through a real Celery worker process and the Redis broker (issue 4: "a killed
worker does not lose or duplicate a snapshot").

The worker is a subprocess (tests/reporting/conftest.py) reading the same test database, so
these tests are transactional. Redis must be running on 127.0.0.1:6379: the tests fail, not
skip, without it.
"""

import datetime as dt
import json
import time

import pytest
from django.urls import reverse

from reporting.models import ReportSnapshot
from reporting.scope import ReportScope
from reporting.selectors import monthly_report
from reporting.services import snapshot_request
from tests.factories import ProgrammeFactory, UserFactory, submitted_audit

MONTH = dt.date(2019, 3, 1)
pytestmark = [
    pytest.mark.celery_worker,  # a long group: `pytest -m celery_worker`
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def march():
    """Three submitted audits in a March programme, and the QA lead who publishes."""
    programme = ProgrammeFactory(month=MONTH, audit_target=5, moderation_target=2)
    for overall in ("G", "RI", "I"):
        submitted_audit(
            overall=overall, grade=overall, tool=programme.tool, programme=programme, month=MONTH
        )
    return UserFactory(username="publishing_lead", roles=["qa_lead"])


def wait_for(condition, *, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(message)


def snapshot_state(pk: int) -> ReportSnapshot:
    return ReportSnapshot.objects.get(pk=pk)


def in_redis(redis, queue: str, task_id: str) -> dict:
    """Where the broker holds our task's message: waiting in the queue, or delivered to a
    worker and not yet acknowledged (Redis's "unacked" hash, redelivered when it expires)."""
    waiting = any(task_id.encode() in message for message in redis.lrange(queue, 0, -1))
    unacked = any(task_id.encode() in message for message in redis.hvals("unacked"))
    return {"waiting": waiting, "unacked": unacked}


def test_a_worker_publishes_the_snapshot(celery_workers, march):
    worker = celery_workers()
    snapshot = snapshot_request(month=MONTH, actor=march)  # commits, then sends to Redis

    published = wait_for(
        lambda: snapshot_state(snapshot.pk).status == ReportSnapshot.Status.PUBLISHED,
        timeout=20,
        message=f"Not published by the worker:\n{worker.output()}",
    )
    assert published
    stored = snapshot_state(snapshot.pk)
    expected = json.loads(json.dumps(monthly_report(scope=ReportScope(month=MONTH))))
    assert stored.data == expected
    assert stored.data["audits"]["returned"] == 3
    assert stored.xlsx_bytes().startswith(b"PK")  # a zip: the XLSX file
    assert stored.attempts == 1
    assert f"publish_snapshot[{snapshot.task_id}]" in worker.output()


def test_a_worker_killed_mid_publish_leaves_exactly_one_published_snapshot(celery_workers, march):
    first = celery_workers(pause=60)  # computes, then sleeps before storing
    snapshot = snapshot_request(month=MONTH, actor=march)
    wait_for(
        lambda: snapshot_state(snapshot.pk).started_at is not None,
        timeout=20,
        message=f"The task never started:\n{first.output()}",
    )
    time.sleep(0.5)  # into the pause: computed, not stored
    first.kill()
    assert snapshot_state(snapshot.pk).status == ReportSnapshot.Status.QUEUED
    # Acks late: the dead worker never acknowledged the message, so Redis still holds it.
    where = in_redis(celery_workers.redis, celery_workers.queue, snapshot.task_id)
    assert where["unacked"] or where["waiting"], where

    time.sleep(1.2)  # past the 1 s visibility timeout: the next worker takes it back
    second = celery_workers()
    wait_for(
        lambda: snapshot_state(snapshot.pk).status == ReportSnapshot.Status.PUBLISHED,
        timeout=25,
        message=f"The message was not redelivered:\n{second.output()}",
    )
    rows = ReportSnapshot.objects.filter(month=MONTH)
    assert [(s.version, s.status) for s in rows] == [(1, ReportSnapshot.Status.PUBLISHED)]
    stored = rows.get()
    assert stored.attempts == 2  # the killed run and the one that published
    assert stored.data["audits"]["returned"] == 3
    # The worker acknowledges just after the task has stored the snapshot: wait for it.
    wait_for(
        lambda: (
            not any(in_redis(celery_workers.redis, celery_workers.queue, snapshot.task_id).values())
        ),
        timeout=10,
        message="The message stayed in Redis after publishing.",
    )


def test_without_acks_late_a_killed_worker_loses_the_task(celery_workers, march):
    """Why acks late is on: acknowledged on receipt, the message dies with the worker.

    A prefork pool here: its parent process acknowledges while the child runs the task. (The
    solo pool runs the task inside the message callback, and Redis only sees the early
    acknowledgement after the task returns, so there a kill loses nothing either way.)
    """
    first = celery_workers(pause=60, acks_late=False, pool="prefork")
    snapshot = snapshot_request(month=MONTH, actor=march)
    wait_for(
        lambda: snapshot_state(snapshot.pk).started_at is not None,
        timeout=20,
        message=f"The task never started:\n{first.output()}",
    )
    wait_for(
        lambda: (
            not any(in_redis(celery_workers.redis, celery_workers.queue, snapshot.task_id).values())
        ),
        timeout=5,
        message="The early acknowledgement never reached Redis.",
    )
    first.kill()  # the parent and the child running the task

    second = celery_workers()
    time.sleep(2.5)  # a worker that would restore it (visibility timeout 1 s) is running
    assert snapshot_state(snapshot.pk).status == ReportSnapshot.Status.QUEUED
    assert snapshot_state(snapshot.pk).attempts == 1
    assert f"publish_snapshot[{snapshot.task_id}]" not in second.output()


def test_with_acks_late_a_killed_prefork_worker_loses_nothing(celery_workers, march):
    """The same kill as above with the settings' acks late: the task is run again."""
    first = celery_workers(pause=60, pool="prefork")
    snapshot = snapshot_request(month=MONTH, actor=march)
    wait_for(
        lambda: snapshot_state(snapshot.pk).started_at is not None,
        timeout=20,
        message=f"The task never started:\n{first.output()}",
    )
    first.kill()
    assert in_redis(celery_workers.redis, celery_workers.queue, snapshot.task_id)["unacked"]
    time.sleep(1.2)
    second = celery_workers()
    wait_for(
        lambda: snapshot_state(snapshot.pk).status == ReportSnapshot.Status.PUBLISHED,
        timeout=25,
        message=f"The message was not redelivered:\n{second.output()}",
    )
    assert ReportSnapshot.objects.filter(month=MONTH).count() == 1
    assert snapshot_state(snapshot.pk).attempts == 2


def test_the_request_id_reaches_the_worker_and_its_task_line(celery_workers, march, client):
    """Issue 13: the id of the web request that queued the task is in the worker's JSON line
    for it (config/logs.py), with the task's name, id, status and time."""
    worker = celery_workers()
    client.force_login(march)
    response = client.post(
        reverse("reports:snapshot_publish"),
        {"month": "2019-03"},
        HTTP_X_REQUEST_ID="req-publish-0001",
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-publish-0001"
    snapshot = ReportSnapshot.objects.get(month=MONTH)

    def task_lines() -> list[dict]:
        return [
            json.loads(line[line.index("{") :])
            for line in worker.output().splitlines()
            if '"event": "task"' in line
        ]

    [line] = wait_for(
        task_lines, timeout=20, message=f"No task line from the worker:\n{worker.output()}"
    )
    assert snapshot_state(snapshot.pk).status == ReportSnapshot.Status.PUBLISHED
    assert line.keys() == {"event", "task", "task_id", "request_id", "status", "duration_ms"}
    assert (line["task"], line["task_id"], line["request_id"], line["status"]) == (
        "reporting.tasks.publish_snapshot",
        snapshot.task_id,
        "req-publish-0001",
        "SUCCESS",
    )
    assert line["duration_ms"] > 0
