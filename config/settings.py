"""Settings for the case-file audit service, read from environment variables.

Every variable is read here, through django-environ (config/environment.py), and each one is in
the README's table with its default and an example (tests/test_environment.py holds that).
With DEBUG=0 the variables a real deployment needs are `required`: any missing one stops
start-up with one message naming them all (the last line of this module). With DEBUG=1 the
embedded local set-up needs none: a SQLite file in the project, tasks run in-process, e-mail
printed to the console, the cache in each process's memory.
"""

import datetime as dt
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF

from config import observability
from config.environment import Required, env
from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.bool("DEBUG", default=False)
# required(NAME, local=value used when DEBUG=1, parse=env.list, ...): a variable that DEBUG=0
# refuses to start without. Use it for any new setting a deployment must choose.
required = Required(debug=DEBUG)

SECRET_KEY = required("SECRET_KEY", local="insecure-local-development-key-do-not-use-in-production")
ALLOWED_HOSTS = required("ALLOWED_HOSTS", local=["localhost", "127.0.0.1"], parse=env.list)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "accounts",
    "moderation",
    "reporting",
    "flows",
    "demo",
]

MIDDLEWARE = [
    # First: /healthz and /readyz answer probes whatever the Host, over plain HTTP, signed out.
    "config.health.HealthMiddleware",
    # Then one JSON line per request, with its id (X-Request-ID), route, user id, status, time.
    "config.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: an oversized one is refused unread (413).
    "config.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    # After the timeout: a session that has just ended needs no code.
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.NoStoreMiddleware",
    # After the view (and its transaction): a person's own change shows in their inbox count.
    "config.middleware.InboxCountMiddleware",
    "config.middleware.TryAgainMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the "locked" page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed sign-ins and refuses a locked username and address, even with the right
    # password; then the normal check.
    "axes.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on through the council's OpenID Connect provider, when configured
    # (config/sso_settings.py, accounts/oidc.py); it authenticates nobody otherwise.
    "accounts.oidc.CouncilOIDCBackend",
]
# 5 failures for one username from one address lock that pair for 30 minutes; another
# address is not locked, so nobody can lock a colleague out from elsewhere.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# The counts live in the shared cache (CACHES["axes"], below: Redis from CACHE_URL), so every
# process and machine counts the same failures; each key expires with its cool-off. The cache
# keeps no record: accounts/lockout.py writes each attempt to core.models.SignInEvent, which
# the admin lists (axes' own admin would list its unused tables: off).
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "axes"
AXES_ENABLE_ADMIN = False
# A single sign-on the service refuses (accounts/oidc.py) is not a password guess.
AXES_WHITELIST_CALLABLE = "accounts.oidc.is_single_sign_on"
# How many proxies (TLS terminator, load balancer) stand in front of the service. The lockout
# and the API throttles count per client address, taken from that many hops of
# X-Forwarded-For (config/client_address.py, DRF's NUM_PROXIES); 0 believes no header.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
# Two-factor sign-in (accounts/two_factor.py): TOTP codes from an authenticator app. Each wrong
# code doubles the wait before the next try (1, 2, 4 ... seconds); keys stay out of the admin.
OTP_TOTP_ISSUER = "Case file audit"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": required(
        "DATABASE_URL",
        local=env.db_url_config(f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        parse=env.db_url,
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer is reported (a 503, /readyz) within seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
# DATABASE_POOLING=transaction: PgBouncer (or another pooler) in transaction mode stands between
# the service and PostgreSQL. A connection then serves one transaction only, so no cursor may
# outlive it (Django's server-side cursors for .iterator() are off) and Django keeps no
# connection of its own between requests (the pooler does).
DATABASE_POOLING = required.one_of(
    "DATABASE_POOLING", env.str("DATABASE_POOLING", default="session"), ["session", "transaction"]
)
if DATABASE_POOLING == "transaction":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Prepared statements: parameters bound by the server, and a query prepared the second time a
# connection runs it, so PostgreSQL plans each of the service's queries once per connection
# rather than on every request (planning the audit list's visibility query took 20 ms, running
# it 5). The plan kept is the generic one: left to itself (plan_cache_mode=auto) PostgreSQL
# planned the moderation queue afresh on every call, 14 ms each time, because a plan for the
# exact status looked cheaper. Not behind a transaction pooler: a statement prepared on one of
# its connections would be missing on the next.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DATABASE_POOLING == "session"
    and DATABASE_PREPARED_STATEMENTS
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=2,
        options="-c plan_cache_mode=force_generic_plan",
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite with a flush that the history tables' append-only triggers let through, as
    # PostgreSQL's TRUNCATE is (core/history_guard.py).
    DATABASES["default"]["ENGINE"] = "config.sqlite_backend"
    # SQLite is for one person trying the service. Still, two requests writing at once
    # should queue, not fail: IMMEDIATE takes the write lock when a transaction starts (a
    # reader upgrading to a writer would be refused at once, whatever the timeout), and the
    # timeout is how long a writer waits for it. A wait past that answers 503 "try again"
    # (config.middleware.TryAgainMiddleware, core/api_errors.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "audits.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Every request body: 2 MB (config.middleware.RequestSizeMiddleware, and Django's own check).
# The largest legitimate save is a full audit with every text at its limit (core/limits.py):
# 8 domains x 10,000 characters of evidence + 3 x 20,000 + 10,000 + 5,000 = 155,000 characters.
# Even if each were a 4-byte character percent-encoded (12 bytes) that is 1.86 MB; as JSON with
# \uXXXX escapes (6 bytes) 0.93 MB. A moderation save is smaller (123,000 characters).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The import upload alone may send a 20 MB file (flows/importer/files.py), plus the form.
IMPORT_UPLOAD_PATHS = {"/import/", "/api/imports/", "/api/staff-import/"}
IMPORT_UPLOAD_MAX_SIZE = 21 * 1024 * 1024
# Import files are parsed in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 21 * 1024 * 1024

# E-mail: EMAIL_PROVIDER chooses how it leaves. smtp: the council's mail server; notify: GOV.UK
# Notify through its official client (config/mail.py), with one template whose subject and body
# are personalisation fields; console: printed on standard output (local runs).
EMAIL_PROVIDERS = ["smtp", "notify", "console"]
EMAIL_PROVIDER = required.one_of(
    "EMAIL_PROVIDER", required("EMAIL_PROVIDER", local="console"), EMAIL_PROVIDERS
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="case-file-audit@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds: a silent server is not waited on
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if EMAIL_PROVIDER == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = required("EMAIL_HOST", local="localhost")
    # The sender a council's mail server accepts; production names it.
    DEFAULT_FROM_EMAIL = required("DEFAULT_FROM_EMAIL", local=DEFAULT_FROM_EMAIL)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)  # TLS from the start (port 465)
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)  # STARTTLS (587)
    if EMAIL_USE_SSL and EMAIL_USE_TLS:
        required.problems.append("set only one of EMAIL_USE_TLS and EMAIL_USE_SSL")
    EMAIL_PORT = env.int("EMAIL_PORT", default=465 if EMAIL_USE_SSL else 587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
elif EMAIL_PROVIDER == "notify":
    EMAIL_BACKEND = "config.mail.NotifyEmailBackend"
NOTIFY_API_KEY = required("NOTIFY_API_KEY", local="") if EMAIL_PROVIDER == "notify" else ""
NOTIFY_TEMPLATE_ID = required("NOTIFY_TEMPLATE_ID", local="") if EMAIL_PROVIDER == "notify" else ""
# Notify's API address; unset, the client's own (GOV.UK Notify). Tests point it at a stand-in.
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="")

