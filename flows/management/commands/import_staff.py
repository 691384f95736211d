"""Import staff from an HR spreadsheet (CSV or XLSX): all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import User
from flows.importer import ImportFailed, read_table
from flows.staff_import import staff_import


class Command(BaseCommand):
    help = (
        "Import staff from a CSV (UTF-8) or XLSX file, one person per row. If any row is wrong "
        "nothing is written and every problem is listed. --dry-run reports what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )
        parser.add_argument("--actor", help="Username recorded as the author of the changes.")

    def handle(self, *args, file, dry_run, actor, **options):
        actor_user = None
        if actor:
            actor_user = User.objects.filter(username=actor).first()
            if actor_user is None:
                raise CommandError(f"No user has the username {actor}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            with path.open("rb") as handle:
                rows = read_table(handle, path.name)
            result = staff_import(rows=rows, actor=actor_user, dry_run=dry_run)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{failure.message} Nothing was imported.") from failure
        if dry_run:
            self.stdout.write("Dry run: nothing was written. A real import would give:")
        for line in result.summary_lines():
            self.stdout.write(line)
