"""The report summary stays equal to a fresh recompute, gives the monthly report's figures,
and the benchmark command runs end to end (PostgreSQL only)."""

import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from core.models import Audit
from core.services.audits import AuditContent
from core.tools import domain_catalogue
from flows.audits import audit_submit
from flows.moderation import moderation_return_for_rework
from moderation.models import Moderation
from moderation.services.imported import ImportedModeration, moderation_record_imported
from reporting.models import ReportSummary, ReportSummaryTotal
from reporting.scope import ReportScope
from reporting.selectors import monthly, monthly_rows
from reporting.selectors.summary_rows import summary_domain_rows
from reporting.selectors.trend import trend
from reporting.summary import summary_rebuild, summary_refresh_audits
from tests.reporting.test_monthly import FEBRUARY, MARCH, Builder, build

GRADES = ["O", "G", "RI", "I"]


def scale(tool) -> list[str]:
    return GRADES if tool.offers_outstanding else GRADES[1:]


def summary_state() -> Counter:
    """The summary as counts per key, whatever way its rows happen to be split."""
    state: Counter = Counter()
    for row in ReportSummary.objects.values(
        "month",
        "tool_id",
        "tool_code",
        "team_id",
        "domain_id",
        "grade",
        "moderated_grade",
        "escalated",
        "moderated_escalated",
        "n",
    ):
        n = row.pop("n")
        state[tuple(sorted(row.items()))] += n
    return state


def totals_state() -> Counter:
    """The authority's totals as counts per key."""
    state: Counter = Counter()
    for row in ReportSummaryTotal.objects.values():
        row.pop("id")
        n = row.pop("n")
        state[tuple(sorted(row.items()))] += n
    return state


def over_teams(state: Counter) -> Counter:
    """A summary_state() added up over teams: what the totals must hold."""
    totals: Counter = Counter()
    for key, n in state.items():
        totals[tuple((k, v) for k, v in key if k != "team_id")] += n
    return totals


# ---------------------------------------------------------------- the benchmark command
# First in the module: the command refuses a database that already has audits, and the
# module's `data` fixture keeps its audits until the module ends.


def test_benchmark_refuses_sqlite(db):
    if connection.vendor == "postgresql":
        pytest.skip("The refusal is for SQLite; this run is on PostgreSQL.")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_reports", "--audits", "200", "--runs", "1")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="The benchmark builds its data with PostgreSQL's generate_series: PostgreSQL only.",
)
def test_benchmark_runs_end_to_end_at_tiny_scale(db):
    out = io.StringIO()
    call_command("bench_reports", "--audits", "200", "--runs", "1", stdout=out)
    text = out.getvalue()
    assert "Built 200 audits" in text
    for name in (
        "monthly report",
        "12-month trend",
        "drill-down first page",
        "page /reports/monthly/",
        "API /api/reports/monthly/",
        "API /api/reports/trends/",
    ):
        line = next(line for line in text.splitlines() if line.startswith(name))
        assert line.split()[-1] in ("ok", "over")
    assert "pandas / database" in text
    assert "monthly report API end to end" in text
    assert Audit.objects.filter(tool__code="bench-case-file").count() == 200
    # The summary the benchmark built is a faithful one.
    built = summary_state()
    summary_rebuild()
    assert summary_state() == built
    with pytest.raises(CommandError, match="already has audits"):
        call_command("bench_reports", "--audits", "200", "--runs", "1", stdout=io.StringIO())


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        b = Builder()
        build(b)
        yield b
        transaction.set_rollback(True)


# ---------------------------------------------------------------- the summary is maintained


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_maintained_equals_a_fresh_recompute(db, seed):
    """A random sequence of submissions, moderations, reworks and imported moderations."""
    b = Builder()
    rng = random.Random(seed)
    submitted: list[Audit] = []
    claimed: list[Moderation] = []
    returned: list[Audit] = []
    for _ in range(40):
        step = rng.choice(
            ["submit", "submit", "submit", "claim", "complete", "rework", "resubmit", "import"]
        )
        team = rng.choice(["A1", "A2", "B1"])
        if step == "submit" or not submitted:
            tool = rng.choice([b.case_file, b.foster])
            overall = rng.choice(scale(tool))
            submitted.append(
                b.submit(
                    team,
                    overall,
                    tool=tool,
                    review=rng.choice([None, "NA", "G"]) if tool == b.case_file else None,
                    escalated=overall == "I" and rng.random() < 0.5,
                    month=rng.choice([MARCH, FEBRUARY]) if tool == b.case_file else MARCH,
                )
            )
        elif step == "claim":
            audit = submitted.pop(rng.randrange(len(submitted)))
            claimed.append(b.claim(audit))
        elif step == "complete" and claimed:
            moderation = claimed.pop(rng.randrange(len(claimed)))
            b.complete(
                moderation,
                rng.choice(scale(moderation.audit.tool)),
                review=rng.choice([None, "NA", "RI"]),
            )
        elif step == "rework" and claimed:
            moderation = claimed.pop(rng.randrange(len(claimed)))
            moderation_return_for_rework(
                actor=b.moderator,
                moderation=moderation,
                version=moderation.version,
                comment="Thin.",
            )
            returned.append(moderation.audit)
        elif step == "resubmit" and returned:
            revision = Audit.objects.get(revision_of=returned.pop())
            content = AuditContent(
                overall=rng.choice(scale(revision.tool)),
                grades={d.code: ("G", "Better.") for d in revision.tool.domains.all()},
            )
            audit_submit(
                audit=revision, actor=revision.auditor, version=revision.version, content=content
            )
        elif step == "import":
            audit = submitted.pop(rng.randrange(len(submitted)))
            moderation_record_imported(
                actor=b.qa_lead,
                audit=audit,
                record=ImportedModeration(
                    moderator=b.moderator,
                    moderated_on=MARCH,
                    overall=rng.choice(scale(audit.tool)),
                    escalated=False,
                    grades={"plan": rng.choice(GRADES), "review": ""},  # blanks: not graded
                ),
            )
            # As the importer does, once for everything it wrote (flows.importer).
            summary_refresh_audits(audit_ids=[audit.pk])
    maintained = summary_state()
    assert sum(maintained.values()) > 0
    assert totals_state() == over_teams(maintained)
    for month in (MARCH, FEBRUARY):
        scope = ReportScope(month=month)
        raw = monthly.monthly_report(scope=scope, source="raw")
        assert monthly.monthly_report(scope=scope) == raw
    assert Audit.objects.filter(status=Audit.Status.SUBMITTED).exists()
    summary_rebuild()
    assert summary_state() == maintained
    assert totals_state() == over_teams(maintained)


