"""The monthly report against fixtures counted by hand (issue 4, "Done when").

March 2019: 60 audits targeted (case-file 54 + foster carer 6), 51 returned, 30 moderated
(moderation target 24 + 2 = 26), over two service areas (A: teams A1, A2; B: team B1).
Every audit is recorded through the real services: submitted by its auditor, sampled, claimed
and completed by a moderator; one is returned for rework and its revision moderated.

Case-file audits are graded with every domain equal to the overall judgement, except the
Review domain (N/A allowed) where a group says otherwise; moderators likewise.

Moderated, case-file (28)                    team       auditor -> moderator   Review
  m1   1   O -> O                             A1                              O -> O
  m2   2   O -> G                             B1                              O -> G
  m3r  1   G -> G  (revision 2 after rework)  A1                              G -> G
  m3a  2   G -> G                             A1                              G -> G
  m3b  3   G -> G                             A2                              G -> G
  m4   4   G -> RI                            B1                              NA -> RI
  m5a  4   RI -> RI                           A1                              NA -> NA
  m5b  3   RI -> RI                           B1                              NA -> NA
  m6   3   RI -> I                            A2                              RI -> I
  m7   1   RI -> G                            B1                              RI -> G
  m8a  1   I esc -> I esc                     A1                              I -> I
  m8b  1   I -> I esc                         A2                              I -> I
  m8c  1   I -> I                             B1                              I -> I
  m9   1   I esc -> RI                        B1                              I -> RI
Moderated, foster carer (2): f1 G -> G (A1), f2 RI -> I (B1).
Not moderated, case-file (18): u1 O x1 (A2); u2 G x2 (A1) + x3 (B1, one of them claimed
  but not completed); u3 RI x4 (A2, one waiting in the sample, Review N/A) + x3 (B1, Review
  N/A); u4 I x4 (A1, one escalated, one removed from the sample) + x1 (B1).
Not moderated, foster carer (3): G (A1), RI (B1), I (A2).
Not submitted: case-file 2 assigned (A1) + 1 assigned (B1); foster carer 1 assigned (A2).
The first submission of m3r (RI, status "returned") counts nowhere.

February 2019 (case-file programme, target 10 audits / 4 moderations), all team A1:
  G x3 (one moderated G -> G), RI x3 (one RI -> I), I x2 (one I -> I, moderator escalates),
  one assigned. January 2019 has no programme.
"""

import datetime as dt
import json
from fractions import Fraction

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.models import Audit, AuditTool, Domain
from core.services.audits import AuditContent
from flows.audits import audit_submit
from flows.moderation import moderation_complete, moderation_return_for_rework
from moderation.models import Moderation
from moderation.services.claims import moderation_claim
from moderation.services.imported import ImportedModeration, moderation_record_imported
from moderation.services.sample import moderation_remove
from reporting.scope import ReportScope
from reporting.selectors import monthly_report
from reporting.summary import summary_refresh_audits
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
)

MARCH = dt.date(2019, 3, 1)
FEBRUARY = dt.date(2019, 2, 1)
URL = "/api/reports/monthly/"


# ---------------------------------------------------------------- building the fixtures


