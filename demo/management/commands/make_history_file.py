"""python manage.py make_history_file --rows N --moderated-fraction 0.33 OUT(.csv|.xlsx)"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.models import AuditTool
from demo.history_file import history_rows
from flows.importer.format import csv_bytes, xlsx_bytes


class Command(BaseCommand):
    help = "Write a made-up history file in the import format (for benchmarks and trials)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="The file to write: .csv or .xlsx.")
        parser.add_argument("--rows", type=int, default=1000)
        parser.add_argument("--moderated-fraction", type=float, default=0.33)
        parser.add_argument("--tool", default="case-file", help="The tool's code.")
        parser.add_argument("--tool-version", type=int, help="Default: the newest.")
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, out, rows, moderated_fraction, tool, tool_version, months, seed, **_):
        tools = AuditTool.objects.filter(code=tool).order_by("-version")
        if tool_version:
            tools = tools.filter(version=tool_version)
        chosen = tools.first()
        if chosen is None:
            raise CommandError(f"No tool {tool} (version {tool_version or 'any'}).")
        if not 0 <= moderated_fraction <= 1:
            raise CommandError("--moderated-fraction is between 0 and 1.")
        columns, lines = history_rows(
            rows=rows, moderated_fraction=moderated_fraction, tool=chosen, seed=seed, months=months
        )
        path = Path(out)
        if path.suffix == ".xlsx":
            path.write_bytes(xlsx_bytes(columns, lines, title="Audits"))
        else:
            path.write_bytes(csv_bytes(columns, lines))
        self.stdout.write(f"{len(lines)} rows written to {path}.")