def test_rebuild_command_recomputes_a_stale_summary(data, db):
    before = summary_state()
    ReportSummary.objects.filter(month=MARCH).delete()
    ReportSummary.objects.filter(month=FEBRUARY).update(n=999)
    out = io.StringIO()
    call_command("rebuild_report_summary", stdout=out)
    assert "rows" in out.getvalue()
    assert summary_state() == before


def test_a_rework_takes_the_returned_submission_out_of_the_summary(data, db):
    audit = data.submit("A1", "I")
    overall = ReportSummary.objects.filter(month=MARCH, team=data.teams["A1"], domain=None)
    before = sum(overall.values_list("n", flat=True))
    claimed = data.claim(audit)
    moderation_return_for_rework(
        actor=data.moderator, moderation=claimed, version=claimed.version, comment="Thin."
    )
    assert sum(overall.values_list("n", flat=True)) == before - 1


# ---------------------------------------------------------------- the same figures


SCOPES = [
    {},
    {"tool_code": "foster-carer"},
    {"tool_code": "case-file"},
    {"team": "A2"},
    {"area": "B"},
]


@pytest.mark.parametrize("filters", SCOPES)
def test_monthly_domain_figures_are_the_same_from_the_summary(data, db, filters):
    scope = ReportScope(
        month=MARCH,
        tool_code=filters.get("tool_code"),
        team_id=data.teams[filters["team"]].pk if "team" in filters else None,
        service_area_ids=(data.area_b.pk,) if "area" in filters else None,
    )
    raw_rows = monthly_rows.domain_rows(scope)
    raw_pairs = monthly_rows.domain_pair_rows(scope)
    summary_rows, summary_pairs = summary_domain_rows(scope)

    def as_counter(rows, keys):
        return Counter({tuple(r[k] for k in keys): r["n"] for r in rows if r["n"]})

    assert as_counter(summary_rows, ["domain_id", "grade"]) == as_counter(
        raw_rows, ["domain_id", "grade"]
    )
    graded = [r for r in raw_pairs if r["grade"] and r["moderated"]]
    assert as_counter(
        [r for r in summary_pairs if r["grade"] and r["moderated"]],
        ["domain_id", "grade", "moderated"],
    ) == as_counter(graded, ["domain_id", "grade", "moderated"])

    # The whole domain tables of the report, computed from either source.
    programmes = monthly_rows.programme_rows(scope, [MARCH])
    catalogue = domain_catalogue()
    from_raw = monthly._domains(scope, programmes, raw_rows, raw_pairs, catalogue)
    from_summary = monthly._domains(scope, programmes, summary_rows, summary_pairs, catalogue)
    assert from_summary == from_raw
    assert any(domain["audits"] for domain in from_raw)


@pytest.mark.parametrize("filters", SCOPES)
@pytest.mark.parametrize("month", [MARCH, FEBRUARY])
def test_the_whole_monthly_report_is_the_same_from_raw_tables_and_summary(data, db, filters, month):
    scope = ReportScope(
        month=month,
        tool_code=filters.get("tool_code"),
        team_id=data.teams[filters["team"]].pk if "team" in filters else None,
        service_area_ids=(data.area_b.pk,) if "area" in filters else None,
    )
    raw = monthly.monthly_report(scope=scope, source="raw")
    summary = monthly.monthly_report(scope=scope, source="summary")
    assert summary == raw
    assert raw["audits"]["returned"] or raw["previous_month"]["audits"]["returned"] == 0


def test_trend_month_equals_the_monthly_report(data, db):
    report = monthly.monthly_report(scope=ReportScope(month=MARCH))
    month = trend(scope=ReportScope(month=MARCH), months=[MARCH])["months"][0]
    assert month["before"] == report["audits"]["overall"]
    assert month["after"] == report["moderations"]["after"]
    assert month["kpi"] == report["kpi"]
    by_code = {(d["tool"], d["code"]): d for d in report["domains"]}
    for domain in month["domains"]:
        expected = by_code[(domain["tool"], domain["code"])]
        assert domain["all"] == expected["all"]
        assert domain["moderated_after"] == expected["moderated_after"]