class Builder:
    def __init__(self):
        self.case_file = AuditTool.objects.get(code="case-file", version=1)
        self.foster = AuditTool.objects.get(code="foster-carer", version=1)
        self.area_a = ServiceAreaFactory(name="Report area A")
        self.area_b = ServiceAreaFactory(name="Report area B")
        self.teams = {
            "A1": TeamFactory(service_area=self.area_a, name="A1"),
            "A2": TeamFactory(service_area=self.area_a, name="A2"),
            "B1": TeamFactory(service_area=self.area_b, name="B1"),
        }
        self.auditors = {
            name: UserFactory(username=f"report_auditor_{name}", team=team, roles=["auditor"])
            for name, team in self.teams.items()
        }
        self.moderator = UserFactory(username="report_moderator", team=None, roles=["moderator"])
        self.qa_lead = UserFactory(username="report_qa_lead", team=None, roles=["qa_lead"])
        self.programmes = {
            (MARCH, "case-file"): ProgrammeFactory(
                month=MARCH, tool=self.case_file, audit_target=54, moderation_target=24
            ),
            (MARCH, "foster-carer"): ProgrammeFactory(
                month=MARCH, tool=self.foster, audit_target=6, moderation_target=2
            ),
            (FEBRUARY, "case-file"): ProgrammeFactory(
                month=FEBRUARY, tool=self.case_file, audit_target=10, moderation_target=4
            ),
        }

    def assigned(self, team: str, tool: AuditTool, month=MARCH) -> Audit:
        return AuditFactory(
            auditor=self.auditors[team],
            case__team=self.teams[team],
            tool=tool,
            programme=self.programmes[(month, tool.code)],
            month=month,
        )

    def submit(self, team, overall, *, tool=None, review=None, escalated=False, month=MARCH):
        tool = tool or self.case_file
        audit = self.assigned(team, tool, month)
        grades = {
            d.code: ((review if d.code == "review" and review else overall), "Evidence.")
            for d in tool.domains.all()
        }
        content = AuditContent(
            overall=overall,
            escalated=escalated,
            escalation_reason="Needs a management response." if escalated else "",
            working_well="Visits.",
            worried_about="Drift.",
            needs_to_happen="Review.",
            grades=grades,
        )
        return audit_submit(
            audit=audit, actor=audit.auditor, version=audit.version, content=content
        )

    def claim(self, audit: Audit) -> Moderation:
        waiting = sampled_moderation(audit, self.qa_lead)
        return moderation_claim(actor=self.moderator, moderation=waiting)

    def complete(self, claimed: Moderation, overall, *, review=None, escalated=False):
        content = moderation_content(claimed.audit.tool, grade=overall, overall=overall)
        if review:
            content.grades["review"] = (review, "Rationale for review.", "")
        if escalated:
            content.escalated = True
            content.escalation_reason = "The child is not safe."
        return moderation_complete(
            actor=self.moderator, moderation=claimed, version=claimed.version, content=content
        )

    def moderated(
        self,
        n,
        team,
        before,
        after,
        *,
        tool=None,
        review=None,
        mod_review=None,
        escalated=False,
        mod_escalated=False,
        month=MARCH,
    ):
        for _ in range(n):
            audit = self.submit(
                team, before, tool=tool, review=review, escalated=escalated, month=month
            )
            self.complete(self.claim(audit), after, review=mod_review, escalated=mod_escalated)

    def unmoderated(self, n, team, overall, *, tool=None, review=None, escalated=False):
        return [
            self.submit(team, overall, tool=tool, review=review, escalated=escalated)
            for _ in range(n)
        ]

    def reworked(self, team):
        """Submitted RI, returned for rework, resubmitted G and moderated G -> G."""
        first = self.submit(team, "RI")
        claimed = self.claim(first)
        moderation_return_for_rework(
            actor=self.moderator, moderation=claimed, version=claimed.version, comment="Thin."
        )
        revision = Audit.objects.get(revision_of=first)
        content = AuditContent(
            overall="G",
            grades={d.code: ("G", "Better evidence.") for d in self.case_file.domains.all()},
        )
        audit_submit(
            audit=revision, actor=revision.auditor, version=revision.version, content=content
        )
        waiting = Moderation.objects.get(audit=revision, status=Moderation.Status.SAMPLED)
        self.complete(moderation_claim(actor=self.moderator, moderation=waiting), "G")


