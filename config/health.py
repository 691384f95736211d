"""Health endpoints for the container, the load balancer and the compose file.

GET /healthz: the process answers (touches nothing else). GET /readyz: the database answers,
every migration is applied, and the broker (and a Redis cache) answers when one is configured;
503 naming the failing part otherwise. Both are answered by a middleware placed first, so that
they need no sign-in, are never redirected to HTTPS, answer whatever the Host header (a probe
uses the container's IP address) and say nothing of the service's data.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

HEALTH_PATHS = {"/healthz", "/readyz"}
BROKER_TIMEOUT_SECONDS = 2


def database_ready() -> str | None:
    """None when the database answers a query and every migration is applied, else the part."""
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("Readiness: the database did not answer", exc_info=True)
        return "database"
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        logger.warning("Readiness: migrations are not applied")
        return "migrations"
    return None


def broker_ready() -> bool | None:
    """True/False: the broker answered or not; None: none configured (tasks run in-process)."""
    if celery_app.conf.task_always_eager or not celery_app.conf.broker_url:
        return None
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT_SECONDS
            )
    except Exception:
        logger.warning("Readiness: the broker did not answer", exc_info=True)
        return False
    return True


def cache_ready() -> bool | None:
    """True/False: the shared cache (Redis) answered or not; None: local memory."""
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return None
    try:
        cache.get("readyz")
    except Exception:
        logger.warning("Readiness: the cache did not answer", exc_info=True)
        return False
    return True


def readiness() -> tuple[int, dict]:
    started = time.monotonic()
    checks: dict[str, str] = {}
    database = database_ready()
    checks["database"] = "unavailable" if database == "database" else "ok"
    checks["migrations"] = (
        "unapplied" if database == "migrations" else "unknown" if database else "ok"
    )
    for name, ready in (("broker", broker_ready()), ("cache", cache_ready())):
        checks[name] = "not configured" if ready is None else "ok" if ready else "unavailable"
    failing = [name for name, state in checks.items() if state in ("unavailable", "unapplied")]
    body = {
        "status": "unavailable" if failing else "ok",
        "failing": failing,
        "checks": checks,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }
    return (503 if failing else 200), body


class HealthMiddleware:
    """First in MIDDLEWARE: /healthz and /readyz answered before HTTPS redirects, host checks,
    sessions or sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in HEALTH_PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        elif request.path_info == "/healthz":
            response = JsonResponse({"status": "ok"})
        else:
            status, body = readiness()
            response = JsonResponse(body, status=status)
        response["Cache-Control"] = "no-store"
        return response
