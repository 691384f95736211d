"""The history import at scale, end to end, each size on a fresh PostgreSQL database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anything python manage.py bench_import \\
        [--sizes 1000 10000 20000] [--repeat 3] [--moderated-fraction 0.33]

For each size and repeat: a new database (a copy of one migrated template, so migrations are
not timed), a history file from `make_history_file` (a third of the rows moderated), then
`manage.py import_audits FILE` in its own process, timed from start to exit: wall time and
the process's CPU time (user + system; PostgreSQL's own CPU is not in it). Prints each
size's medians and the ratio of the largest size's wall time to the one before it (20k/10k:
linear is about 2). The databases are dropped afterwards. Issue 11's target: 10,000 rows in
at most 10 s, 20,000 in at most 2.2 times that.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _admin_connection(db: Mapping[str, Any]) -> psycopg.Connection:
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _url(db: Mapping[str, Any], name: str) -> str:
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )


class Command(BaseCommand):
    help = "Time manage.py import_audits for 1k / 10k / 20k rows, each on a fresh database."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 20000])
        parser.add_argument("--repeat", type=int, default=1)
        parser.add_argument("--moderated-fraction", type=float, default=0.33)
        parser.add_argument("--prefix", default="bench_import", help="Names of the databases.")

    def handle(self, *args, sizes, repeat, moderated_fraction, prefix, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("Set DATABASE_URL to a PostgreSQL server: the target is for it.")
        template = f"{prefix}_template"
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
        with _admin_connection(db) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
            admin.execute(f'CREATE DATABASE "{template}"')
            self.stdout.write(f"Migrating the template database {template} (not timed) ...")
            subprocess.run(
                [*manage, "migrate", "-v0"],
                env={**env, "DATABASE_URL": _url(db, template)},
                check=True,
            )
            results: dict[int, list[tuple[float, float]]] = {}
            with tempfile.TemporaryDirectory() as folder:
                for size in sizes:
                    path = Path(folder) / f"history-{size}.csv"
                    subprocess.run(
                        [
                            *manage,
                            "make_history_file",
                            "--rows",
                            str(size),
                            "--moderated-fraction",
                            str(moderated_fraction),
                            str(path),
                        ],
                        env={**env, "DATABASE_URL": _url(db, template)},
                        check=True,
                        stdout=subprocess.DEVNULL,
                    )
                    for attempt in range(repeat):
                        name = f"{prefix}_{size}_{attempt}"
                        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                        try:
                            timing = self._time_import(manage, env, _url(db, name), path)
                        finally:
                            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
                        results.setdefault(size, []).append(timing)
                        self.stdout.write(
                            f"{size:>7,} rows, run {attempt + 1}: wall {timing[0]:.2f} s, "
                            f"CPU {timing[1]:.2f} s"
                        )
            admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
        self._report(results, moderated_fraction)

    def _time_import(self, manage, env, url, path) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [*manage, "import_audits", str(path)],
            env={**env, "DATABASE_URL": url},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    def _report(self, results: dict[int, list[tuple[float, float]]], fraction: float) -> None:
        self.stdout.write("")
        self.stdout.write(f"manage.py import_audits, {fraction:.0%} of rows moderated (medians):")
        self.stdout.write(f"{'rows':>8}  {'runs':>4}  {'wall s':>8}  {'CPU s':>8}")
        medians = {}
        for size, timings in results.items():
            wall = statistics.median(t[0] for t in timings)
            cpu = statistics.median(t[1] for t in timings)
            medians[size] = wall
            self.stdout.write(f"{size:>8,}  {len(timings):>4}  {wall:>8.2f}  {cpu:>8.2f}")
        ordered = sorted(medians)
        if len(ordered) >= 2:
            big, before = ordered[-1], ordered[-2]
            self.stdout.write(
                f"ratio {big:,} / {before:,} rows (wall): {medians[big] / medians[before]:.2f}"
            )