# Links in e-mails point here; e-mails name a case by its reference only, never a child.
SITE_URL = required("SITE_URL", local="http://localhost:8000").rstrip("/")

# Working rules of the moderation cycle.
ESCALATION_RESPONSE_DAYS = env.int("ESCALATION_RESPONSE_DAYS", default=10)
AUDIT_DUE_SOON_DAYS = 3
ESCALATION_REMINDER_DAYS = 2

# The empty choice of every filter's select on the list and report pages ("---------" by
# default, which reads as a glitch to the people using them).
FILTERS_EMPTY_CHOICE_LABEL = "Any"


def cache_settings(url: str) -> dict:
    """Redis from CACHE_URL (redis:// or rediss://), shared by every process: the API throttles
    ("default") and the sign-in lockout's counts ("axes": the same Redis under its own key
    prefix, so that deleting the default cache's keys never unlocks anybody; Django's
    cache.clear() on Redis is FLUSHDB, which would: never call it there) live there. Local memory
    (one count per process) for the embedded default, or when CACHE_URL=locmemcache:// says so
    (right for one process only); each alias its own memory."""
    if not url or url.startswith("locmemcache:"):
        locmem = "django.core.cache.backends.locmem.LocMemCache"
        return {
            "default": {"BACKEND": locmem, "LOCATION": "default"},
            "axes": {"BACKEND": locmem, "LOCATION": "axes"},
        }
    config = env.cache_url_config(url, backend="django.core.cache.backends.redis.RedisCache")
    return {
        "default": config | {"KEY_PREFIX": "case-file-audit"},
        "axes": config | {"KEY_PREFIX": "case-file-audit-lockout"},
    }


