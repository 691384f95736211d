"""Auditor calibration over a range of months (reporting.selectors.ranges), from the raw
tables; QA leads only.

Calibration
    Over the moderated audits (returned, moderation completed) of the range, per auditor and
    per team (the audited case's team): moderated, agreed and agreement_pct on the overall
    judgement; mean_shift, the mean of (moderator's grade - auditor's grade) in steps of
    O > G > RI > I (core.grades.steps; positive: the moderator graded higher), 2 places half
    up; upgraded and downgraded counts; domain_pairs / domain_agreed / domain_agreement_pct
    over the domain grade pairs (N/A included, blanks left out, as in the monthly report).
"""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q

from core.grades import percent, steps
from core.models import Audit, DomainGrade, User
from core.months import format_month
from moderation.models import Moderation
from reporting import permissions
from reporting.scope import ReportScope
from reporting.selectors.figures import DOMAIN_COLUMNS
from reporting.selectors.ranges import range_filters_out, range_scope_for_user


def _mean(total: int, n: int) -> float | None:
    if not n:
        return None
    return float((Decimal(total) / Decimal(n)).quantize(Decimal("0.01"), ROUND_HALF_UP))


class _Calibration:
    def __init__(self, who: dict):
        self.who = who
        self.moderated = self.agreed = self.upgraded = self.downgraded = 0
        self.shift = self.shift_pairs = 0
        self.domain_pairs = self.domain_agreed = 0

    def add_pair(self, before: str, after: str, n: int) -> None:
        self.moderated += n
        if before == after:
            self.agreed += n
        moved = steps(before, after)
        if moved is not None:
            self.shift += moved * n
            self.shift_pairs += n
            self.upgraded += n if moved > 0 else 0
            self.downgraded += n if moved < 0 else 0

    def out(self) -> dict:
        return {
            **self.who,
            "moderated": self.moderated,
            "agreed": self.agreed,
            "agreement_pct": percent(self.agreed, self.moderated),
            "mean_shift": _mean(self.shift, self.shift_pairs),
            "upgraded": self.upgraded,
            "downgraded": self.downgraded,
            "domain_pairs": self.domain_pairs,
            "domain_agreed": self.domain_agreed,
            "domain_agreement_pct": percent(self.domain_agreed, self.domain_pairs),
        }


def _auditor_name(row: dict) -> dict:
    first, last = row["audit__auditor__first_name"], row["audit__auditor__last_name"]
    username = row["audit__auditor__username"]
    return {
        "id": row["audit__auditor_id"],
        "username": username,
        "name": " ".join(filter(None, [first, last])) or username,
    }


def calibration(*, scope: ReportScope, months: list[dt.date]) -> dict:
    """Per auditor and per team: how the moderators' judgements compare (two queries)."""
    in_range = Q(audit__month__gte=months[0], audit__month__lte=months[-1])
    pairs = (
        Moderation.objects.filter(
            scope.audits("audit__"),
            scope.moderations_readable("audit__"),
            in_range,
            status=Moderation.Status.COMPLETED,
            audit__status=Audit.Status.SUBMITTED,
        )
        .order_by()
        .values(
            "audit__auditor_id",
            "audit__auditor__username",
            "audit__auditor__first_name",
            "audit__auditor__last_name",
            "audit__case__team_id",
            "audit__case__team__name",
            "audit__overall",
            "overall",
        )
        .annotate(n=Count("pk"))
    )
    moderated_grade = "audit__moderations__grades__grade"
    graded = Q(grade__in=DOMAIN_COLUMNS, **{f"{moderated_grade}__in": DOMAIN_COLUMNS})
    domain_rows = (
        DomainGrade.objects.filter(
            scope.audits("audit__"),
            scope.moderations_readable("audit__"),
            in_range,
            audit__status=Audit.Status.SUBMITTED,
            audit__moderations__status=Moderation.Status.COMPLETED,
            audit__moderations__grades__domain=F("domain"),
        )
        .order_by()
        .values("audit__auditor_id", "audit__case__team_id")
        .annotate(
            pairs=Count("pk", filter=graded),
            agreed=Count("pk", filter=graded & Q(grade=F(moderated_grade))),
        )
    )
    auditors: dict[int, _Calibration] = {}
    teams: dict[int, _Calibration] = {}
    total = _Calibration({})
    for row in pairs:
        auditor = auditors.setdefault(
            row["audit__auditor_id"], _Calibration({"auditor": _auditor_name(row)})
        )
        team_id = row["audit__case__team_id"]
        team = teams.setdefault(
            team_id, _Calibration({"team": {"id": team_id, "name": row["audit__case__team__name"]}})
        )
        for tally in (auditor, team, total):
            tally.add_pair(row["audit__overall"], row["overall"], row["n"])
    for row in domain_rows:
        for maybe_tally in (
            auditors.get(row["audit__auditor_id"]),
            teams.get(row["audit__case__team_id"]),
            total,
        ):
            if maybe_tally is not None:
                maybe_tally.domain_pairs += row["pairs"]
                maybe_tally.domain_agreed += row["agreed"]
    return {
        "auditors": [
            a.out() for a in sorted(auditors.values(), key=lambda a: a.who["auditor"]["name"])
        ],
        "teams": [t.out() for t in sorted(teams.values(), key=lambda t: t.who["team"]["name"])],
        "total": total.out(),
    }


