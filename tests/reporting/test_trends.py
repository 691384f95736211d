"""Trends, calibration and re-audits against hand-counted fixtures.

The months are test_monthly's February and March 2019 (its docstring lists every audit),
January 2019 and December 2018 without a programme (gaps), and April 2019 added here, the
first month of the 2019-20 financial year (team A1, case-file, every domain equal to the
overall judgement):
  a1 G -> moderated RI; a2 G; a3 RI; a4 I -> moderated I;
  r1 re-audit of a March RI audit (Review RI), now G; r2 re-audit of a March G audit
  (Review G), now I. Neither re-audit is moderated.
"""

import datetime as dt

import pytest
from django.db import transaction

from core.models import Audit, DomainGrade
from core.months import financial_quarter, month_range
from core.services.audits import AuditContent
from flows.audits import audit_submit
from reporting.scope import ReportScope
from reporting.selectors.calibration import calibration
from reporting.selectors.reaudits import reaudits
from reporting.selectors.trend import trend
from tests.factories import AuditFactory, ProgrammeFactory, UserFactory
from tests.reporting.test_monthly import FEBRUARY, MARCH, Builder, build

APRIL = dt.date(2019, 4, 1)
TRENDS = "/api/reports/trends/"
CALIBRATION = "/api/reports/calibration/"
REAUDITS = "/api/reports/reaudits/"
RANGE = {"month_from": "2018-12", "month_to": "2019-04"}


def reaudit(b: Builder, original: Audit, overall: str) -> Audit:
    audit = AuditFactory(
        auditor=original.auditor,
        case=original.case,
        tool=b.case_file,
        programme=b.programmes[(APRIL, "case-file")],
        month=APRIL,
        kind=Audit.Kind.RE_AUDIT,
        re_audit_of=original,
    )
    content = AuditContent(
        overall=overall,
        working_well="Visits.",
        worried_about="Drift.",
        needs_to_happen="Review.",
        grades={d.code: (overall, "Evidence.") for d in b.case_file.domains.all()},
    )
    return audit_submit(audit=audit, actor=audit.auditor, version=audit.version, content=content)


def first_with_review(grade: str) -> Audit:
    row = DomainGrade.objects.filter(
        audit__month=MARCH,
        audit__status=Audit.Status.SUBMITTED,
        audit__tool__code="case-file",
        audit__overall=grade,
        domain__code="review",
        grade=grade,
    ).first()
    return row.audit


def build_april(b: Builder) -> None:
    b.programmes[(APRIL, "case-file")] = ProgrammeFactory(
        month=APRIL, tool=b.case_file, audit_target=8, moderation_target=2
    )
    b.moderated(1, "A1", "G", "RI", month=APRIL)  # a1
    b.submit("A1", "G", month=APRIL)  # a2
    b.submit("A1", "RI", month=APRIL)  # a3
    b.moderated(1, "A1", "I", "I", month=APRIL)  # a4
    reaudit(b, first_with_review("RI"), "G")  # r1
    reaudit(b, first_with_review("G"), "I")  # r2


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        b = Builder()
        build(b)
        build_april(b)
        yield b
        transaction.set_rollback(True)


def counts(block: dict) -> dict:
    return {grade: cell["n"] for grade, cell in block.items()}


def pcts(block: dict) -> dict:
    return {grade: cell["pct"] for grade, cell in block.items()}


@pytest.fixture
def trends(data, db) -> dict:
    return trend(scope=ReportScope(month=APRIL), months=month_range(dt.date(2018, 12, 1), APRIL))


# ---------------------------------------------------------------- trends


def test_financial_quarters():
    assert financial_quarter(dt.date(2019, 4, 1)) == (2019, 1)
    assert financial_quarter(dt.date(2019, 9, 1)) == (2019, 2)
    assert financial_quarter(dt.date(2019, 12, 1)) == (2019, 3)
    assert financial_quarter(dt.date(2020, 1, 1)) == (2019, 4)
    assert financial_quarter(dt.date(2020, 3, 1)) == (2019, 4)


def test_months_without_a_programme_are_gaps_not_zeros(trends):
    months = {m["month"]: m for m in trends["months"]}
    assert list(months) == ["2018-12", "2019-01", "2019-02", "2019-03", "2019-04"]
    for gap in ("2018-12", "2019-01"):
        assert months[gap]["has_programme"] is False
        assert months[gap]["audits"] is None
        assert months[gap]["before"] is None
        assert months[gap]["after"] is None
        assert months[gap]["domains"] is None
        assert months[gap]["kpi"] == {
            "ri_or_better_pct": None,
            "ri_or_better_pct_after_moderation": None,
        }


