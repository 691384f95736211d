"""Fill an empty database with a made-up authority: staff, 18 months of audits, demo logins."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from demo.data import (
    DEFAULT_MONTHS,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    database_is_empty,
    demo_is_seeded,
    demo_seed,
)
from demo.organisation import demo_logins

# The demo QA lead gets no ready-made device: its first sign-in leads to the setup page, which
# shows a QR code and the key, as a real QA lead's would.
TWO_FACTOR_NOTE = (
    "The QA lead must use two-factor sign-in: the first sign-in asks you to set it up with an "
    "authenticator app (the page shows a QR code and the key to type in)."
)


def site_url() -> str:
    """The address the service's e-mails link to (SITE_URL, which scripts/demo sets from the
    address it serves on), so the printed links and the e-mailed ones name the real port."""
    return f"{settings.SITE_URL}/"


class Command(BaseCommand):
    help = (
        "Build a made-up authority for demonstrations: service areas, teams, staff, 18 months "
        "of audit history and a login for each role. Does nothing on a seeded database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--months", type=int, default=DEFAULT_MONTHS, help="Months of history (default 18)."
        )
        parser.add_argument(
            "--password", default=DEFAULT_PASSWORD, help="Password of the demo logins."
        )

    def handle(self, *args, seed, months, password, **options):
        if demo_is_seeded():
            self.stdout.write("The demo data is already here: nothing was changed.")
            for role, username in demo_logins():
                self.stdout.write(f"Sign in at {site_url()} as: {role}: {username}")
            self.stdout.write(TWO_FACTOR_NOTE)
            return
        if not database_is_empty():
            # Never mix invented people and cases into a database that holds real ones; saying
            # so without failing keeps scripts/demo (seed, then serve) working.
            self.stdout.write(
                "The database already holds service areas or audits that are not the demo's: "
                "nothing was changed. seed_demo only fills an empty database."
            )
            return
        if months < 1:
            raise CommandError("--months must be at least 1.")
        started = time.perf_counter()
        # The demo's people are made up: their e-mails go nowhere, not to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            result = demo_seed(seed=seed, months=months, password=password)
        created = result.import_result
        self.stdout.write(
            f"Created {len(created.service_areas)} service areas, {len(created.teams)} teams, "
            f"{result.staff} staff, {created.cases} cases, "
            f"{len(created.programmes)} programmes and {created.audits} past audits; "
            f"{result.assigned} audits assigned this month; {result.moderated} moderations "
            f"completed ({result.escalations} escalations) and {result.waiting} waiting "
            f"({time.perf_counter() - started:.1f} s)."
        )
        for role, username in result.logins:
            self.stdout.write(f"Sign in at {site_url()} as: {role}: {username} / {password}")
        self.stdout.write(TWO_FACTOR_NOTE)