def _agreement(moderated: int, agreed: int) -> dict:
    return {"moderated": moderated, "agreed": agreed, "agreement_pct": percent(agreed, moderated)}


def calibration_by_month(*, scope: ReportScope, months: list[dt.date]) -> dict:
    """Per auditor and per team, month by month: how often moderators kept the overall
    judgement (one query)."""
    in_range = Q(audit__month__gte=months[0], audit__month__lte=months[-1])
    rows = (
        Moderation.objects.filter(
            scope.audits("audit__"),
            scope.moderations_readable("audit__"),
            in_range,
            status=Moderation.Status.COMPLETED,
            audit__status=Audit.Status.SUBMITTED,
        )
        .order_by()
        .values(
            "audit__month",
            "audit__auditor_id",
            "audit__auditor__username",
            "audit__auditor__first_name",
            "audit__auditor__last_name",
            "audit__case__team_id",
            "audit__case__team__name",
        )
        .annotate(n=Count("pk"), agreed=Count("pk", filter=Q(overall=F("audit__overall"))))
    )
    auditors: dict[int, dict] = {}
    teams: dict[int, dict] = {}
    for row in rows:
        team_id = row["audit__case__team_id"]
        for tallies, key, who in (
            (auditors, row["audit__auditor_id"], {"auditor": _auditor_name(row)}),
            (teams, team_id, {"team": {"id": team_id, "name": row["audit__case__team__name"]}}),
        ):
            tally = tallies.setdefault(key, {"who": who, "months": {}})
            n, agreed = tally["months"].get(row["audit__month"], (0, 0))
            tally["months"][row["audit__month"]] = (n + row["n"], agreed + row["agreed"])

    def out(tally: dict) -> dict:
        cells = [tally["months"].get(month, (0, 0)) for month in months]
        return {
            **tally["who"],
            "months": [
                {"month": format_month(month), **_agreement(n, agreed)}
                for month, (n, agreed) in zip(months, cells, strict=True)
            ],
            "total": _agreement(sum(n for n, _ in cells), sum(a for _, a in cells)),
        }

    return {
        "months": [format_month(month) for month in months],
        "auditors": [
            out(t) for t in sorted(auditors.values(), key=lambda t: t["who"]["auditor"]["name"])
        ],
        "teams": [out(t) for t in sorted(teams.values(), key=lambda t: t["who"]["team"]["name"])],
    }


def calibration_for_user(*, user: User, filters: Mapping | None) -> dict:
    """Auditor calibration, for the range and month by month (403 for those who may not
    read it: reporting.permissions.calibration_readable); 400 on bad filters."""
    permissions.check_calibration_readable(user)
    scope, months = range_scope_for_user(user, filters)
    return {
        **range_filters_out(scope, months),
        **calibration(scope=scope, months=months),
        "by_month": calibration_by_month(scope=scope, months=months),
    }