def test_month_by_month_overall_and_kpi(trends):
    months = {m["month"]: m for m in trends["months"]}
    feb, march, april = months["2019-02"], months["2019-03"], months["2019-04"]
    assert (feb["audits"], feb["moderated"]) == (8, 3)
    assert counts(feb["before"]) == {"O": 0, "G": 3, "RI": 3, "I": 2}
    assert pcts(feb["before"]) == {"O": 0.0, "G": 37.5, "RI": 37.5, "I": 25.0}
    assert counts(feb["after"]) == {"O": 0, "G": 1, "RI": 0, "I": 2}
    assert feb["kpi"] == {"ri_or_better_pct": 75.0, "ri_or_better_pct_after_moderation": 33.3}
    # The same figures as the monthly report of March (test_monthly).
    assert (march["audits"], march["moderated"]) == (51, 30)
    assert counts(march["before"]) == {"O": 4, "G": 17, "RI": 20, "I": 10}
    assert counts(march["after"]) == {"O": 1, "G": 10, "RI": 12, "I": 7}
    assert march["kpi"] == {"ri_or_better_pct": 80.4, "ri_or_better_pct_after_moderation": 76.7}
    # April: G a1 a2 r1, RI a3, I a4 r2; moderated a1 -> RI, a4 -> I
    assert (april["audits"], april["moderated"]) == (6, 2)
    assert counts(april["before"]) == {"O": 0, "G": 3, "RI": 1, "I": 2}
    assert counts(april["after"]) == {"O": 0, "G": 0, "RI": 1, "I": 1}
    assert april["kpi"] == {"ri_or_better_pct": 66.7, "ri_or_better_pct_after_moderation": 50.0}


def test_per_domain_by_month(trends):
    assert len(trends["domains"]) == 8 + 6  # both tools had a programme in the range
    months = {m["month"]: m for m in trends["months"]}
    review = {
        month: next(d for d in months[month]["domains"] if d["code"] == "review")
        for month in ("2019-02", "2019-03", "2019-04")
    }
    assert counts(review["2019-02"]["all"]) == {"O": 0, "G": 3, "RI": 3, "I": 2, "NA": 0}
    assert counts(review["2019-03"]["all"]) == {"O": 4, "G": 11, "RI": 4, "I": 9, "NA": 18}
    assert counts(review["2019-03"]["moderated_after"]) == {
        "O": 1, "G": 9, "RI": 5, "I": 6, "NA": 7
    }  # fmt: skip
    assert counts(review["2019-04"]["all"]) == {"O": 0, "G": 3, "RI": 1, "I": 2, "NA": 0}
    assert review["2019-04"]["moderated"] == 2
    foster_voice = next(d for d in months["2019-04"]["domains"] if d["tool"] == "foster-carer")
    assert foster_voice["audits"] == 0  # listed, no audits: a count of 0 with no %
    assert foster_voice["all"]["G"] == {"n": 0, "pct": None}


def test_quarter_against_quarter(trends):
    quarters = {q["quarter"]: q for q in trends["quarters"]}
    assert list(quarters) == ["2018-19 Q3", "2018-19 Q4", "2019-20 Q1"]
    q3, q4, q1 = quarters.values()
    assert q3["months"] == ["2018-12"] and q3["complete"] is False
    assert q3["has_programme"] is False and q3["audits"] is None
    assert q4["months"] == ["2019-01", "2019-02", "2019-03"] and q4["complete"] is True
    assert q4["months_with_programme"] == 2
    # February 8 + March 51
    assert q4["audits"] == 59
    assert counts(q4["before"]) == {"O": 4, "G": 20, "RI": 23, "I": 12}
    assert pcts(q4["before"]) == {"O": 6.8, "G": 33.9, "RI": 39.0, "I": 20.3}
    assert counts(q4["after"]) == {"O": 1, "G": 11, "RI": 12, "I": 9}
    assert q4["kpi"] == {"ri_or_better_pct": 79.7, "ri_or_better_pct_after_moderation": 72.7}
    assert q4["ri_or_better_change"] is None  # Q3 was a gap
    assert q1["months"] == ["2019-04"] and q1["audits"] == 6
    assert q1["ri_or_better_change"] == -13.0  # 66.7 - 79.7
    # Review judged Good in 14 of 54 (25.9%) in Q4 and 3 of 6 (50.0%) in Q1.
    review_q4 = next(d for d in q4["domains"] if d["code"] == "review")
    review_q1 = next(d for d in q1["domains"] if d["code"] == "review")
    assert counts(review_q4["all"]) == {"O": 4, "G": 14, "RI": 7, "I": 11, "NA": 18}
    assert review_q4["all"]["G"]["pct"] == 25.9
    assert counts(review_q4["moderated_after"]) == {"O": 1, "G": 10, "RI": 5, "I": 8, "NA": 7}
    assert review_q1["all"]["G"] == {"n": 3, "pct": 50.0}


