"""Import audit history from a CSV or XLSX file: all rows or none."""

from django.core.management.base import CommandError

from core.models import AuditTool
from flows.importer import audits_import
from flows.importer.command import TableImportCommand


class Command(TableImportCommand):
    # A data command: the system checks (URL resolvers and all, a second of start-up) are for
    # deploys (`check --deploy`), not for each file imported.
    requires_system_checks: list[str] = []
    actor_help = "Username recorded as the author of the imported history."
    help = (
        "Import audits from a CSV (UTF-8) or XLSX file, one audit per row. If any row is wrong "
        "nothing is written and every problem is listed. --dry-run reports what would be created."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
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
            tool = AuditTool.objects.named(given)
            if tool is not None and not tool.is_published():
                raise CommandError(f"{given} is a draft: publish it first.")
            if tool is None:
                raise CommandError(f"{given} is not a tool version: give CODE:N, e.g. case-file:2.")
            versions[tool.code] = tool
        actor_user = self.actor_named(actor)
        self.run_import(
            file,
            dry_run,
            lambda rows: audits_import(
                rows=rows, actor=actor_user, dry_run=dry_run, tool_versions=versions
            ),
        )
