"""The monthly report's rows counted from the raw tables (audits, moderations, domain
grades): the reference the summary's rows (reporting.selectors.summary_rows) must equal, and
the report's source="raw". reporting.selectors.monthly defines the figures."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, F, Q

from core.models import Audit, DomainGrade, Programme
from moderation.models import Moderation
from reporting.scope import ReportScope


def programme_rows(scope: ReportScope, months: list[dt.date]) -> list[Mapping[str, Any]]:
    programmes = Programme.objects.filter(month__in=months)
    if scope.tool_code:
        programmes = programmes.filter(tool__code=scope.tool_code)
    return list(
        programmes.order_by().values("month", "tool_id", "audit_target", "moderation_target")
    )


def audit_rows(scope: ReportScope, months: list[dt.date], by_team: bool = False) -> list[dict]:
    teams = {"team": F("case__team")} if by_team else {}
    return list(
        Audit.objects.filter(scope.audits(), month__in=months)
        .order_by()
        .values("month", "status", "overall", "escalated", **teams)
        .annotate(n=Count("pk"))
    )


def moderation_rows(scope: ReportScope, months: list[dt.date], by_team: bool = False) -> list[dict]:
    completed = Q(status=Moderation.Status.COMPLETED, audit__status=Audit.Status.SUBMITTED)
    teams = {"team": F("audit__case__team")} if by_team else {}
    return list(
        Moderation.objects.filter(
            scope.audits("audit__"),
            scope.moderations_readable("audit__"),
            audit__month__in=months,
            # A team manager reads only completed moderations (not the sample's others).
            status__in=Moderation.LIVE_STATUSES
            if scope.team_manager_id is None
            else (Moderation.Status.COMPLETED,),
        )
        .order_by()
        .values(
            "audit__month", "audit__overall", "overall", "audit__escalated", "escalated", **teams
        )
        .annotate(live=Count("pk"), completed=Count("pk", filter=completed))
    )


def domain_rows(scope: ReportScope) -> list[dict]:
    """The auditor's domain grades of the month's returned audits, counted per grade."""
    return list(
        DomainGrade.objects.filter(
            scope.audits("audit__"), audit__month=scope.month, audit__status=Audit.Status.SUBMITTED
        )
        .exclude(grade="")
        .order_by()
        .values("domain_id", "grade")
        .annotate(n=Count("pk"))
    )


def domain_pair_rows(scope: ReportScope) -> list[dict]:
    """(auditor's grade, moderator's grade) per domain over the month's moderated audits.

    The auditor's row and the moderator's row for the same domain are joined in one filter()
    call, so both conditions apply to the same moderation and grade (one join, no fan-out).
    Blank grades are dropped from the grouped rows (an exclude() here would become a
    subquery over every moderation of the audit).
    """
    return list(
        DomainGrade.objects.filter(
            scope.audits("audit__"),
            scope.moderations_readable("audit__"),
            audit__month=scope.month,
            audit__status=Audit.Status.SUBMITTED,
            audit__moderations__status=Moderation.Status.COMPLETED,
            audit__moderations__grades__domain=F("domain"),
        )
        .order_by()
        .values("domain_id", "grade", moderated=F("audit__moderations__grades__grade"))
        .annotate(n=Count("pk"))
    )
