"""python manage.py qa_report --month YYYY-MM [--service-area ID] [--team ID] [--tool CODE]
[--format json|tables|xlsx|csv] [--table NAME] [--output FILE]: the monthly QA report without the
web, for the whole authority (whoever can run this command can read every report).

json: the report's figures as the API gives them. tables: every table as JSON (each figure
with its count, percentage and audit-list filter, as /reports/monthly/download.json).
xlsx: one sheet per table (needs --output). csv: with --table, that table's CSV; without it,
a zip of every table's CSV (needs --output)."""

import json
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from reporting import exports, scope, selectors


def render_json(report: dict, table: str | None) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_tables(report: dict, table: str | None) -> str:
    return exports.to_json(report, exports.filter_labels(report["filters"]))


def render_xlsx(report: dict, table: str | None) -> bytes:
    return exports.to_xlsx(report, exports.filter_labels(report["filters"]))


def render_csv(report: dict, table: str | None) -> str | bytes:
    labels = exports.filter_labels(report["filters"])
    if table is None or table == "all":
        return exports.to_csv_zip(report, labels)
    return exports.table_csv(report, table, labels)


# One renderer per format; bytes can only go to --output.
RENDERERS: dict[str, Callable[[dict, str | None], str | bytes]] = {
    "json": render_json,
    "tables": render_tables,
    "xlsx": render_xlsx,
    "csv": render_csv,
}


class Command(BaseCommand):
    help = "Write the monthly QA report for a month (JSON, XLSX or CSV), to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--service-area", help="Service area id.")
        parser.add_argument("--team", help="Team id.")
        parser.add_argument("--tool", help="Tool code.")
        parser.add_argument("--format", choices=sorted(RENDERERS), default="json")
        parser.add_argument(
            "--table",
            choices=["all", *exports.TABLE_NAMES],
            help="csv only: one table (default: a zip of every table).",
        )
        parser.add_argument("--output", help="A file to write; stdout if not given.")

    def handle(self, *args, **options):
        names = ("month", "service_area", "team", "tool")
        filters = {name: options[name] for name in names if options[name] not in (None, "")}
        try:
            cleaned = scope.report_filters(filters)
        except DomainError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.field_errors.items()
            )
            raise CommandError(f"{error.message} {problems}") from error
        report = selectors.monthly_report(scope=scope.report_scope(cleaned=cleaned, areas=None))
        if options["table"] and options["format"] != "csv":
            raise CommandError("--table goes with --format csv.")
        content = RENDERERS[options["format"]](report, options["table"])
        if options["output"]:
            path = Path(options["output"])
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            raise CommandError("This format needs --output FILE.")
        else:
            self.stdout.write(content, ending="")
