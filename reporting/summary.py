"""Services keeping reporting.models.ReportSummary in step with audits and moderations.

The summary is recomputed by *slice* (month, tool version, team of the case) with set-based
SQL: delete the slice's rows, then INSERT ... SELECT the grouped counts from the raw tables.
A refresh is therefore idempotent and correct whatever happened before (submission,
moderation, rework, import), and `summary_rebuild` is the same SQL without the slice
condition. Slice refreshes run inside the caller's transaction, so the summary commits (or
rolls back) with the change it reflects; the slice's Team rows are locked first so that two
transactions refreshing the same slice cannot both insert it.

Hooks (one line each), all in the flows: flows.audits.audit_submit,
flows.moderation.moderation_complete / moderation_return_for_rework, and the importer
(flows.importer) once after its bulk insert of audits and moderations. A team moved to
another service area needs nothing: the reports reach the area through Team when they
read. Nothing in the product moves a case to another team; if one is moved by hand in the
database, run `manage.py rebuild_report_summary`.

ReportSummaryTotal is the summary added up over teams, per (month, tool version): every
refresh recomputes the totals of the (month, tool) pairs it touched, from the summary rows
just written, under a lock on those tools' rows so that two transactions refreshing different
teams of the same month cannot each leave a total that misses the other's teams.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q

from core.models import Audit, AuditTool, Case, DomainGrade, Team
from moderation.models import ModeratedGrade, Moderation
from reporting.models import ReportSummary, ReportSummaryTotal

Slice = tuple  # (month, tool_id, team_id)

_COLUMNS = (
    "month, tool_id, tool_code, team_id, domain_id, grade, moderated_grade, escalated, "
    "moderated_escalated, n"
)


_TOTAL_COLUMNS = (
    "month, tool_id, tool_code, domain_id, grade, moderated_grade, escalated, moderated_escalated"
)


def _tables() -> dict[str, str]:
    return {
        "summary": ReportSummary._meta.db_table,
        "total": ReportSummaryTotal._meta.db_table,
        "audit": Audit._meta.db_table,
        "case": Case._meta.db_table,
        "tool": AuditTool._meta.db_table,
        "grade": DomainGrade._meta.db_table,
        "moderation": Moderation._meta.db_table,
        "mgrade": ModeratedGrade._meta.db_table,
    }


def _overall_sql(where: str) -> str:
    return """
        INSERT INTO {summary} ({columns})
        SELECT a.month, a.tool_id, t.code, c.team_id, NULL, a.overall, m.overall,
               a.escalated, m.escalated, COUNT(*)
        FROM {audit} a
        JOIN {case} c ON c.id = a.case_id
        JOIN {tool} t ON t.id = a.tool_id
        LEFT JOIN {moderation} m ON m.audit_id = a.id AND m.status = 'completed'
        WHERE a.status = 'submitted' {where}
        GROUP BY a.month, a.tool_id, t.code, c.team_id, a.overall, m.overall,
                 a.escalated, m.escalated
    """.format(columns=_COLUMNS, where=where, **_tables())


def _domain_sql(where: str) -> str:
    # At most one completed moderation per audit (Moderation's one-live constraint) and one
    # grade per domain, so the left joins never multiply a domain grade.
    return """
        INSERT INTO {summary} ({columns})
        SELECT a.month, a.tool_id, t.code, c.team_id, g.domain_id, g.grade, mg.grade,
               FALSE, NULL, COUNT(*)
        FROM {grade} g
        JOIN {audit} a ON a.id = g.audit_id
        JOIN {case} c ON c.id = a.case_id
        JOIN {tool} t ON t.id = a.tool_id
        LEFT JOIN {moderation} m ON m.audit_id = a.id AND m.status = 'completed'
        LEFT JOIN {mgrade} mg ON mg.moderation_id = m.id AND mg.domain_id = g.domain_id
        WHERE a.status = 'submitted' {where}
        GROUP BY a.month, a.tool_id, t.code, c.team_id, g.domain_id, g.grade, mg.grade
    """.format(columns=_COLUMNS, where=where, **_tables())


def _total_sql(where: str) -> str:
    return """
        INSERT INTO {total} ({columns}, n)
        SELECT {columns}, SUM(n) FROM {summary} s
        WHERE 1 = 1 {where}
        GROUP BY {columns}
    """.format(columns=_TOTAL_COLUMNS, where=where, **_tables())


def _slices_of(audit_ids: Iterable[int]) -> list[Slice]:
    ids = list(audit_ids)
    if not ids:
        return []
    return list(
        Audit.objects.filter(pk__in=ids)
        .order_by()
        .values_list("month", "tool_id", "case__team_id")
        .distinct()
    )


def _refresh_slices(slices: list[Slice]) -> None:
    if not slices:
        return
    # Serialise refreshes of the same teams (a no-op on SQLite, which has one writer anyway).
    list(Team.objects.select_for_update().filter(pk__in={s[2] for s in slices}).order_by("pk"))
    # A list of row values, not a chain of ORs: the database joins it like a small table.
    values = ", ".join(["(%s, %s, %s)"] * len(slices))
    params = [value for slice_ in slices for value in slice_]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(_tables()['summary'])} "
            "WHERE (month, tool_id, team_id) IN "
            f"(VALUES {values})",
            params,
        )
        where = f" AND (a.month, a.tool_id, c.team_id) IN (VALUES {values})"
        cursor.execute(_overall_sql(where), params)
        cursor.execute(_domain_sql(where), params)


def _refresh_totals(months_and_tools: list[tuple]) -> None:
    """Recompute the totals of these (month, tool_id) pairs; their tools are locked."""
    if not months_and_tools:
        return
    condition = Q()
    for month, tool_id in months_and_tools:
        condition |= Q(month=month, tool_id=tool_id)
    ReportSummaryTotal.objects.filter(condition).delete()
    where = " AND (" + " OR ".join(["(s.month = %s AND s.tool_id = %s)"] * len(months_and_tools))
    params = [value for pair in months_and_tools for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(_total_sql(where + ")"), params)


@transaction.atomic
def summary_refresh_audits(*, audit_ids: Iterable[int]) -> int:
    """Recompute the summary rows of the slices these audits belong to; returns the slices."""
    slices = _slices_of(audit_ids)
    # Big imports: a few hundred slices per statement keeps the SQL a sensible size.
    for start in range(0, len(slices), 200):
        _refresh_slices(slices[start : start + 200])
    _refresh_totals_of(slices)
    return len(slices)


def _refresh_totals_of(slices: list[Slice]) -> None:
    months_and_tools = sorted({(month, tool_id) for month, tool_id, _ in slices})
    # After the teams' rows are written and their Team rows locked (always in that order,
    # so that two refreshes cannot deadlock): one refresh of a tool's totals at a time.
    tool_ids = {tool_id for _, tool_id in months_and_tools}
    list(AuditTool.objects.select_for_update().filter(pk__in=tool_ids).order_by("pk"))
    for start in range(0, len(months_and_tools), 200):
        _refresh_totals(months_and_tools[start : start + 200])


@transaction.atomic
def summary_refresh_slices(*, slices: list[Slice]) -> int:
    """Recompute these (month, tool_id, team_id) slices and their totals: an import's one
    refresh at the end, whatever its size."""
    for start in range(0, len(slices), 200):
        _refresh_slices(slices[start : start + 200])
    _refresh_totals_of(slices)
    return len(slices)


def summary_refresh_audit(*, audit: Audit) -> None:
    """Bring the summary up to date after a change to this audit or its moderation."""
    summary_refresh_audits(audit_ids=[audit.pk])


@transaction.atomic
def summary_rebuild(*, with_totals: bool = True) -> int:
    """Recompute the whole summary (and its totals) from the raw tables; returns the number
    of summary rows. with_totals=False is for migration 0003, before the totals' table."""
    ReportSummary.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(_overall_sql(""))
        cursor.execute(_domain_sql(""))
    if with_totals:
        summary_totals_rebuild()
    return ReportSummary.objects.count()


@transaction.atomic
def summary_totals_rebuild() -> None:
    """Recompute ReportSummaryTotal from the summary."""
    ReportSummaryTotal.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(_total_sql(""))
