"""Import audit history from a CSV or XLSX file: all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import AuditTool, User
from flows.importer import ImportFailed, audits_import, read_table


class Command(BaseCommand):
    # A data command: the system checks (URL resolvers and all, a second of start-up) are for
    # deploys (`check --deploy`), not for each file imported.
    requires_system_checks: list[str] = []
    help = (
        "Import audits from a CSV (UTF-8) or XLSX file, one audit per row. If any row is wrong "
        "nothing is written and every problem is listed. --dry-run reports what would be created."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .csv or .xlsx file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )
        parser.add_argument(
            "--actor", help="Username recorded as the author of the imported history."
        )
        parser.add_argument(
            "--tool-version",
            action="append",
            default=[],
            metavar="CODE:N",
            help="The version of tool CODE the file was recorded under (repeat for each tool); "
            "a month with a programme keeps its programme's version.",
        )

    def handle(self, *args, file, dry_run, actor, tool_version, **options):
        versions = {}
        for given in tool_version:
            code, _, number = given.partition(":")
            tool = None
            if number.isdigit():
                tool = AuditTool.objects.filter(code=code.lower(), version=int(number)).first()
            if tool is not None and not tool.is_published():
                raise CommandError(f"{given} is a draft: publish it first.")
            if tool is None:
                raise CommandError(f"{given} is not a tool version: give CODE:N, e.g. case-file:2.")
            versions[tool.code] = tool
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
            result = audits_import(
                rows=rows, actor=actor_user, dry_run=dry_run, tool_versions=versions
            )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{failure.message} Nothing was imported.") from failure
        if dry_run:
            self.stdout.write("Dry run: nothing was written. A real import would give:")
        for line in result.summary_lines():
            self.stdout.write(line)