def build(b: Builder) -> None:
    b.moderated(1, "A1", "O", "O")  # m1
    b.moderated(2, "B1", "O", "G")  # m2
    b.reworked("A1")  # m3r
    b.moderated(2, "A1", "G", "G")  # m3a
    b.moderated(3, "A2", "G", "G")  # m3b
    b.moderated(4, "B1", "G", "RI", review="NA", mod_review="RI")  # m4
    b.moderated(4, "A1", "RI", "RI", review="NA", mod_review="NA")  # m5a
    b.moderated(3, "B1", "RI", "RI", review="NA", mod_review="NA")  # m5b
    b.moderated(3, "A2", "RI", "I")  # m6
    b.moderated(1, "B1", "RI", "G")  # m7
    b.moderated(1, "A1", "I", "I", escalated=True, mod_escalated=True)  # m8a
    b.moderated(1, "A2", "I", "I", mod_escalated=True)  # m8b
    b.moderated(1, "B1", "I", "I")  # m8c
    b.moderated(1, "B1", "I", "RI", escalated=True)  # m9
    b.moderated(1, "A1", "G", "G", tool=b.foster)  # f1
    b.moderated(1, "B1", "RI", "I", tool=b.foster)  # f2

    b.unmoderated(1, "A2", "O")  # u1
    b.unmoderated(2, "A1", "G")  # u2
    u2_b1 = b.unmoderated(3, "B1", "G")
    b.claim(u2_b1[0])  # claimed, not completed
    u3_a2 = b.unmoderated(4, "A2", "RI", review="NA")
    sampled_moderation(u3_a2[0], b.qa_lead)  # waiting in the sample
    b.unmoderated(3, "B1", "RI", review="NA")
    u4_a1 = b.unmoderated(3, "A1", "I")
    b.unmoderated(1, "A1", "I", escalated=True)
    moderation_remove(
        actor=b.qa_lead, moderation=sampled_moderation(u4_a1[0], b.qa_lead), reason="Duplicate."
    )
    b.unmoderated(1, "B1", "I")
    b.unmoderated(1, "A1", "G", tool=b.foster)
    b.unmoderated(1, "B1", "RI", tool=b.foster)
    b.unmoderated(1, "A2", "I", tool=b.foster)
    b.assigned("A1", b.case_file)
    b.assigned("A1", b.case_file)
    b.assigned("B1", b.case_file)
    b.assigned("A2", b.foster)

    b.moderated(1, "A1", "G", "G", month=FEBRUARY)
    for _ in range(2):
        b.submit("A1", "G", month=FEBRUARY)
    b.moderated(1, "A1", "RI", "I", month=FEBRUARY)
    for _ in range(2):
        b.submit("A1", "RI", month=FEBRUARY)
    b.moderated(1, "A1", "I", "I", mod_escalated=True, month=FEBRUARY)
    b.submit("A1", "I", month=FEBRUARY)
    b.assigned("A1", b.case_file, month=FEBRUARY)


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        b = Builder()
        build(b)
        yield b
        transaction.set_rollback(True)


@pytest.fixture
def march(data, db) -> dict:
    return monthly_report(scope=ReportScope(month=MARCH))


def counts(block: dict) -> dict:
    return {grade: cell["n"] for grade, cell in block.items()}


def pcts(block: dict) -> dict:
    return {grade: cell["pct"] for grade, cell in block.items()}


def linear_weighted_kappa(pairs: list[tuple[str, str]]) -> float:
    """An independent textbook version: agreement weights 1 - |i - j| / (k - 1)."""
    scale = ["O", "G", "RI", "I"]
    k, n = len(scale), len(pairs)

    def weight(a, b):
        return 1 - Fraction(abs(scale.index(a) - scale.index(b)), k - 1)

    p_observed = sum(weight(a, b) for a, b in pairs) / n
    rater1 = {g: Fraction(sum(1 for a, _ in pairs if a == g), n) for g in scale}
    rater2 = {g: Fraction(sum(1 for _, b in pairs if b == g), n) for g in scale}
    p_expected = sum(weight(a, b) * rater1[a] * rater2[b] for a in scale for b in scale)
    return float((p_observed - p_expected) / (1 - p_expected))


# The overall pairs exactly as built above (auditor, moderator).
OVERALL_PAIRS = (
    [("O", "O")] * 1  # m1
    + [("O", "G")] * 2  # m2
    + [("G", "G")] * 6  # m3r, m3a, m3b
    + [("G", "RI")] * 4  # m4
    + [("RI", "RI")] * 7  # m5
    + [("RI", "I")] * 3  # m6
    + [("RI", "G")] * 1  # m7
    + [("I", "I")] * 3  # m8
    + [("I", "RI")] * 1  # m9
    + [("G", "G"), ("RI", "I")]  # f1, f2
)
# Review pairs leaving out N/A on either side (m4 NA -> RI, m5 NA -> NA); foster has no Review.
REVIEW_GRADED_PAIRS = (
    [("O", "O")] + [("O", "G")] * 2 + [("G", "G")] * 6 + [("RI", "I")] * 3 + [("RI", "G")]
    + [("I", "I")] * 3 + [("I", "RI")]
)  # fmt: skip


# ---------------------------------------------------------------- the whole authority


