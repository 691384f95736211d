import os

from celery import Celery

# The task log lines and the request id carried into tasks: Celery signal receivers.
from config import logs  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("case_file_audit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