CACHES = cache_settings(required("CACHE_URL", local=""))
if DEBUG and CACHES["axes"]["BACKEND"].endswith("LocMemCache"):
    # axes.W001 warns that a lockout counted in one process's memory is not shared: true, and
    # right only for the embedded local run. With DEBUG=0 the warning stands (check --deploy).
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

REST_FRAMEWORK = {
    "NUM_PROXIES": PROXY_COUNT,
    # Token first: an anonymous request gets 401 with "WWW-Authenticate: Token", not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api_errors.exception_handler",
}
# API tokens (django-rest-knox, accounts/tokens.py): kept as digests, valid this many hours.
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=24)
KNOX_TOKEN_MODEL = "audits.ApiToken"
# knox's own AuthToken is swapped out for audits.ApiToken, yet its migrations would still make
# an empty knox_authtoken table: they are left out.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"TOKEN_TTL": dt.timedelta(hours=API_TOKEN_TTL), "AUTH_HEADER_PREFIX": "Token"}

SPECTACULAR_SETTINGS = {
    "TITLE": "Case file audit API",
    "DESCRIPTION": "Case-file audits, moderation and QA reporting for children's social care.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is for staff holding a role, by token or session (token first, so that
    # anonymous gets 401 with WWW-Authenticate). The reference page (/api/docs/,
    # config/api_docs.py) is drawn from it on the server, so no Swagger UI is served.
    "SERVE_AUTHENTICATION": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["core.api.HasRole"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a Status; name each enum after its model, not "StatusEb7Enum".
    "ENUM_NAME_OVERRIDES": {
        "AuditStatusEnum": "core.models.Audit.Status",
        "ActionStatusEnum": "core.models.Action.Status",
        "ModerationStatusEnum": "moderation.models.Moderation.Status",
        "EscalationStatusEnum": "moderation.models.Escalation.Status",
        "ReportSnapshotStatusEnum": "reporting.models.ReportSnapshot.Status",
        # An overall judgement (the auditor's, the moderator's, before and after the reveal).
        "OverallEnum": "core.grades.Grade",
    },
}

# Unset broker: tasks run eagerly in-process so a first run needs no Redis.
CELERY_BROKER_URL = required("CELERY_BROKER_URL", local="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# Queues: e-mail, report snapshots and imports each have their own, so a slow publish never holds
# up an e-mail; everything else goes to "celery". A worker consumes every queue it is given:
# `celery -A config worker -Q email,snapshots,imports,celery` (or one worker per queue).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "moderation.tasks.*": {"queue": "email"},
    # The daily digest of what waits for each person (audits/inbox.py) is e-mail too.
    "audits.tasks.send_inbox_digests": {"queue": "email"},
    "reporting.tasks.*": {"queue": "snapshots"},
    # Large history imports (flows/import_jobs.py): a file of 50,000 rows never holds up an e-mail.
    "flows.tasks.*": {"queue": "imports"},
}
# Time limits (seconds): at the soft limit the task is told (SoftTimeLimitExceeded: a snapshot or
# an import job is marked failed), at the hard limit its process is killed. Every task has the
# default; the report snapshot (a month's figures and the XLSX) and a history import (up to
# 50,000 rows, all in one transaction) have longer.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 150
CELERY_TASK_ANNOTATIONS = {
    "reporting.tasks.publish_snapshot": {"soft_time_limit": 540, "time_limit": 600},
    "flows.tasks.import_history_job": {"soft_time_limit": 540, "time_limit": 600},
}
LONGEST_TASK_SECONDS = max(
    [CELERY_TASK_TIME_LIMIT] + [limits["time_limit"] for limits in CELERY_TASK_ANNOTATIONS.values()]
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# autodiscover_tasks() finds tasks in installed apps; audits is a package, not an app (its
# models are core's), so its task module is named here.
CELERY_IMPORTS = ("audits.tasks",)
# An import page upload with more rows than this runs as a background job (flows/import_jobs.py).
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2000)
# The worker tests (tests/reporting/test_celery_worker.py) pause a publish this long, to kill the
# worker mid-way; 0 everywhere else.
REPORT_TASK_TEST_PAUSE_SECONDS = env.float("REPORT_TASK_TEST_PAUSE_SECONDS", default=0)
CELERY_BEAT_SCHEDULE = {
    "audits-due-soon": {
        "task": "moderation.tasks.remind_audits_due_soon",
        "schedule": crontab(hour=7, minute=0),
    },
    "escalation-responses-due": {
        "task": "moderation.tasks.remind_escalation_responses_due",
        "schedule": crontab(hour=7, minute=15),
    },
    # Closing the loop: each auditor's overdue actions, once a week on Monday morning.
    "actions-overdue": {
        "task": "moderation.tasks.remind_actions_overdue",
        "schedule": crontab(day_of_week=1, hour=7, minute=30),
    },
    # What waits for each person (audits.inbox), to those with an address and work waiting.
    "inbox-digest": {
        "task": "audits.tasks.send_inbox_digests",
        "schedule": crontab(hour=7, minute=45),
    },
    # The previous month's report, published as a draft snapshot on the 5th at 06:00.
    "publish-previous-month-report": {
        "task": "reporting.tasks.publish_previous_month",
        "schedule": crontab(day_of_month=5, hour=6, minute=0),
    },
    # What could not be queued while the broker was down, sent once it is back.
    "resend-unsent-report-snapshots": {
        "task": "reporting.tasks.resend_unsent_snapshots",
        "schedule": crontab(minute="*/5"),
    },
    "send-unsent-notifications": {
        "task": "moderation.tasks.send_unsent_notifications",
        "schedule": crontab(minute="*/10"),
    },
    # E-mails the mail server refused or was down for: kept in the outbox, tried again.
    "send-outbox": {
        "task": "moderation.tasks.send_outbox",
        "schedule": crontab(minute="*/10"),
    },
}
# A broker that is down must not hang a page: refuse after a short wait and one retry; the
# caller records what was not sent and the beat tasks above send it later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Redis hands an unacknowledged task (acks are late) to another worker after the visibility
# timeout: twice the longest hard limit, so a task still running is never handed out twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    "visibility_timeout": 2 * LONGEST_TASK_SECONDS,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.2,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_IDLE_TIMEOUT = 30 * 60  # seconds without a request before sign-out
SESSION_ABSOLUTE_TIMEOUT = 8 * 60 * 60  # seconds after sign-in, however active
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
# Content Security Policy: no inline scripts or styles anywhere, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One JSON line per request and per task, JSON for every other line too (config/logs.py);
# LOG_FORMAT=plain for a person reading a terminal.
LOG_FORMAT = required.one_of("LOG_FORMAT", env.str("LOG_FORMAT", default="json"), ["json", "plain"])
LOGGING = logging_config(
    level=env.str("LOG_LEVEL", default="INFO"), json_lines=LOG_FORMAT == "json"
)

# Optional: errors to Sentry, traces to an OpenTelemetry collector (config/observability.py;
# the `observability` extra). Off unless set.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
OTEL_EXPORTER_OTLP_ENDPOINT = env.str("OTEL_EXPORTER_OTLP_ENDPOINT", default="")

# Single sign-on and the council's details on the public pages; what it refuses joins the one
# message below.
from config.sso_settings import *  # noqa: E402,F403
from config.sso_settings import (  # noqa: E402
    OIDC_OP_END_SESSION_ENDPOINT,
    SSO_PROBLEMS,
    with_provider_sign_out,
)

required.problems.extend(SSO_PROBLEMS)

CONTENT_SECURITY_POLICY = with_provider_sign_out(
    CONTENT_SECURITY_POLICY, OIDC_OP_END_SESSION_ENDPOINT
)

# With DEBUG=0, one message naming every required variable that is not set: keep this after
# every required(...) above.
required.refuse_if_missing()

if SENTRY_DSN:
    observability.sentry_start(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
if OTEL_EXPORTER_OTLP_ENDPOINT:
    observability.opentelemetry_start()
