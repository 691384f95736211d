"""What the two import commands share (import_audits, import_staff): the file, --dry-run,
--actor, every problem on stderr with nothing written, and the summary on stdout."""

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from django.core.management.base import BaseCommand, CommandError

from core.models import User
from flows.importer.files import read_table
from flows.importer.results import ImportFailed


class Summarised(Protocol):
    def summary_lines(self) -> list[str]: ...


class TableImportCommand(BaseCommand):
    actor_help = "Username recorded as the author."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )
        parser.add_argument("--actor", help=self.actor_help)

    def actor_named(self, username: str | None) -> User | None:
        if not username:
            return None
        actor = User.objects.filter(username=username).first()
        if actor is None:
            raise CommandError(f"No user has the username {username}.")
        return actor

    def run_import(self, file: str, dry_run: bool, do: Callable[[list[dict]], Summarised]) -> None:
        """Read the file, call do(rows) (an import returning a result with summary_lines())."""
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file} is not a file.")
        try:
            with path.open("rb") as handle:
                rows = read_table(handle, path.name)
            result = do(rows)
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{failure.message} Nothing was imported.") from failure
        if dry_run:
            self.stdout.write("Dry run: nothing was written. A real import would give:")
        for line in result.summary_lines():
            self.stdout.write(line)
