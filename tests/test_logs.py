"""One JSON line per request and per task (config/logs.py): the request id (the proxy's
X-Request-ID or a new one) returned and carried into tasks; the route, never the path's values
or the query string; the user id, never a name, an e-mail address or a case reference."""

import json
import logging
import re
import uuid

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from config.logs import JsonFormatter, request_id
from moderation import tasks as moderation_tasks
from tests.reliability.conftest import BROKER_URL, redis_client
from tests.reporting.conftest import _forget_connections

FORMAT = JsonFormatter()


@pytest.fixture
def lines(caplog):
    """The JSON lines written while the test runs, of one event kind."""
    caplog.set_level(logging.INFO)

    def of(event: str) -> list[dict]:
        found = [json.loads(FORMAT.format(record)) for record in caplog.records]
        return [line for line in found if line.get("event") == event]

    return of


def test_a_request_is_one_line_with_its_route_status_time_and_the_given_request_id(client, lines):
    response = client.get("/accounts/login/?next=/audits/", HTTP_X_REQUEST_ID="lb-7f3a-0001")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a-0001"
    [line] = lines("request")
    assert line.keys() == {
        "time", "level", "logger", "event", "request_id", "method", "route", "user_id",
        "status", "duration_ms",
    }  # fmt: skip
    assert line["request_id"] == "lb-7f3a-0001"
    assert (line["method"], line["route"], line["status"], line["user_id"]) == (
        "GET",
        "/accounts/login/",
        200,
        None,
    )
    assert line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["logger"] == "case_file_audit.requests"


def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, lines):
    client.get("/accounts/login/")
    client.get("/accounts/login/", HTTP_X_REQUEST_ID='x"; DROP')
    ids = [line["request_id"] for line in lines("request")]
    assert len(ids) == 2 and ids[0] != ids[1]
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in ids)


def test_the_line_has_the_route_and_user_id_never_values_names_or_case_references(
    client, lines, submitted, auditor
):
    auditor.email = "jo.bloggs@council.example.gov.uk"
    auditor.first_name, auditor.last_name = "Jo", "Bloggs"
    auditor.save()
    client.force_login(auditor)
    reference = submitted.case.reference
    response = client.get(
        reverse("audit_detail", args=[submitted.pk]), {"case": reference, "q": "Bloggs"}
    )
    assert response.status_code == 200
    [line] = lines("request")
    assert line["route"] == "/audits/<int:audit_id>/"
    assert line["user_id"] == auditor.pk
    text = json.dumps(line)
    for secret in (reference, "Bloggs", "jo.bloggs", auditor.username):
        assert secret not in text


def test_a_refused_request_and_an_unknown_path_are_logged_too(client, lines, auditor):
    client.force_login(auditor)
    assert client.get("/staff/").status_code == 403  # QA leads only
    assert client.get("/no/such/LCS-12345/").status_code == 404
    routes = [(line["route"], line["status"]) for line in lines("request")]
    assert routes == [("/staff/", 403), ("(no route)", 404)]


def test_health_probes_are_not_logged(client, lines):
    assert client.get("/healthz").status_code == 200
    assert lines("request") == []


@pytest.mark.django_db
def test_a_task_run_in_the_request_is_one_line_with_that_request_id(lines):
    token = request_id.set("req-eager-0001")
    try:
        moderation_tasks.send_outbox.delay()
    finally:
        request_id.reset(token)
    [line] = lines("task")
    assert line["task"] == "moderation.tasks.send_outbox"
    assert line["request_id"] == "req-eager-0001"
    assert line["status"] == "SUCCESS"
    assert line["duration_ms"] >= 0 and line["task_id"]


def test_a_queued_task_carries_the_request_id_in_its_message_headers():
    """Published to Redis (as with a broker): the header the worker reads
    (tests/reporting/test_celery_worker.py runs a real worker on it)."""
    redis = redis_client(BROKER_URL)
    queue = f"test-logs-{uuid.uuid4().hex[:12]}"
    previous = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url=BROKER_URL)
    _forget_connections()
    token = request_id.set("req-queued-0001")
    try:
        moderation_tasks.send_outbox.apply_async(queue=queue)
        [raw] = redis.lrange(queue, 0, -1)
    finally:
        request_id.reset(token)
        celery_app.conf.update(previous)
        _forget_connections()
        redis.delete(queue)
        redis.close()
    headers = json.loads(raw)["headers"]
    assert headers["task"] == "moderation.tasks.send_outbox"
    assert headers["request_id"] == "req-queued-0001"


def test_sentry_and_opentelemetry_are_imported_only_when_switched_on():
    import subprocess
    import sys

    from tests.test_environment import ROOT, everything_set

    code = (
        "import sys, django; django.setup(); "
        "print(sorted(m for m in ('sentry_sdk', 'opentelemetry') if m in sys.modules))"
    )

    def run(**env):
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=everything_set(**env),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    off = run()
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip() == "[]"
    # Switched on without the observability extra (not installed here): a clear refusal.
    on = run(SENTRY_DSN="https://key@sentry.example.gov.uk/1")
    assert on.returncode != 0
    assert "SENTRY_DSN is set, but sentry-sdk is not installed" in on.stderr
    on = run(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:8107")
    assert "OTEL_EXPORTER_OTLP_ENDPOINT is set, but the OpenTelemetry packages" in on.stderr