def test_tool_filter_makes_months_without_that_tools_programme_gaps(data, db):
    foster = trend(
        scope=ReportScope(month=APRIL, tool_code="foster-carer"),
        months=month_range(FEBRUARY, APRIL),
    )
    months = {m["month"]: m for m in foster["months"]}
    assert months["2019-02"]["has_programme"] is False
    assert months["2019-04"]["has_programme"] is False
    assert counts(months["2019-03"]["before"]) == {"O": 0, "G": 2, "RI": 2, "I": 1}
    assert [d["tool"] for d in foster["domains"]] == ["foster-carer"] * 6


def test_team_filter(data, db):
    a2 = trend(scope=ReportScope(month=MARCH, team_id=data.teams["A2"].pk), months=[MARCH])
    # A2 in March: m3b G 3, m6 RI 3, m8b I, u1 O, u3 RI 4, foster I
    assert counts(a2["months"][0]["before"]) == {"O": 1, "G": 3, "RI": 7, "I": 2}
    assert a2["months"][0]["moderated"] == 7


def test_trend_api(data, db, api_client, django_assert_max_num_queries):
    api_client.force_authenticate(data.qa_lead)
    with django_assert_max_num_queries(6):
        response = api_client.get(TRENDS, RANGE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month_from"] == "2018-12" and body["month_to"] == "2019-04"
    assert [q["quarter"] for q in body["quarters"]] == ["2018-19 Q3", "2018-19 Q4", "2019-20 Q1"]
    assert body["months"][0]["before"] is None


def test_trend_defaults_to_the_twelve_months_to_month(data, db, api_client):
    api_client.force_authenticate(data.qa_lead)
    body = api_client.get(TRENDS, {"month": "2019-04"}).json()
    assert body["month_from"] == "2018-05" and body["month_to"] == "2019-04"
    assert len(body["months"]) == 12
    assert sum(m["has_programme"] for m in body["months"]) == 3


def test_query_counts_do_not_grow_with_the_data(data, db, django_assert_num_queries):
    months = month_range(FEBRUARY, APRIL)
    scope = ReportScope(month=APRIL)
    with django_assert_num_queries(3):
        small = trend(scope=scope, months=months)
    with django_assert_num_queries(2):
        calibration(scope=scope, months=months)
    with django_assert_num_queries(3):
        reaudits(scope=scope, months=months)
    for team in ("A2", "B1"):
        data.moderated(3, team, "RI", "G", month=APRIL)
        data.submit(team, "O", month=APRIL)
    with django_assert_num_queries(3):
        large = trend(scope=scope, months=months)
    with django_assert_num_queries(2):
        calibration(scope=scope, months=months)
    with django_assert_num_queries(3):
        reaudits(scope=scope, months=months)
    assert large["months"][-1]["audits"] == small["months"][-1]["audits"] + 8


# ---------------------------------------------------------------- calibration


def test_calibration_per_team_and_auditor(data, db, api_client):
    api_client.force_authenticate(data.qa_lead)
    response = api_client.get(CALIBRATION, {"month_from": "2019-02", "month_to": "2019-03"})
    assert response.status_code == 200, response.content
    body = response.json()
    teams = {t["team"]["name"]: t for t in body["teams"]}
    d_cf, d_fc = 8, 6  # domains of the case-file and foster carer tools
    # A1: March m1 O-O, m3r G-G, m3a G-G x2, m5a RI-RI x4, m8a I-I, f1 G-G; February G-G,
    # RI-I, I-I. 13 moderated, 12 agreed, shift -1 / 13.
    assert teams["A1"] | {"team": None} == {
        "team": None,
        "moderated": 13,
        "agreed": 12,
        "agreement_pct": 92.3,
        "mean_shift": -0.08,
        "upgraded": 0,
        "downgraded": 1,
        "domain_pairs": 12 * d_cf + d_fc,
        "domain_agreed": 11 * d_cf + d_fc,
        "domain_agreement_pct": 92.2,  # 94 of 102: only February RI-I disagrees
    }
    # A2: m3b G-G x3, m6 RI-I x3, m8b I-I: 4 of 7 agreed, shift -3 / 7
    assert (teams["A2"]["moderated"], teams["A2"]["agreed"]) == (7, 4)
    assert teams["A2"]["agreement_pct"] == 57.1
    assert teams["A2"]["mean_shift"] == -0.43
    assert teams["A2"]["domain_pairs"] == 7 * d_cf
    assert teams["A2"]["domain_agreed"] == 4 * d_cf
    # B1: m2 O-G x2, m4 G-RI x4, m5b RI-RI x3, m7 RI-G, m8c I-I, m9 I-RI, f2 RI-I:
    # 4 of 13 agreed; shift (-2 - 4 + 1 + 1 - 1) / 13 = -0.38; up m7 m9; down 2 + 4 + 1.
    b1 = teams["B1"]
    assert (b1["moderated"], b1["agreed"], b1["agreement_pct"]) == (13, 4, 30.8)
    assert (b1["mean_shift"], b1["upgraded"], b1["downgraded"]) == (-0.38, 2, 7)
    # m5b (Review NA-NA included) and m8c agree on every domain.
    assert (b1["domain_pairs"], b1["domain_agreed"]) == (12 * d_cf + d_fc, 4 * d_cf)
    # One auditor per team in the fixtures: the auditors' rows match the teams'.
    auditors = {a["auditor"]["username"]: a for a in body["auditors"]}
    assert auditors["report_auditor_B1"]["moderated"] == 13
    assert auditors["report_auditor_A2"]["mean_shift"] == -0.43
    total = body["total"]
    assert (total["moderated"], total["agreed"], total["agreement_pct"]) == (33, 20, 60.6)
    assert total["mean_shift"] == -0.27  # -9 / 33
    assert (total["upgraded"], total["downgraded"]) == (2, 11)


def test_calibration_month_by_month(data, db, api_client):
    """Issue 12 feature 5: each team's and auditor's agreement, month by month."""
    api_client.force_authenticate(data.qa_lead)
    body = api_client.get(CALIBRATION, {"month_from": "2019-02", "month_to": "2019-03"}).json()
    by_month = body["by_month"]
    assert by_month["months"] == ["2019-02", "2019-03"]
    teams = {t["team"]["name"]: t for t in by_month["teams"]}
    # A1: February G-G, RI-I, I-I (2 of 3); March m1, m3r, m3a x2, m5a x4, m8a, f1 all kept.
    assert teams["A1"]["months"] == [
        {"month": "2019-02", "moderated": 3, "agreed": 2, "agreement_pct": 66.7},
        {"month": "2019-03", "moderated": 10, "agreed": 10, "agreement_pct": 100.0},
    ]
    # Each row's range total is the range's calibration figure.
    for team in body["teams"]:
        total = teams[team["team"]["name"]]["total"]
        assert (total["moderated"], total["agreed"]) == (team["moderated"], team["agreed"])
    auditors = {a["auditor"]["username"]: a for a in by_month["auditors"]}
    assert auditors["report_auditor_A1"]["months"] == teams["A1"]["months"]


@pytest.mark.parametrize(("role", "status"), [("moderator", 403), ("viewer", 200)])
def test_calibration_is_not_for_moderators(data, db, api_client, role, status):
    user = UserFactory(roles=[role])
    if role == "viewer":
        user.service_areas.add(data.area_a)
    api_client.force_authenticate(user)
    assert api_client.get(CALIBRATION, RANGE).status_code == status


def test_an_auditor_without_a_team_reads_no_calibration(db, api_client):
    api_client.force_authenticate(UserFactory(roles=["auditor"], team=None))
    assert api_client.get(CALIBRATION, RANGE).status_code == 403


# ---------------------------------------------------------------- re-audits


def test_reaudit_cohort(data, db, api_client):
    api_client.force_authenticate(data.qa_lead)
    response = api_client.get(REAUDITS, {"month_from": "2019-04", "month_to": "2019-04"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cohort"] == 2
    overall = body["overall"]
    assert overall["transitions"] == [
        {"from": "G", "to": "I", "n": 1},
        {"from": "RI", "to": "G", "n": 1},
    ]
    assert (overall["improved"], overall["same"], overall["worse"]) == (1, 0, 1)
    assert (overall["improved_pct"], overall["worse_pct"]) == (50.0, 50.0)
    assert counts(overall["first"]) == {"O": 0, "G": 1, "RI": 1, "I": 0}
    assert counts(overall["reaudit"]) == {"O": 0, "G": 1, "RI": 0, "I": 1}
    review = next(d for d in body["domains"] if d["code"] == "review")
    assert review["pairs"] == 2 and review["improved"] == 1 and review["worse"] == 1
    assert len(body["domains"]) == 8
    # March has no re-audits.
    march = api_client.get(REAUDITS, {"month_from": "2019-03", "month_to": "2019-03"}).json()
    assert march["cohort"] == 0 and march["overall"]["improved_pct"] is None


# ---------------------------------------------------------------- access and input


@pytest.mark.parametrize("url", [TRENDS, REAUDITS])
def test_viewers_read_their_own_areas_only(data, db, api_client, url):
    viewer = UserFactory(roles=["viewer"], team=None)
    viewer.service_areas.add(data.area_a)
    api_client.force_authenticate(viewer)
    response = api_client.get(url, RANGE)
    assert response.status_code == 200
    assert response.json()["filters"]["service_areas"] == [data.area_a.pk]
    assert api_client.get(url, {**RANGE, "service_area": data.area_b.pk}).status_code == 403
    assert api_client.get(url, {**RANGE, "team": data.teams["B1"].pk}).status_code == 403


def test_viewer_trend_counts_only_their_area(data, db, api_client):
    viewer = UserFactory(roles=["viewer"], team=None)
    viewer.service_areas.add(data.area_a)
    api_client.force_authenticate(viewer)
    body = api_client.get(TRENDS, {"month_from": "2019-03", "month_to": "2019-03"}).json()
    # Area A in March: A1 and A2 returned audits (51 less B1's 20)
    b1 = Audit.objects.filter(
        month=MARCH, status=Audit.Status.SUBMITTED, case__team=data.teams["B1"]
    ).count()
    assert body["months"][0]["audits"] == 51 - b1


@pytest.mark.parametrize("url", [TRENDS, REAUDITS, CALIBRATION])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"month_from": "2019-13"}, "month_from"),
        ({"month_to": "March"}, "month_to"),
        ({"month_from": "2019-05", "month_to": "2019-04"}, "month_from"),
        ({"month_from": "2010-01", "month_to": "2019-04"}, "month_from"),
        ({"month_to": "2019-04", "team": "x"}, "team"),
        ({"month_to": "2019-04", "tool": "nope"}, "tool"),
    ],
)
def test_bad_filters_are_400_with_a_message_per_field(data, db, api_client, url, query, field):
    api_client.force_authenticate(data.qa_lead)
    response = api_client.get(url, query)
    assert response.status_code == 400, response.content
    assert field in str(response.json())


