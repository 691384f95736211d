"""Time the monthly report page with Django's test client, read-only (issue 14, H2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench550 \
        .venv/bin/python scripts/time_monthly_page.py [--month 2025-03] [--runs 7]

Signs in the database's QA lead with a verified two-factor session WITHOUT writing anything:
sessions are signed cookies, the sign-in signals that write are disconnected, the two-factor
check is told the session is verified, and every request runs inside one READ ONLY
transaction (PostgreSQL refuses any write) that is rolled back. Prints the median of --runs
runs after 2 warm-ups, the page's size and query count.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.signals import user_logged_in  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import middleware as otp_middleware  # noqa: E402

from core.models import Role, User  # noqa: E402
from reporting.selectors import monthly_report_for_user  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--month", default="2025-03")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--path", default="/reports/monthly/")
    args = parser.parse_args()
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic here: plain static storage, as the tests use.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_SSL_REDIRECT = False
    # Sign-in receivers write (last login, the sign-in record): none is needed to read a page.
    user_logged_in.receivers.clear()
    user_logged_in.sender_receivers_cache.clear()
    otp_middleware.is_verified = lambda user: True
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        user = User.objects.filter(groups__name=Role.QA_LEAD).order_by("pk").first()
        if user is None:
            sys.exit(
                "No QA lead in the database: run manage.py seed_demo first,"
                " or point DATABASE_URL at a database that has one."
            )
        client = Client(secure=True)
        client.force_login(user)
        times = []
        for run in range(args.runs + 2):
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(args.path, {"month": args.month})
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, response.status_code
            if run >= 2:
                times.append(elapsed)
        figures = []
        for run in range(args.runs + 2):
            start = time.perf_counter()
            monthly_report_for_user(user=user, filters={"month": args.month})
            if run >= 2:
                figures.append((time.perf_counter() - start) * 1000)
        transaction.set_rollback(True)
    print(
        f"{args.path}?month={args.month} as {user.username}:"
        f" median {statistics.median(times):.1f} ms"
        f" over {args.runs} runs (min {min(times):.1f}, max {max(times):.1f}),"
        f" {len(response.content) / 1024:.0f} KB, {len(queries)} queries;"
        f" of which the figures (reporting.selectors) {statistics.median(figures):.1f} ms"
    )


if __name__ == "__main__":
    main()
