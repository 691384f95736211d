"""Test settings: the production module with what tests need overridden."""

import os

os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-with-enough-length-and-entropy-0123456789"
)
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
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
