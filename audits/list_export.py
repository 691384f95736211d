"""The audit list (or a report's drill-down, which is the list with filters) as a table for
CSV and XLSX: the same audits, filters and columns as the page (audits/views.py audit_list
and templates/audits/includes/audit_table.html). Cells are neutralised by the writers
(flows.importer.format, through core.spreadsheets.neutralise)."""

import datetime as dt

from audits import captions
from audits.filters import AuditFilter
from core.grades import NAMES as GRADE_NAMES

BASE_COLUMNS = [
    "Case",
    "Team",
    "Service area",
    "Auditor",
    "Audit",
    "Month",
    "Overall",
    "Escalated",
]


def audit_list_table(audit_filter: AuditFilter) -> tuple[list[str], list[list[str]]]:
    """(headings, rows) of every audit the filter lists: the list's columns, the grades a
    drill-down counted (captions.counted_columns), then the status."""
    counted = captions.counted_columns(audit_filter)
    audits = audit_filter.with_counted_grades(audit_filter.qs, counted)
    headings = BASE_COLUMNS + [heading for _, heading in counted] + ["Status"]
    rows = []
    for audit in audits:
        tool = audit.tool.name
        if audit.kind != audit.Kind.FULL:
            tool += f" ({audit.get_kind_display().lower()})"
        escalated = audit.escalated or getattr(audit, "moderator_escalated", False)
        rows.append(
            [
                audit.case.reference,
                audit.case.team.name,
                audit.case.team.service_area.name,
                (audit.auditor.get_full_name() or audit.auditor.username)
                if audit.auditor
                else "Unassigned",
                tool,
                f"{audit.month:%Y-%m}",
                audit.get_overall_display(),
                "Yes" if escalated else "No",
                *[GRADE_NAMES.get(getattr(audit, key) or "", "") for key, _ in counted],
                audit.get_status_display(),
            ]
        )
    return headings, rows


def export_name(audit_filter: AuditFilter, today: dt.date, extension: str) -> str:
    """A filtered download never takes the whole list's name."""
    filtered = "-filtered" if captions.filter_description(audit_filter) else ""
    return f"audit-list{filtered}-{today.isoformat()}.{extension}"