def test_headline_and_compliance(march):
    assert march["month"] == "2019-03"
    assert march["has_programme"] is True
    audits = march["audits"]
    assert audits["target"] == 60  # 54 + 6
    assert audits["target_source"] == "programme"
    assert audits["assigned"] == 55  # 51 returned + 3 + 1 not submitted
    assert audits["returned"] == 51  # 46 case-file + 5 foster
    assert audits["returned_pct"] == 85.0  # 51 / 60
    # O: m1 m2 u1 = 4; G: m3 6 + m4 4 + f1 + u2 5 + foster 1 = 17;
    # RI: m5 7 + m6 3 + m7 + f2 + u3 7 + foster 1 = 20; I: m8 3 + m9 + u4 5 + foster 1 = 10
    assert counts(audits["overall"]) == {"O": 4, "G": 17, "RI": 20, "I": 10}
    assert pcts(audits["overall"]) == {"O": 7.8, "G": 33.3, "RI": 39.2, "I": 19.6}
    assert audits["escalations"] == 3  # m8a, m9, u4

    moderations = march["moderations"]
    assert moderations["target"] == 26  # 24 + 2
    assert moderations["completed"] == 30  # 28 + 2
    assert moderations["completed_pct"] == 115.4  # 30 / 26
    assert moderations["live"] == 32  # 30 completed + 1 claimed + 1 waiting
    assert counts(moderations["before"]) == {"O": 3, "G": 11, "RI": 12, "I": 4}
    assert pcts(moderations["before"]) == {"O": 10.0, "G": 36.7, "RI": 40.0, "I": 13.3}
    assert counts(moderations["after"]) == {"O": 1, "G": 10, "RI": 12, "I": 7}
    assert pcts(moderations["after"]) == {"O": 3.3, "G": 33.3, "RI": 40.0, "I": 23.3}
    assert moderations["escalations_before"] == 2  # m8a, m9
    assert moderations["escalations_after"] == 2  # m8a, m8b


def test_transitions_agreement_and_kappa(march):
    moderations = march["moderations"]
    assert moderations["transitions"] == [
        {"from": "O", "to": "O", "n": 1},
        {"from": "O", "to": "G", "n": 2},
        {"from": "G", "to": "G", "n": 7},
        {"from": "G", "to": "RI", "n": 4},
        {"from": "RI", "to": "G", "n": 1},
        {"from": "RI", "to": "RI", "n": 7},
        {"from": "RI", "to": "I", "n": 4},
        {"from": "I", "to": "RI", "n": 1},
        {"from": "I", "to": "I", "n": 3},
    ]
    assert moderations["pairs"] == moderations["kappa_pairs"] == 30
    assert moderations["agreed"] == 18  # 1 + 7 + 7 + 3
    assert moderations["agreement_pct"] == 60.0
    assert moderations["upgraded"] == 2  # m7, m9
    assert moderations["upgraded_pct"] == 6.7
    assert moderations["downgraded"] == 10  # m2 2 + m4 4 + m6 3 + f2
    assert moderations["downgraded_pct"] == 33.3
    assert len(OVERALL_PAIRS) == 30
    assert moderations["weighted_kappa"] == round(linear_weighted_kappa(OVERALL_PAIRS), 3)
    assert moderations["weighted_kappa"] == 0.566


def test_kpi(march):
    # (4 + 17 + 20) / 51 = 80.39; after: (1 + 10 + 12) / 30 = 76.67
    assert march["kpi"] == {
        "ri_or_better_pct": 80.4,
        "ri_or_better_pct_after_moderation": 76.7,
    }


def test_every_domain_of_both_tools_is_listed_with_rows_adding_up(march):
    listed = [(d["tool"], d["code"]) for d in march["domains"]]
    assert listed[:8] == [
        ("case-file", code)
        for code in [
            "earlier_intervention",
            "assessment",
            "plan",
            "review",
            "voice",
            "supervision",
            "impact_child",
            "impact_family",
        ]
    ]
    assert len(listed) == 8 + 6
    for domain in march["domains"]:
        expected = 46 if domain["tool"] == "case-file" else 5
        assert domain["audits"] == expected
        assert sum(cell["n"] for cell in domain["all"].values()) == expected
        assert abs(sum(cell["pct"] for cell in domain["all"].values()) - 100) <= 0.3
        assert domain["moderated"] == (28 if domain["tool"] == "case-file" else 2)


