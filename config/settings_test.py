"""Test settings: the production module with what tests need overridden.

Tests run with DEBUG=0, so every variable production requires is given a test value here
before the production module reads them (config/environment.py would refuse otherwise).
"""

import os
from pathlib import Path

os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-with-enough-length-and-entropy-0123456789"
)
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
# A Celery worker started by a test gives its broker; the test process itself runs tasks
# in-process (eager) unless a test points the app at a broker.
_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# The other required variables, only while the production module reads them: processes that
# the tests start (a worker, `manage.py check --deploy`) do not inherit these stand-ins.
_STAND_INS = {
    name: value
    for name, value in {
        "ALLOWED_HOSTS": "*",
        "DATABASE_URL": f"sqlite:///{Path(__file__).resolve().parent.parent / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "SITE_URL": "http://localhost:8000",
        "EMAIL_PROVIDER": "console",
        "CACHE_URL": "locmemcache://",
    }.items()
    if not os.environ.get(name)
}
os.environ.update(_STAND_INS)
try:
    from config.settings import *  # noqa: F403
finally:
    for _name in _STAND_INS:
        del os.environ[_name]

CELERY_BROKER_URL = _BROKER_URL
CELERY_TASK_ALWAYS_EAGER = not _BROKER_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
LOG_FORMAT = "plain"  # a worker a test starts writes Celery's own lines
# Serve static files straight from the source folders: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# SQLite tests use a file, not memory, so a Celery worker process started by
# tests/reporting/test_celery_worker.py can open the same test database. One file per test
# process (pid), so runs side by side never share one; TEST_SQLITE_PATH names it instead.
if DATABASES["default"]["ENGINE"] == "config.sqlite_backend":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("TEST_SQLITE_PATH")
        or os.path.join(tempfile.gettempdir(), f"case_file_audit_test_{os.getpid()}.sqlite3")
    }