@pytest.mark.parametrize("url", [TRENDS, REAUDITS, CALIBRATION])
def test_auditors_are_refused_and_anonymous_must_sign_in(data, db, api_client, url):
    assert api_client.get(url, RANGE).status_code == 401
    # An auditor in no team (a team manager reads their own team's: test_team_manager_reports).
    api_client.force_authenticate(UserFactory(roles=["auditor"], team=None))
    assert api_client.get(url, RANGE).status_code == 403


# ---------------------------------------------------------------- the re-audits page


def test_reaudits_page_shows_the_cohort_and_links_each_cell_to_its_audits(data, db, client):
    client.force_login(data.qa_lead)
    page = client.get("/reports/reaudits/", {"month_from": "2019-04", "month_to": "2019-04"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Re-audits, April 2019" in html
    assert 'id="reaudit-matrix"' in html
    cell = "/audits/?" + "&".join(
        [
            "month_from=2019-04",
            "month_to=2019-04",
            "first_overall=RI",
            "overall=G",
            "status=submitted",
            "reaudit=yes",
        ]
    )
    assert cell.replace("&", "&amp;") in html
    listed = client.get(cell)
    assert listed.status_code == 200
    assert list(listed.context["page_obj"].object_list) == [
        a for a in Audit.objects.filter(month=APRIL, re_audit_of__overall="RI", overall="G")
    ]
    # Every re-audit of the range behind the cohort's count.
    cohort = client.get(
        "/audits/",
        {"month_from": "2019-04", "month_to": "2019-04", "status": "submitted", "reaudit": "yes"},
    )
    assert cohort.context["page_obj"].paginator.count == 2


def test_reaudits_page_refuses_auditors_and_explains_bad_ranges(data, db, client):
    auditor = UserFactory(roles=["auditor"], team=None)
    client.force_login(auditor)
    assert client.get("/reports/reaudits/").status_code == 403
    client.force_login(data.qa_lead)
    page = client.get("/reports/reaudits/", {"month_from": "2019-13"})
    assert page.status_code == 400
    assert "There is a problem" in page.content.decode()
