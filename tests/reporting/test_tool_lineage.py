"""Trends, drill-downs and re-audit comparisons carry on across tool versions (core.tools).

"ours" v1 (January 2026): plan, voice, review. v2 (February 2026) splits plan into plan and
permanence. v3 (March 2026) merges voice and review into voice_review and retires nothing
else. One audit a month, graded by hand:
  January (v1):  plan G, voice RI, review G
  February (v2): plan RI, permanence I, voice G, review G; a re-audit of January's audit
  March (v3):    plan G, permanence G, voice_review I
"""

import datetime as dt

import pytest

from audits.filters import domain_choices, domain_ids
from core.models import Audit, Domain
from core.services import tools as services
from core.services.audits import AuditContent
from core.tool_definitions import DomainSpec, ToolSpec
from core.tools import canonical_domains, domain_catalogue, lineage_notes
from flows.audits import audit_submit
from reporting.scope import ReportScope
from reporting.selectors.reaudits import reaudits
from reporting.selectors.trend import trend
from tests.factories import AuditFactory, ProgrammeFactory

JANUARY, FEBRUARY, MARCH = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
D = {"O": "O.", "G": "G.", "RI": "RI.", "I": "I."}
OLD_PLAN = "Plan (and permanence planning)"
PERMANENCE = "Permanence and contingency planning"


def spec(code, title, continues=()):
    return DomainSpec(code=code, title=title, descriptors=D, continues=continues)


def submit(tool, month, grades, *, auditor=None, re_audit_of=None):
    programme = ProgrammeFactory(month=month, tool=tool)
    extra = {"auditor": auditor} if auditor else {}
    audit = AuditFactory(
        tool=tool,
        programme=programme if re_audit_of is None else None,
        month=month,
        kind=Audit.Kind.RE_AUDIT if re_audit_of else Audit.Kind.FULL,
        re_audit_of=re_audit_of,
        **({"case": re_audit_of.case} if re_audit_of else {}),
        **extra,
    )
    content = AuditContent(
        overall="G",
        working_well="Visits.",
        worried_about="Drift.",
        needs_to_happen="Review.",
        grades={code: (grade, "Evidence.") for code, grade in grades.items()},
    )
    return audit_submit(audit=audit, actor=audit.auditor, version=audit.version, content=content)


@pytest.fixture
def versions(qa_lead):
    v1 = services.tool_create(
        actor=qa_lead,
        spec=ToolSpec(
            code="ours",
            name="Our audit",
            domains=[spec("plan", OLD_PLAN), spec("voice", "Voice"), spec("review", "Review")],
        ),
        publish=True,
    )
    first = submit(v1, JANUARY, {"plan": "G", "voice": "RI", "review": "G"})
    v2 = services.tool_version_create(
        actor=qa_lead,
        tool=v1,
        spec=ToolSpec(
            code="ours",
            name="Our audit",
            domains=[
                spec("plan", "Plan", ("plan",)),
                spec("permanence", PERMANENCE, ("plan",)),
                spec("voice", "Voice"),
                spec("review", "Review"),
            ],
        ),
        publish=True,
    )
    submit(v2, FEBRUARY, {"plan": "RI", "permanence": "I", "voice": "G", "review": "G"})
    submit(
        v2,
        FEBRUARY,
        {"plan": "RI", "permanence": "G", "voice": "RI", "review": "G"},
        auditor=first.auditor,
        re_audit_of=first,
    )
    v3 = services.tool_version_create(
        actor=qa_lead,
        tool=v2,
        spec=ToolSpec(
            code="ours",
            name="Our audit",
            domains=[
                spec("plan", "Plan"),
                spec("permanence", PERMANENCE),
                spec("voice_review", "Voice and review", ("voice", "review")),
            ],
        ),
        publish=True,
    )
    submit(v3, MARCH, {"plan": "G", "permanence": "G", "voice_review": "I"})
    return v1, v2, v3


def counts(block):
    return {grade: cell["n"] for grade, cell in block.items() if cell["n"]}