def test_review_domain_over_all_and_moderated_audits(march):
    review = next(d for d in march["domains"] if d["code"] == "review")
    assert review["title"] == "Review"
    # NA: m4 4 + m5 7 + u3 7 = 18; O: m1 m2 u1 = 4; G: m3 6 + u2 5 = 11; RI: m6 3 + m7 = 4;
    # I: m8 3 + m9 + u4 5 = 9
    assert counts(review["all"]) == {"O": 4, "G": 11, "RI": 4, "I": 9, "NA": 18}
    assert pcts(review["all"]) == {"O": 8.7, "G": 23.9, "RI": 8.7, "I": 19.6, "NA": 39.1}
    assert counts(review["moderated_before"]) == {"O": 3, "G": 6, "RI": 4, "I": 4, "NA": 11}
    # after: O m1; G m2 2 + m3 6 + m7; RI m4 4 + m9; I m6 3 + m8 3; NA m5 7
    assert counts(review["moderated_after"]) == {"O": 1, "G": 9, "RI": 5, "I": 6, "NA": 7}
    assert review["pairs"] == 28
    assert review["agreed"] == 17  # O-O 1, G-G 6, NA-NA 7, I-I 3
    assert review["agreement_pct"] == 60.7
    assert review["upgraded"] == 2  # m7, m9
    assert review["downgraded"] == 5  # m2 2 + m6 3 (NA -> RI is neither)
    assert {"from": "NA", "to": "RI", "n": 4} in review["transitions"]
    assert review["kappa_pairs"] == len(REVIEW_GRADED_PAIRS) == 17
    assert review["weighted_kappa"] == round(linear_weighted_kappa(REVIEW_GRADED_PAIRS), 3)
    assert review["weighted_kappa"] == 0.636


def test_plan_domain_follows_the_overall_judgement(march):
    plan = next(d for d in march["domains"] if d["code"] == "plan")
    # case-file only: overall 4 / 15 / 18 / 9 (17 G less f1 and the foster G, and so on)
    assert counts(plan["all"]) == {"O": 4, "G": 15, "RI": 18, "I": 9, "NA": 0}
    assert counts(plan["moderated_after"]) == {"O": 1, "G": 9, "RI": 12, "I": 6, "NA": 0}
    foster_voice = next(
        d for d in march["domains"] if d["tool"] == "foster-carer" and d["code"] == "voice"
    )
    assert counts(foster_voice["all"]) == {"O": 0, "G": 2, "RI": 2, "I": 1, "NA": 0}
    assert foster_voice["title"] == "Voice of the children in placement"


def test_previous_month(march):
    previous = march["previous_month"]
    assert previous["month"] == "2019-02"
    assert previous["has_programme"] is True
    assert previous["audits"]["target"] == 10
    assert previous["audits"]["returned"] == 8
    assert previous["audits"]["returned_pct"] == 80.0
    assert counts(previous["audits"]["overall"]) == {"O": 0, "G": 3, "RI": 3, "I": 2}
    assert previous["moderations"]["completed"] == 3
    assert previous["moderations"]["completed_pct"] == 75.0  # 3 / 4
    assert counts(previous["moderations"]["after"]) == {"O": 0, "G": 1, "RI": 0, "I": 2}
    assert previous["moderations"]["escalations_after"] == 1
    assert previous["moderations"]["agreement_pct"] == 66.7
    assert previous["moderations"]["weighted_kappa"] == 0.667  # G-G, RI-I, I-I
    assert previous["kpi"]["ri_or_better_pct"] == 75.0  # 6 / 8


def test_a_month_without_a_programme_is_a_gap_not_zeros(data, db):
    report = monthly_report(scope=ReportScope(month=FEBRUARY))
    previous = report["previous_month"]
    assert previous["month"] == "2019-01"
    assert previous["has_programme"] is False
    assert previous["audits"]["target"] == 0
    assert previous["audits"]["returned_pct"] is None
    assert previous["moderations"]["completed_pct"] is None
    assert previous["moderations"]["weighted_kappa"] is None


