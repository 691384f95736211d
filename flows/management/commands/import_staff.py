"""Import staff from an HR spreadsheet (CSV or XLSX): all rows or none."""

from flows.importer.command import TableImportCommand
from flows.staff_import import staff_import


class Command(TableImportCommand):
    help = (
        "Import staff from a CSV (UTF-8) or XLSX file, one person per row. If any row is wrong "
        "nothing is written and every problem is listed. --dry-run reports what would change."
    )
    actor_help = "Username recorded as the author of the changes."

    def handle(self, *args, file, dry_run, actor, **options):
        actor_user = self.actor_named(actor)
        self.run_import(
            file, dry_run, lambda rows: staff_import(rows=rows, actor=actor_user, dry_run=dry_run)
        )