def test_a_split_domain_continues_into_both_halves_and_a_merge_joins_them(versions):
    result = trend(scope=ReportScope(month=MARCH), months=[JANUARY, FEBRUARY, MARCH])
    ours = [d for d in result["domains"] if d["tool"] == "ours"]
    assert [d["code"] for d in ours] == ["plan", "permanence", "voice_review"]
    months = {m["month"]: {d["code"]: d for d in m["domains"]} for m in result["months"]}
    # January's one old plan grade (G) is in both halves' trends.
    assert counts(months["2026-01"]["plan"]["all"]) == {"G": 1}
    assert counts(months["2026-01"]["permanence"]["all"]) == {"G": 1}
    # January's voice (RI) and review (G) both count under the merged domain.
    assert counts(months["2026-01"]["voice_review"]["all"]) == {"G": 1, "RI": 1}
    assert counts(months["2026-02"]["plan"]["all"]) == {"RI": 2}
    assert counts(months["2026-02"]["permanence"]["all"]) == {"I": 1, "G": 1}
    assert counts(months["2026-03"]["voice_review"]["all"]) == {"I": 1}


def test_the_trend_says_where_each_domain_began_and_ended(versions):
    result = trend(scope=ReportScope(month=MARCH), months=[JANUARY, FEBRUARY, MARCH])
    notes = {d["code"]: d["notes"] for d in result["domains"] if d["tool"] == "ours"}
    split = f"{OLD_PLAN} (v1) continues as Plan and {PERMANENCE} from v2, February 2026."
    assert notes["plan"] == [split]
    assert notes["permanence"] == [split]
    assert notes["voice_review"] == [
        "Voice (v2) and Review (v2) continue as Voice and review from v3, March 2026."
    ]


def test_the_trends_page_says_so(versions, qa_lead, client):
    client.force_login(qa_lead)
    response = client.get(
        "/reports/trends/", {"month_from": "2026-01", "month_to": "2026-03", "tool": "ours"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Domains across tool versions" in text
    assert f"{OLD_PLAN} (v1) continues as Plan and {PERMANENCE} from v2, February 2026." in text
    response = client.get(
        "/reports/trends/",
        {"month_from": "2026-01", "month_to": "2026-03", "domain": "ours:permanence"},
    )
    assert response.status_code == 200
    assert "govuk-inset-text" in response.content.decode()


def test_a_retired_domain_stays_under_its_own_name_and_says_it_ended(qa_lead):
    v1 = services.tool_create(
        actor=qa_lead,
        spec=ToolSpec(code="r", name="R", domains=[spec("plan", "Plan"), spec("old", "Old")]),
        publish=True,
    )
    services.tool_version_create(
        actor=qa_lead,
        tool=v1,
        spec=ToolSpec(code="r", name="R", domains=[spec("plan", "Plan"), spec("new", "New")]),
        publish=True,
    )
    catalogue = domain_catalogue()
    old = Domain.objects.get(tool=v1, code="old")
    new = Domain.objects.get(tool__code="r", tool__version=2, code="new")
    assert [row["pk"] for row in canonical_domains(catalogue)[old.pk]] == [old.pk]
    assert lineage_notes(catalogue, old.pk) == [
        "Old (v1) ends there: version 2 of the tool has no domain that continues it."
    ]
    assert lineage_notes(catalogue, new.pk)[0].startswith("New begins in v2")


def test_drill_downs_count_what_the_report_counted(versions):
    v1 = versions[0]
    old_plan = Domain.objects.get(tool=v1, code="plan")
    assert old_plan.pk in domain_ids("ours:plan")
    assert old_plan.pk in domain_ids("ours:permanence")
    keys = [key for key, _label in domain_choices() if key.startswith("ours:")]
    assert keys == ["ours:plan", "ours:permanence", "ours:voice_review"]


def test_a_reaudit_under_the_new_version_compares_both_halves_with_the_old_plan(versions):
    result = reaudits(scope=ReportScope(month=FEBRUARY), months=[FEBRUARY])
    domains = {d["code"]: d for d in result["domains"] if d["tool"] == "ours"}
    # January's plan was G: the re-audit's plan RI is worse, its permanence G the same.
    assert domains["plan"]["pairs"] == 1 and domains["plan"]["worse"] == 1
    assert domains["permanence"]["pairs"] == 1 and domains["permanence"]["same"] == 1
    # Voice and review are merged only in v3: February's re-audit compares them as they were,
    # under the merged domain they now report as (two pairs: voice RI->RI, review G->G).
    assert domains["voice_review"]["pairs"] == 2 and domains["voice_review"]["same"] == 2


def test_a_draft_version_renames_nothing_in_reports(versions, qa_lead):
    v3 = versions[2]
    draft = services.tool_draft_new_version(actor=qa_lead, tool=v3)
    services.domain_update(
        domain=draft.domains.get(code="plan"),
        actor=qa_lead,
        spec=spec("plan", "Plan renamed in a draft", ("plan",)),
    )
    titles = [label for key, label in domain_choices() if key.startswith("ours:")]
    assert "Plan renamed in a draft (ours)" not in titles
