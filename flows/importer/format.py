"""The import file's format: its columns for a tool version (the template), and audits written
back in that format (the export), so that export -> import is a round trip.

CSV and XLSX files of both are built here; cells a spreadsheet would run as formulas are
neutralised (core.spreadsheets.neutralise), which no valid import cell ever needs.
"""

import csv
import io
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from openpyxl import Workbook

from core.grades import NOT_APPLICABLE
from core.models import Audit, AuditTool, Domain, DomainGrade
from core.spreadsheets import neutralise
from flows.importer.rows import MODERATION_COLUMNS
from moderation.models import ModeratedGrade, Moderation

FIRST_COLUMNS = [
    "case_reference",
    "service_area",
    "team",
    "tool",
    "tool_version",
    "month",
    "auditor",
    "overall",
    "escalated",
    "submitted_on",
    "case_type",
]


def columns_for(domain_codes: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(domain_codes))
    return [
        *FIRST_COLUMNS,
        *codes,
        *MODERATION_COLUMNS,
        *(f"moderated_{code}" for code in codes),
    ]


def template_columns(tool: AuditTool) -> list[str]:
    """The headers of an import file for this tool version."""
    return columns_for(tool.domains.order_by("position").values_list("code", flat=True))


def _grade(value: str) -> str:
    return "NA" if value == NOT_APPLICABLE else value


def export_rows(audits: QuerySet[Audit]) -> tuple[list[str], list[list[str]]]:
    """Submitted audits in the import format, each with its latest completed moderation."""
    completed = Moderation.objects.filter(status=Moderation.Status.COMPLETED).order_by(
        "-completed_at", "-pk"
    )
    audits = (
        audits.filter(status=Audit.Status.SUBMITTED)
        .select_related("case__team__service_area", "tool", "auditor")
        .prefetch_related(
            Prefetch("grades", queryset=DomainGrade.objects.select_related("domain")),
            Prefetch(
                "moderations",
                queryset=completed.select_related("moderator").prefetch_related(
                    Prefetch("grades", queryset=ModeratedGrade.objects.select_related("domain"))
                ),
                to_attr="completed_moderations",
            ),
        )
        .order_by("month", "tool__code", "case__reference", "pk")
    )
    tool_ids = set(audits.values_list("tool_id", flat=True))
    codes = Domain.objects.filter(tool_id__in=tool_ids).order_by(
        "tool__code", "tool__version", "position"
    )
    columns = columns_for(codes.values_list("code", flat=True))
    rows = []
    for audit in audits.iterator(chunk_size=1000):
        values = {
            "case_reference": audit.case.reference,
            "service_area": audit.case.team.service_area.name,
            "team": audit.case.team.name,
            "tool": audit.tool.code,
            "tool_version": str(audit.tool.version),
            "month": f"{audit.month:%Y-%m}",
            "auditor": audit.auditor_of_record().username,
            "overall": audit.overall,
            "escalated": "yes" if audit.escalated else "no",
            "submitted_on": (
                f"{timezone.localdate(audit.submitted_at):%Y-%m-%d}" if audit.submitted_at else ""
            ),
            "case_type": audit.case.case_type,
        }
        for grade in audit.grades.all():
            values[grade.domain.code] = _grade(grade.grade)
        moderations = getattr(audit, "completed_moderations", [])
        if moderations:
            moderation = moderations[0]
            values["moderator"] = moderation.moderator.username if moderation.moderator else ""
            values["moderated_on"] = (
                f"{timezone.localdate(moderation.completed_at):%Y-%m-%d}"
                if moderation.completed_at
                else ""
            )
            values["moderated_overall"] = moderation.overall
            values["moderated_escalated"] = "yes" if moderation.escalated else "no"
            for grade in moderation.grades.all():
                if grade.grade:
                    values[f"moderated_{grade.domain.code}"] = _grade(grade.grade)
        rows.append([values.get(column, "") for column in columns])
    return columns, rows


def csv_bytes(columns: list[str], rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # UTF-8 with a byte-order mark, so Excel reads accents correctly
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue().encode()


def xlsx_bytes(columns: list[str], rows: Iterable[list[str]], *, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(columns)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
