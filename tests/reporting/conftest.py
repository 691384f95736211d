"""A real Celery worker for the reporting tests: a subprocess on the Redis broker, sharing the
test database.

The worker is `celery -A config worker --pool=solo` with its own settings module (written to
tmp_path: the test settings plus the overrides a test asks for), a queue of its own (so no
other test run's worker takes our tasks) and DATABASE_URL pointing at this test's database:
for SQLite that is the file config/settings_test.py names, for PostgreSQL "test_<name>".
Tests using it must be transactional, so that the worker sees committed rows.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from config.celery import app as celery_app

BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
PROJECT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
READY_TIMEOUT = 30


def redis_client(url: str = BROKER_URL):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(
            f"Redis is not reachable at {url} ({error}). These tests need the Redis broker "
            "on 127.0.0.1:6379 (CI starts redis-server before the suite)."
        )
    return client


def worker_database_url() -> str:
    """A DATABASE_URL for the database this test process uses right now."""
    settings = connection.settings_dict
    name = str(settings["NAME"])
    if connection.vendor == "sqlite":
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("The SQLite test database is in memory; a worker cannot open it.")
        return f"sqlite:///{name}"
    if connection.vendor == "postgresql":
        user = quote(settings["USER"] or "", safe="")
        password = quote(settings["PASSWORD"] or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or "5432"
        return f"postgres://{credentials}{host}:{port}/{quote(name, safe='')}"
    pytest.fail(f"No worker database URL for {connection.vendor}.")


class Worker:
    """One worker process; `kill()` is SIGKILL: no clean shutdown, no message handed back."""

    def __init__(self, *, directory: Path, queue: str, name: str, env: dict, pool: str):
        self.log = directory / f"{name}.log"
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--logfile={self.log}",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: kill() reaches a pool's children
        )
        self._wait_ready()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if " ready." in self.output():
                return
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace")
                pytest.fail(f"The Celery worker exited:\n{stderr}\n{self.output()}")
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"The Celery worker was not ready in {READY_TIMEOUT}s:\n{self.output()}")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stderr.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        self.kill()


WORKER_SETTINGS = """\
from config.settings_test import *  # noqa: F403

# Overrides for one worker test.
CELERY_TASK_ACKS_LATE = {acks_late!r}
# Redis hands an unacknowledged task (its worker died) to another worker after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {{"visibility_timeout": {visibility_timeout!r}}}
"""


@pytest.fixture
def celery_workers(tmp_path, transactional_db):
    """start(pause=, acks_late=, pool=) starts a worker; this process sends to its queue."""
    redis = redis_client()
    queue = f"test-reports-{uuid.uuid4().hex[:12]}"
    database_url = worker_database_url()
    started: list[Worker] = []
    previous = {
        key: celery_app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue", "task_routes")
    }

    def start(
        *,
        pause: float | None = None,
        acks_late: bool = True,
        pool: str = "solo",
        visibility_timeout: float = 1,
    ):
        name = f"worker{len(started) + 1}"
        module = f"worker_settings_{name}"
        (tmp_path / f"{module}.py").write_text(
            WORKER_SETTINGS.format(acks_late=acks_late, visibility_timeout=visibility_timeout)
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": module,
            "PYTHONPATH": os.pathsep.join([str(PROJECT), str(tmp_path)]),
            "CELERY_BROKER_URL": BROKER_URL,
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "0",
        }
        env.pop("REPORT_TASK_TEST_PAUSE_SECONDS", None)
        if pause:
            env["REPORT_TASK_TEST_PAUSE_SECONDS"] = str(pause)
        worker = Worker(directory=tmp_path, queue=queue, name=name, env=env, pool=pool)
        started.append(worker)
        return worker

    # Every task to this test's own queue, past config/settings.py's routes.
    celery_app.conf.update(
        task_always_eager=False,
        broker_url=BROKER_URL,
        task_default_queue=queue,
        task_routes={"*": {"queue": queue}},
    )
    _forget_connections()
    start.queue = queue
    start.redis = redis
    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        celery_app.conf.update(previous)
        _forget_connections()
        redis.delete(queue)
        redis.close()


def _forget_connections() -> None:
    """Drop the app's cached broker pools and routing (they were built from the old settings).
    kombu keeps producer pools in a process-wide registry; reset() closes and forgets them."""
    from kombu import pools

    pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)
