"""The environment: production refuses to start half-configured, naming every missing variable
at once; the embedded local run needs none; and every variable any code reads is in the
README's tables."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the test process has in its environment that a production process must not inherit.
LEFT_OUT = {
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SITE_URL",
    "CACHE_URL",
}
LEFT_OUT_PREFIXES = (
    "EMAIL_",
    "NOTIFY_",
    "DEFAULT_FROM_EMAIL",
    "DATABASE_POOLING",
    "DATABASE_PREPARED_STATEMENTS",
)


def production_env(**env: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in LEFT_OUT and not k.startswith(LEFT_OUT_PREFIXES)
    }
    return base | {"DJANGO_SETTINGS_MODULE": "config.settings"} | env


def everything_set(**env: str) -> dict[str, str]:
    """Every variable production requires, with the SMTP provider."""
    return (
        production_env(
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="audit.example.gov.uk",
            DATABASE_URL="postgres://audit@db.example.gov.uk:5432/case_file_audit",
            CELERY_BROKER_URL="redis://redis.example.gov.uk:6379/0",
            SITE_URL="https://audit.example.gov.uk",
            EMAIL_PROVIDER="smtp",
            EMAIL_HOST="smtp.example.gov.uk",
            DEFAULT_FROM_EMAIL="case-file-audit@example.gov.uk",
            CACHE_URL="redis://redis.example.gov.uk:6379/1",
        )
        | env
    )


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env)


def refused_names(output: str) -> list[str]:
    """The variables one refusal names, in its order."""
    found = re.findall(r"until these environment variables are set: ([A-Z_, ]+)\.", output)
    assert len(found) == 1, f"expected exactly one refusal message:\n{output}"
    return found[0].split(", ")


REQUIRED = [
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "EMAIL_PROVIDER",
    "SITE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
]


def test_check_deploy_with_nothing_set_refuses_once_naming_every_missing_variable():
    result = manage("check", "--deploy", env=production_env())
    assert result.returncode == 1
    assert "Traceback" not in result.stderr  # one message, not a stack
    assert result.stderr.startswith("Refusing to start: the service will not start with DEBUG=0")
    assert sorted(refused_names(result.stderr)) == sorted(REQUIRED)


def test_start_up_refuses_with_the_same_message():
    """What gunicorn, runserver and the Celery worker import first."""
    result = run([sys.executable, "-c", "import config.wsgi"], production_env())
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: Refusing to start" in result.stderr
    assert sorted(refused_names(result.stderr)) == sorted(REQUIRED)


def test_one_missing_variable_is_named_alone():
    env = everything_set()
    del env["SITE_URL"]
    result = manage("check", env=env)
    assert result.returncode == 1
    assert refused_names(result.stderr) == ["SITE_URL"]


@pytest.mark.parametrize(
    ("provider", "given", "missing"),
    [
        ("smtp", {}, ["EMAIL_HOST", "DEFAULT_FROM_EMAIL"]),
        ("notify", {}, ["NOTIFY_API_KEY", "NOTIFY_TEMPLATE_ID"]),
        ("notify", {"NOTIFY_API_KEY": "key"}, ["NOTIFY_TEMPLATE_ID"]),
    ],
)
def test_the_chosen_e_mail_provider_names_what_it_needs(provider, given, missing):
    env = {
        k: v for k, v in everything_set().items() if k not in {"EMAIL_HOST", "DEFAULT_FROM_EMAIL"}
    }
    result = manage("check", env=env | {"EMAIL_PROVIDER": provider} | given)
    assert result.returncode == 1
    assert refused_names(result.stderr) == missing


def test_an_unknown_e_mail_provider_or_pooling_mode_is_refused_by_name():
    result = manage(
        "check", env=everything_set(EMAIL_PROVIDER="sendmail", DATABASE_POOLING="statement")
    )
    assert result.returncode == 1
    assert "EMAIL_PROVIDER must be one of smtp, notify, console, not 'sendmail'" in result.stderr
    assert "DATABASE_POOLING must be one of session, transaction" in result.stderr


def test_everything_set_passes_check_deploy_at_warning_level():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=everything_set())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_embedded_local_run_needs_no_variable():
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, "
        "s.CACHES['default']['BACKEND'], s.SITE_URL)"
    )
    result = run([sys.executable, "-c", code], production_env(DEBUG="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "config.sqlite_backend",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.cache.backends.locmem.LocMemCache",
        "http://localhost:8000",
    ]


def settings_value(expression: str, env: dict[str, str]) -> str:
    code = f"from django.conf import settings as s; print({expression})"
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_smtp_settings_come_from_the_environment():
    env = everything_set(
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="relay-user",
        EMAIL_HOST_PASSWORD="relay-password",
    )
    assert settings_value(
        "s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, "
        "s.EMAIL_USE_SSL",
        env,
    ) == (
        "django.core.mail.backends.smtp.EmailBackend smtp.example.gov.uk 2525 relay-user True False"
    )
    implicit_tls = everything_set(EMAIL_USE_SSL="1")
    assert settings_value("s.EMAIL_PORT, s.EMAIL_USE_TLS", implicit_tls) == "465 False"


def test_pgbouncer_transaction_pooling_turns_server_side_cursors_off():
    expression = "s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS'), " + (
        "s.DATABASES['default']['CONN_MAX_AGE']"
    )
    assert settings_value(expression, everything_set()) == "None 60"
    pooled = everything_set(DATABASE_POOLING="transaction")
    assert settings_value(expression, pooled) == "True 0"


def test_postgresql_prepares_statements_except_behind_a_transaction_pooler():
    expression = "sorted(s.DATABASES['default'].get('OPTIONS', {}).items())"
    prepared = (
        "[('connect_timeout', 5), ('options', '-c plan_cache_mode=force_generic_plan'), "
        "('prepare_threshold', 2), ('server_side_binding', True)]"
    )
    assert settings_value(expression, everything_set()) == prepared
    plain = "[('connect_timeout', 5)]"
    assert settings_value(expression, everything_set(DATABASE_POOLING="transaction")) == plain
    assert settings_value(expression, everything_set(DATABASE_PREPARED_STATEMENTS="0")) == plain


# -- Every variable read anywhere is documented -------------------------------------------------

ENVIRON_METHODS = "str|bool|int|float|list|tuple|dict|json|url|path|db_url|cache_url|email_url"
PYTHON_READ = re.compile(
    r"""(?:os\.environ\.(?:get|setdefault)\(|os\.getenv\(|os\.environ\[|"""
    rf"""\benv(?:\.(?:{ENVIRON_METHODS}))?\(|\brequired(?:\.one_of)?\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
SHELL_DEFAULTED = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::?[-?=+])")
SHELL_REFERENCE = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
SHELL_ASSIGNED = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Z][A-Z0-9_]*)=", re.M)
# `read -r -a PORTS`, `IFS=: read -r _ UID_ ...`, `mapfile -t LINES`: the script sets these.
SHELL_READ_INTO = re.compile(r"\b(?:read|mapfile|readarray)((?:[ \t]+(?:-[a-z]+|[A-Za-z_]\w*))+)")
SHELL_OWN = {"SECONDS", "RANDOM", "PWD", "HOME", "PATH", "UID", "EUID", "IFS", "LINENO"}
SKIPPED_DIRS = {".git", ".venv", "node_modules", "migrations", "staticfiles", "__pycache__"}


def project_files() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [
        ROOT / name
        for name in tracked
        if not SKIPPED_DIRS & set(Path(name).parts) and (ROOT / name).is_file()
    ]


def shell_reads(text: str) -> set[str]:
    """Variables a shell script takes from its caller: those it gives a default to, and those it
    uses without setting them itself."""
    defaulted = set(SHELL_DEFAULTED.findall(text))
    referenced = set(SHELL_REFERENCE.findall(text))
    assigned = set(SHELL_ASSIGNED.findall(text))
    for names in SHELL_READ_INTO.findall(text):
        assigned |= set(re.findall(r"\b[A-Z][A-Z0-9_]*\b", names))
    return defaulted | (referenced - assigned - SHELL_OWN)


def environment_reads() -> dict[str, set[str]]:
    """Each variable name read by the project's code, with the files that read it."""
    reads: dict[str, set[str]] = {}
    for path in project_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        first_line = text.split("\n", 1)[0]
        if path.suffix == ".py" or "python" in first_line:
            names = set(PYTHON_READ.findall(text))
        elif path.suffix == ".sh" or first_line.startswith("#!") and "sh" in first_line:
            names = shell_reads(text)
        else:
            continue
        for name in names:
            reads.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return reads


def documented_variables() -> set[str]:
    """The names in the first cell of every row of the README's tables (a cell may name
    several: `A`, `B`)."""
    readme = (ROOT / "README.md").read_text()
    first_cells = re.findall(r"^\|([^|\n]*)\|", readme, re.M)
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}


def test_the_scan_finds_reads_of_every_kind():
    reads = environment_reads()
    assert "config/settings.py" in reads["SECRET_KEY"]  # required(...)
    assert "config/settings.py" in reads["PROXY_COUNT"]  # env.int(...)
    assert "scripts/load" in reads["USERS"]  # ${USERS:-50}
    assert "loadtest/locustfile.py" in reads["LOAD_USERS_FILE"]  # os.environ.get(...)


def test_every_variable_the_code_reads_is_in_the_readme():
    undocumented = {
        name: sorted(files)
        for name, files in environment_reads().items()
        if name not in documented_variables()
    }
    assert not undocumented, (
        "Add a row for each of these to a table of environment variables in README.md "
        f"(| `NAME` | what | default | example |): {undocumented}"
    )


def test_a_value_beginning_with_a_dollar_is_read_as_it_is():
    """django-environ would read "$ecret" as the variable "ecret" (unset: the default, "")."""
    env = everything_set(
        EMAIL_HOST_PASSWORD="$ecret-$2", SECRET_KEY="$" + secrets.token_urlsafe(50)
    )
    assert settings_value("s.EMAIL_HOST_PASSWORD, s.SECRET_KEY[0]", env) == "$ecret-$2 $"


def test_single_sign_on_half_set_joins_the_one_refusal_with_every_missing_variable():
    env = production_env(
        OIDC_RP_CLIENT_ID="case-file-audit", OIDC_MATCH_BY="name", OIDC_GROUP_ROLES="[]"
    )
    result = manage("check", "--deploy", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert sorted(refused_names(result.stderr)) == sorted(REQUIRED)
    assert result.stderr.count("Refusing to start") == 1
    for problem in (
        "OIDC_GROUP_ROLES must be a JSON object",
        "OIDC_MATCH_BY must be email or subject",
        "Single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are not: "
        "OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT",
    ):
        assert problem in result.stderr


@pytest.mark.django_db
def test_a_prepared_query_is_planned_once_per_connection_on_postgresql():
    """The service's connections keep one generic plan per prepared query (settings.py): a plan
    made afresh for each call cost the moderation queue 14 ms every time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no plan cache")
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_generic_plan"


def test_gunicorn_is_configured_from_the_environment_without_a_control_socket(monkeypatch):
    """gunicorn.conf.py: sizes from the environment; no `gunicornc` socket in $HOME (two
    processes on one machine would share its path; a read-only home cannot hold it)."""
    import runpy

    config = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    monkeypatch.delenv("GUNICORN_MAX_REQUESTS", raising=False)
    settings = runpy.run_path(str(config))
    assert settings["control_socket_disable"] is True
    assert settings["max_requests"] >= 10_000  # a restart re-imports the service: 1.8 s of CPU
    monkeypatch.setenv("GUNICORN_MAX_REQUESTS", "1234")
    assert runpy.run_path(str(config))["max_requests"] == 1234
