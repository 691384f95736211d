"""/healthz and /readyz: for probes, whatever the Host, over plain HTTP, signed out; /readyz
names the part that is not ready."""

import json
import subprocess
import sys

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from config.celery import app as celery_app
from tests.test_environment import ROOT, everything_set

CLOSED_PORT = 8109  # in this project's test range; nothing listens on it


@pytest.fixture
def production_client(settings):
    """A client against production's HTTPS redirect and host list, from a container probe's
    address."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["audit.example.gov.uk"]
    return Client(HTTP_HOST="10.0.3.7:8000")


def test_healthz_answers_without_the_database_or_a_known_host(production_client):
    # No database fixture: a query would fail this test.
    response = production_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_other_pages_still_refuse_an_unknown_host_and_redirect_to_https(production_client):
    assert production_client.get("/accounts/login/").status_code == 400
    ok_host = Client(HTTP_HOST="audit.example.gov.uk")
    response = ok_host.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_readyz_is_ready_with_the_database_and_migrations(production_client):
    response = production_client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    # The test run has no broker (tasks run in-process) and keeps its cache in memory.
    assert body["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "broker": "not configured",
        "cache": "not configured",
    }
    assert not response.cookies


@pytest.mark.django_db
def test_readyz_names_unapplied_migrations(production_client):
    recorder = MigrationRecorder(connection)
    latest = recorder.migration_qs.filter(app="audits").order_by("-id").first()
    latest.delete()  # rolled back with the test's transaction
    response = production_client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"] == "unapplied"


@pytest.fixture
def broker(settings):
    """Point the Celery app at a broker for one test, as a deployment with one is."""
    previous = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}

    def use(url: str) -> None:
        celery_app.conf.update(task_always_eager=False, broker_url=url)
        celery_app.__dict__.pop("amqp", None)
        celery_app._pool = None

    yield use
    celery_app.conf.update(previous)
    celery_app._pool = None


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker_and_passes_a_reachable_one(production_client, broker):
    broker(f"redis://127.0.0.1:{CLOSED_PORT}/0")
    response = production_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["checks"]["database"] == "ok"

    broker("redis://127.0.0.1:6379/1")
    response = production_client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_readyz_names_an_unreachable_database():
    """Production settings whose DATABASE_URL points at a port where nothing listens."""
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client(HTTP_HOST='10.0.3.7').get('/readyz'); "
        "print(r.status_code); print(r.content.decode())"
    )
    env = everything_set(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{CLOSED_PORT}/ops_absent",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/1",
        CACHE_URL="redis://127.0.0.1:6379/1",
        LOG_LEVEL="CRITICAL",
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503"
    answer = json.loads(body)
    assert answer["failing"] == ["database"]
    assert answer["checks"] == {
        "database": "unavailable",
        "migrations": "unknown",
        "broker": "ok",
        "cache": "ok",
    }
    # The answer names the part, never the server or the error.
    assert str(CLOSED_PORT) not in body and "127.0.0.1" not in body


def test_only_get_and_head(production_client):
    assert production_client.head("/healthz").status_code == 200
    response = production_client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
