"""Structured logs: one JSON line per request and per Celery task, a request id carried from the
web request into the tasks it queues, and JSON for every other log line.

A request line: {"event": "request", "request_id", "method", "route", "user_id", "status",
"duration_ms"}. The route is the URL pattern ("audits/<int:pk>/"), never the path: paths and
query strings carry case references and filters. A task line: {"event": "task", "task",
"task_id", "request_id", "status", "duration_ms"}. Never a name, an e-mail address or case
content: people are their user id.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

from celery import signals
from django.conf import settings

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy is kept when it looks like one (no room for anything else).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,128}")
TASK_HEADER = "request_id"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
requests_log = logging.getLogger("case_file_audit.requests")
tasks_log = logging.getLogger("case_file_audit.tasks")
LINE_LOGGERS = (requests_log.name, tasks_log.name)


class JsonFormatter(logging.Formatter):
    """Any log record as one JSON object; a request or task line's fields as they are."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        if fields is not None:
            line |= fields
        else:
            line["message"] = record.getMessage()
            line["request_id"] = request_id.get()
            if record.exc_info:
                line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def logging_config(*, level: str, json_lines: bool) -> dict:
    formatter = (
        {"()": "config.logs.JsonFormatter"}
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "main"}},
        "root": {"handlers": ["console"], "level": level},
        # The request and task lines are INFO: they stay even when LOG_LEVEL is WARNING.
        "loggers": {
            name: {"level": "INFO"}
            for name in ("case_file_audit.requests", "case_file_audit.tasks")
        },
    }


def log_line(logger: logging.Logger, **fields) -> None:
    """One INFO line of these fields: the JSON formatter writes them as they are; a plain
    format (LOG_FORMAT=plain, Celery's own log file) shows them as JSON after its prefix."""
    logger.info(json.dumps(fields, default=str), extra={"fields": fields})


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def json_lines_for_celery(logger=None, **kwargs) -> None:
    """Celery's after_setup_logger: the worker's log lines as JSON too (LOG_FORMAT=json)."""
    if settings.LOG_FORMAT == "json" and logger is not None:
        for handler in logger.handlers:
            handler.setFormatter(JsonFormatter())


def incoming_request_id(request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if REQUEST_ID_PATTERN.fullmatch(given) else uuid.uuid4().hex


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + match.route
    if request.path_info.startswith(settings.STATIC_URL):
        return settings.STATIC_URL
    return "(no route)"


def user_id_of(request) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestLogMiddleware:
    """Second in MIDDLEWARE (after the health probes, which are not logged): times the whole
    request, gives it an id (the proxy's X-Request-ID or a new one), returns the id in the
    response and logs one line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = incoming_request_id(request)
        token = request_id.set(rid)
        started = time.monotonic()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = rid
            return response
        finally:
            log_line(
                requests_log,
                event="request",
                request_id=rid,
                method=request.method,
                route=route_of(request),
                user_id=user_id_of(request),
                status=status,
                duration_ms=round((time.monotonic() - started) * 1000, 1),
            )
            request_id.reset(token)


# -- Celery: the request id travels in the task message's headers ------------------------------

_task_started: dict[str, tuple[float, contextvars.Token]] = {}


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **kwargs) -> None:
    rid = request_id.get()
    if headers is not None and rid is not None:
        headers.setdefault(TASK_HEADER, rid)


@signals.task_prerun.connect
def _task_started_at(task_id=None, task=None, **kwargs) -> None:
    # On a worker the id is the message header; run in-process (eager) it is this request's.
    rid = getattr(task.request, TASK_HEADER, None) or request_id.get()
    _task_started[task_id] = (time.monotonic(), request_id.set(rid))


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    started, token = _task_started.pop(task_id, (None, None))
    log_line(
        tasks_log,
        event="task",
        task=task.name,
        task_id=task_id,
        request_id=request_id.get(),
        status=state,
        duration_ms=round((time.monotonic() - started) * 1000, 1) if started else None,
    )
    if token is not None:
        request_id.reset(token)
