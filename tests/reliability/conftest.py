"""The Celery broker for the reliability tests: the real Redis on 127.0.0.1:6379, database 13
(the reporting worker tests use 12), a queue of our own per test, and this process sending to
it as the app does in production (not eagerly).

`broker.count()` is the number of messages waiting on our queue (LLEN), `broker.messages()`
their task names and ids; `broker.start_worker()` runs a real worker (the reporting tests'
Worker) on our queue. `broker.down()` points the app at a closed port, as if Redis had
stopped, without touching the shared Redis server; `broker.up()` points it back.
"""

import json
import os
import uuid

import pytest

from config.celery import app as celery_app
from tests.reporting.conftest import (
    PROJECT,
    WORKER_SETTINGS,
    Worker,
    _forget_connections,
    redis_client,
    worker_database_url,
)

BROKER_URL = os.environ.get("TEST_RELIABILITY_BROKER_URL", "redis://127.0.0.1:6379/13")
DEAD_BROKER_URL = "redis://127.0.0.1:6390/0"  # nothing listens there


class Broker:
    def __init__(self, *, redis, queue: str, tmp_path):
        self.redis = redis
        self.queue = queue
        self.tmp_path = tmp_path
        self.workers: list[Worker] = []

    def _point_at(self, url: str) -> None:
        # Every task to this test's own queue, past config/settings.py's routes.
        celery_app.conf.update(
            task_always_eager=False,
            broker_url=url,
            task_default_queue=self.queue,
            task_routes={"*": {"queue": self.queue}},
        )
        _forget_connections()

    def up(self) -> None:
        self._point_at(BROKER_URL)

    def down(self) -> None:
        self._point_at(DEAD_BROKER_URL)

    def count(self) -> int:
        return self.redis.llen(self.queue)

    def messages(self) -> list[tuple[str, str, str]]:
        """(task name, task id, args) of each waiting message, oldest first."""
        found = []
        for raw in reversed(self.redis.lrange(self.queue, 0, -1)):  # LPUSH: newest first
            headers = json.loads(raw)["headers"]
            found.append((headers["task"], headers["id"], headers["argsrepr"]))
        return found

    def start_worker(self) -> Worker:
        name = f"worker{len(self.workers) + 1}"
        module = f"reliability_worker_{name}"
        (self.tmp_path / f"{module}.py").write_text(
            WORKER_SETTINGS.format(acks_late=True, visibility_timeout=30)
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": module,
            "PYTHONPATH": os.pathsep.join([str(PROJECT), str(self.tmp_path)]),
            "CELERY_BROKER_URL": BROKER_URL,
            "DATABASE_URL": worker_database_url(),
            "CONN_MAX_AGE": "0",
        }
        env.pop("REPORT_TASK_TEST_PAUSE_SECONDS", None)
        worker = Worker(directory=self.tmp_path, queue=self.queue, name=name, env=env, pool="solo")
        self.workers.append(worker)
        return worker


@pytest.fixture
def broker(tmp_path, transactional_db):
    redis = redis_client(BROKER_URL)
    queue = f"test-reliability-{uuid.uuid4().hex[:12]}"
    previous = {
        key: celery_app.conf[key]
        for key in ("task_always_eager", "broker_url", "task_default_queue", "task_routes")
    }
    found = Broker(redis=redis, queue=queue, tmp_path=tmp_path)
    found.up()
    try:
        yield found
    finally:
        for worker in found.workers:
            worker.stop()
        celery_app.conf.update(previous)
        _forget_connections()
        redis.delete(queue)
        redis.close()