def test_a_new_tool_version_reports_under_its_newest_domain(data, db):
    v2 = AuditTool.objects.create(
        code="case-file", name="Case file audit", version=2, previous=data.case_file
    )
    old = {d.code: d for d in data.case_file.domains.all()}
    Domain.objects.create(tool=v2, code="plan", title="Plan", position=1).continues.set(
        [old["plan"]]
    )
    Domain.objects.create(
        tool=v2,
        code="reviews",
        title="Reviews and conferences",
        position=2,
        na_allowed=True,
    ).continues.set([old["review"]])
    AuditTool.objects.filter(pk=v2.pk).update(published_at=timezone.now())
    v2.refresh_from_db()
    audit = AuditFactory(
        auditor=data.auditors["A1"], case__team=data.teams["A1"], tool=v2, month=MARCH
    )
    content = AuditContent(
        overall="G",
        working_well="Visits.",
        worried_about="Drift.",
        needs_to_happen="Review.",
        grades={"plan": ("G", "Evidence."), "reviews": ("NA", "")},
    )
    audit_submit(audit=audit, actor=audit.auditor, version=audit.version, content=content)
    report = monthly_report(scope=ReportScope(month=MARCH, tool_code="case-file"))
    codes = [d["code"] for d in report["domains"]]
    assert "review" not in codes and len(codes) == 8  # two v1 domains now read as v2's
    reviews = next(d for d in report["domains"] if d["code"] == "reviews")
    assert reviews["title"] == "Reviews and conferences"
    assert counts(reviews["all"]) == {"O": 4, "G": 11, "RI": 4, "I": 9, "NA": 19}
    plan = next(d for d in report["domains"] if d["code"] == "plan")
    assert plan["title"] == "Plan"
    assert plan["audits"] == 47
    assert next(d for d in report["domains"] if d["code"] == "voice")["audits"] == 46


def test_a_blank_imported_moderated_grade_is_left_out_of_the_domain_pairs(data, db):
    audit = Audit.objects.filter(
        case__team=data.teams["A1"],
        tool=data.case_file,
        month=MARCH,
        status=Audit.Status.SUBMITTED,
        overall="G",
        moderations__isnull=True,
    ).first()
    grades = {d.code: "G" for d in data.case_file.domains.all() if d.code != "review"}
    record = ImportedModeration(
        moderator=data.moderator, moderated_on=MARCH, overall="G", escalated=False, grades=grades
    )
    moderation_record_imported(actor=data.qa_lead, audit=audit, record=record)
    # The importer refreshes the summary once for everything it wrote (flows.importer).
    summary_refresh_audits(audit_ids=[audit.pk])
    report = monthly_report(scope=ReportScope(month=MARCH))
    assert report["moderations"]["completed"] == 31
    domains = {d["code"]: d for d in report["domains"] if d["tool"] == "case-file"}
    assert domains["plan"]["pairs"] == domains["plan"]["moderated"] == 29
    assert domains["review"]["pairs"] == domains["review"]["moderated"] == 28
    assert counts(domains["review"]["moderated_before"])["G"] == 6


# ---------------------------------------------------------------- filters


def test_service_area_filter_counts_assigned_audits_and_live_moderations(data, db):
    report = monthly_report(scope=ReportScope(month=MARCH, service_area_ids=(data.area_a.pk,)))
    audits, moderations = report["audits"], report["moderations"]
    # Area A returned: moderated 17 (m1, m3r, m3a 2, m3b 3, m5a 4, m6 3, m8a, m8b, f1) and
    # unmoderated 13 (u1, u2 2, u3 4, u4 4, foster G, foster I); 3 not submitted.
    assert audits["target_source"] == "assigned"
    assert (audits["target"], audits["returned"], audits["returned_pct"]) == (33, 30, 90.9)
    assert counts(audits["overall"]) == {"O": 2, "G": 10, "RI": 11, "I": 7}
    # 17 completed + u3's waiting moderation; the removed one and the returned one don't count
    assert (moderations["target"], moderations["completed"]) == (18, 17)
    assert moderations["completed_pct"] == 94.4
    assert counts(moderations["after"]) == {"O": 1, "G": 7, "RI": 4, "I": 5}
    assert report["previous_month"]["audits"]["returned"] == 8  # February is all team A1


