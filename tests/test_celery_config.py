"""Celery's shared-state settings (config/settings.py): e-mail, snapshots and imports on queues
of their own, every task with a soft and a hard time limit, and a broker visibility timeout of
twice the longest hard limit, so a task still running is never handed to a second worker."""

from django.conf import settings

from config.celery import app as celery_app

PROJECT_APPS = ("core.", "accounts.", "moderation.", "audits.", "reporting.", "flows.", "demo.")
WORKER_QUEUES = {"email", "snapshots", "imports", "celery"}  # the README's `-Q` list


def project_tasks() -> dict:
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(PROJECT_APPS)}


def queue_of(name: str) -> str:
    return celery_app.amqp.router.route({}, name)["queue"].name


def expected_queue(name: str) -> str:
    if name.startswith("moderation.tasks.") or name == "audits.tasks.send_inbox_digests":
        return "email"
    if name.startswith("reporting.tasks."):
        return "snapshots"
    if name.startswith("flows.tasks."):
        return "imports"
    return "celery"


def test_each_task_goes_to_its_queue_and_the_worker_command_consumes_them_all():
    tasks = project_tasks()
    assert len(tasks) >= 10
    queues = {name: queue_of(name) for name in tasks}
    assert set(queues.values()) | {"celery"} == WORKER_QUEUES  # "celery": anything else
    for name, queue in queues.items():
        assert queue == expected_queue(name), name
    assert queues["audits.tasks.send_inbox_digests"] == "email"
    assert queues["flows.tasks.import_history_job"] == "imports"
    assert queue_of("anything.else") == "celery"


def test_every_task_has_a_soft_limit_before_its_hard_limit():
    for name, task in project_tasks().items():
        soft = task.soft_time_limit or celery_app.conf.task_soft_time_limit
        hard = task.time_limit or celery_app.conf.task_time_limit
        assert soft and hard and soft < hard, name
    publish = celery_app.tasks["reporting.tasks.publish_snapshot"]
    assert (publish.soft_time_limit, publish.time_limit) == (540, 600)
    history_import = celery_app.tasks["flows.tasks.import_history_job"]
    assert (history_import.soft_time_limit, history_import.time_limit) == (540, 600)


def test_the_visibility_timeout_is_twice_the_longest_hard_limit():
    longest = max(
        task.time_limit or celery_app.conf.task_time_limit for task in project_tasks().values()
    )
    assert longest == settings.LONGEST_TASK_SECONDS
    options = celery_app.conf.broker_transport_options
    assert options["visibility_timeout"] == 2 * longest == 1200
