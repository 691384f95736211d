"""Issue 5, item 12: a pg_dump backup restores into a new database with the same figures.

scripts/backup_check does the whole round trip on a freshly seeded database (one month of
demo data here, to stay near a minute) and exits 0 only if the monthly QA report of the
restored database is identical to the original's. Needs PostgreSQL and its client tools.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.backup,  # a long group: `pytest -m backup`
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: pg_dump and pg_restore back up PostgreSQL only.",
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="Needs the PostgreSQL client."),
]


def server_url() -> str:
    """The test server, from the settings (DATABASE_URL may name a database of our own)."""
    settings = connection.settings_dict
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"]
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{host}:{port or 5432}/postgres"


def run(*args, **env) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")
    }
    return subprocess.run(
        args,
        cwd=ROOT,
        env=clean | {"DEBUG": "1"} | env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def databases() -> set[str]:
    listed = run(
        "psql", "-At", "--no-psqlrc", server_url(), "-c", "SELECT datname FROM pg_database"
    )
    return set(listed.stdout.split())


def test_backup_check_restores_the_same_monthly_report():
    before = databases()
    result = run("scripts/backup_check", DATABASE_URL=server_url(), SEED_MONTHS="1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK: the restored database gives the same" in result.stderr
    # It printed the report it compared, with figures in it.
    assert '"returned":' in result.stdout and '"completed":' in result.stdout
    # Both temporary databases are gone.
    assert {name for name in databases() - before if name.startswith("backup_check_")} == set()


def test_restore_refuses_an_existing_database(tmp_path):
    dump = tmp_path / "empty.dump"
    made = run("scripts/backup", str(dump), DATABASE_URL=server_url())
    assert made.returncode == 0, made.stderr
    refused = run("scripts/restore", str(dump), server_url())  # the "postgres" database
    assert refused.returncode != 0
    assert "already exists" in refused.stderr


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    refused = run("scripts/backup", str(tmp_path / "x.dump"), DATABASE_URL="sqlite:///db.sqlite3")
    assert refused.returncode == 2 and "not a PostgreSQL URL" in refused.stderr
    assert not (tmp_path / "x.dump").exists()