def test_team_and_tool_filters(data, db):
    team = monthly_report(scope=ReportScope(month=MARCH, team_id=data.teams["A1"].pk))
    # m1, m3r, m3a 2, m5a 4, m8a, f1, u2 2, u4 4, foster G = 17 returned; + 2 assigned
    assert (team["audits"]["target"], team["audits"]["returned"]) == (19, 17)
    tool = monthly_report(scope=ReportScope(month=MARCH, tool_code="case-file"))
    assert (tool["audits"]["target"], tool["audits"]["returned"]) == (54, 46)
    assert counts(tool["audits"]["overall"]) == {"O": 4, "G": 15, "RI": 18, "I": 9}
    assert (tool["moderations"]["target"], tool["moderations"]["completed"]) == (24, 28)
    assert tool["moderations"]["completed_pct"] == 116.7
    assert {d["tool"] for d in tool["domains"]} == {"case-file"}


def test_by_area_gives_each_area_and_team_the_figures_of_its_own_filtered_report(data, db):
    report = monthly_report(scope=ReportScope(month=MARCH))
    areas = {area["name"]: area for area in report["by_area"]}
    assert list(areas) == ["Report area A", "Report area B"]
    a = areas["Report area A"]
    # As counted for the area filter above: 33 assigned, 30 returned, 18 live, 17 completed.
    assert (a["audits"]["target"], a["audits"]["returned"], a["audits"]["returned_pct"]) == (
        33,
        30,
        90.9,
    )
    assert counts(a["audits"]["overall"]) == {"O": 2, "G": 10, "RI": 11, "I": 7}
    assert (a["moderations"]["target"], a["moderations"]["completed"]) == (18, 17)
    assert [team["name"] for team in a["teams"]] == ["A1", "A2"]
    a1 = a["teams"][0]
    assert (a1["audits"]["target"], a1["audits"]["returned"]) == (19, 17)
    # Every area and team: the same blocks as the report filtered to it.
    for area in report["by_area"]:
        alone = monthly_report(scope=ReportScope(month=MARCH, service_area_ids=(area["id"],)))
        assert {k: area[k] for k in ("audits", "moderations", "kpi")} == {
            k: alone[k] for k in ("audits", "moderations", "kpi")
        }
        for team in area["teams"]:
            alone = monthly_report(scope=ReportScope(month=MARCH, team_id=team["id"]))
            assert {k: team[k] for k in ("audits", "moderations", "kpi")} == {
                k: alone[k] for k in ("audits", "moderations", "kpi")
            }
    total = sum(area["audits"]["returned"] for area in report["by_area"])
    assert total == report["audits"]["returned"]
    # Filtered to a team, only its area and that team.
    one = monthly_report(scope=ReportScope(month=MARCH, team_id=data.teams["B1"].pk))
    assert [(x["name"], [t["name"] for t in x["teams"]]) for x in one["by_area"]] == [
        ("Report area B", ["B1"])
    ]


def test_a_team_moved_to_another_area_is_reported_there_at_once(data, db):
    def returned(area) -> int:
        scope = ReportScope(month=MARCH, service_area_ids=(area.pk,))
        return monthly_report(scope=scope)["audits"]["returned"]

    before_b = returned(data.area_b)
    whole = monthly_report(scope=ReportScope(month=MARCH))["audits"]["overall"]
    team = data.teams["A1"]
    team.service_area = data.area_b
    team.save()  # no summary rebuild: the reports reach the area through Team
    assert returned(data.area_a) == 30 - 17
    assert returned(data.area_b) == before_b + 17
    assert monthly_report(scope=ReportScope(month=MARCH))["audits"]["overall"] == whole


# ---------------------------------------------------------------- queries


def test_query_count_does_not_grow_with_the_data(data, db, django_assert_num_queries):
    with django_assert_num_queries(6):
        monthly_report(scope=ReportScope(month=MARCH))
    data.moderated(3, "B1", "G", "I")
    data.unmoderated(2, "A2", "RI", review="NA")
    with django_assert_num_queries(6):
        report = monthly_report(scope=ReportScope(month=MARCH))
    assert report["audits"]["returned"] == 56


# ---------------------------------------------------------------- API


