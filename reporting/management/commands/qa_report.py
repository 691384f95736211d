"""python manage.py qa_report --month YYYY-MM [--service-area ID] [--team ID] [--tool CODE]
[--format json] [--output FILE]: the monthly QA report without the web, for the whole
authority (whoever can run this command can read every report)."""

import json
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits.errors import DomainError
from reporting import selectors


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


# One renderer per format: xlsx (bytes, --output only) and csv join here.
RENDERERS: dict[str, Callable[[dict], str | bytes]] = {"json": render_json}


class Command(BaseCommand):
    help = "Write the monthly QA report for a month (JSON), to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--service-area", help="Service area id.")
        parser.add_argument("--team", help="Team id.")
        parser.add_argument("--tool", help="Tool code.")
        parser.add_argument("--format", choices=sorted(RENDERERS), default="json")
        parser.add_argument("--output", help="A file to write; stdout if not given.")

    def handle(self, *args, **options):
        names = ("month", "service_area", "team", "tool")
        filters = {name: options[name] for name in names if options[name] not in (None, "")}
        try:
            cleaned = selectors.report_filters(filters)
        except DomainError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.field_errors.items()
            )
            raise CommandError(f"{error.message} {problems}") from error
        report = selectors.monthly_report(scope=selectors.report_scope(cleaned=cleaned, areas=None))
        content = RENDERERS[options["format"]](report)
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