def test_api_returns_the_report_to_a_qa_lead(data, db, api_client, django_assert_max_num_queries):
    api_client.force_authenticate(data.qa_lead)
    with django_assert_max_num_queries(13):
        response = api_client.get(URL, {"month": "2019-03"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert reverse("reports_api:monthly") == URL
    assert body["audits"]["returned"] == 51
    assert body["moderations"]["completed_pct"] == 115.4
    assert body["moderations"]["transitions"][0] == {"from": "O", "to": "O", "n": 1}
    assert body["kpi"]["ri_or_better_pct"] == 80.4
    assert body["previous_month"]["audits"]["returned"] == 8
    assert body["domains"][0]["all"]["NA"]["n"] >= 0
    area_a = next(area for area in body["by_area"] if area["id"] == data.area_a.pk)
    assert (area_a["audits"]["target"], area_a["audits"]["returned"]) == (33, 30)
    assert [team["name"] for team in area_a["teams"]] == ["A1", "A2"]
    assert area_a["teams"][0]["audits"]["returned"] == 17


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "month"),
        ({"month": "2019-13"}, "month"),
        ({"month": "March"}, "month"),
        ({"month": "2019-03", "service_area": "999999"}, "service_area"),
        ({"month": "2019-03", "service_area": "abc"}, "service_area"),
        ({"month": "2019-03", "team": "999999"}, "team"),
        ({"month": "2019-03", "tool": "no-such-tool"}, "tool"),
    ],
)
def test_api_refuses_bad_filters_with_a_message_per_field(data, db, api_client, query, field):
    api_client.force_authenticate(data.qa_lead)
    response = api_client.get(URL, query)
    assert response.status_code == 400
    assert response.json()[field]


def test_viewer_reads_their_own_areas_only(data, db, api_client):
    viewer = UserFactory(username="report_viewer", team=None, roles=["viewer"])
    viewer.service_areas.add(data.area_a)
    api_client.force_authenticate(viewer)
    response = api_client.get(URL, {"month": "2019-03"})
    assert response.status_code == 200
    body = response.json()
    assert body["filters"]["service_areas"] == [data.area_a.pk]
    assert (body["audits"]["target"], body["audits"]["returned"]) == (33, 30)
    assert [area["name"] for area in body["by_area"]] == ["Report area A"]  # not B's teams
    refused = api_client.get(URL, {"month": "2019-03", "service_area": data.area_b.pk})
    assert refused.status_code == 403
    assert "own service areas" in refused.json()["detail"]
    refused = api_client.get(URL, {"month": "2019-03", "team": data.teams["B1"].pk})
    assert refused.status_code == 403
    team = api_client.get(URL, {"month": "2019-03", "team": data.teams["A1"].pk})
    assert team.json()["audits"]["returned"] == 17


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("qa_lead", 200),
        ("moderator", 200),
        ("viewer", 200),
        ("auditor", 200),  # a team manager: their own team's report
        ("auditor without a team", 403),
        (None, 403),
    ],
)
def test_who_may_read_the_report(data, db, api_client, role, expected):
    roles = [role.split()[0]] if role else []
    team = {"team": None} if role and "without" in role else {}
    user = UserFactory(username=f"report_reader_{role}".replace(" ", "_"), roles=roles, **team)
    api_client.force_authenticate(user)
    assert api_client.get(URL, {"month": "2019-03"}).status_code == expected


def test_anonymous_gets_401(data, db, api_client):
    assert api_client.get(URL, {"month": "2019-03"}).status_code == 401


# ---------------------------------------------------------------- command


def test_command_writes_the_same_report_as_json(data, db, capsys, tmp_path):
    call_command("qa_report", "--month", "2019-03", "--format", "json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["audits"]["returned"] == 51
    assert printed["moderations"]["weighted_kappa"] == 0.566
    path = tmp_path / "report.json"
    call_command("qa_report", "--month", "2019-03", "--tool", "case-file", "--output", str(path))
    written = json.loads(path.read_text())
    assert written["audits"]["returned"] == 46
    assert written["filters"]["tool"] == "case-file"


def test_command_refuses_a_bad_month(data, db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("qa_report", "--month", "2019-3")


def test_the_endpoint_is_in_the_openapi_schema(tmp_path):
    import yaml

    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    operation = yaml.safe_load(path.read_text())["paths"]["/api/reports/monthly/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"month", "service_area", "team", "tool"}
    assert parameters["month"]["required"] is True
    assert set(operation["responses"]) == {"200", "400", "403"}
