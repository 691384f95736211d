"""Issue 10, finding 2: reports must not give a blind-pending audit's grades away.

A moderator reads the authority's reports and may list the audits they can read; the report
minus the list must be nothing, for every filter the report takes, or the difference is the
hidden audit's judgement and domain grades. So a person who may moderate gets reports that
leave blind-pending audits out (and say how many), and published snapshots only once no audit
they count is still waiting for blind moderation.
"""

import datetime as dt
import io
import itertools
from collections import Counter

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditTool, DomainGrade
from flows.moderation import moderation_complete
from moderation.access import audits_visible_to
from moderation.services.claims import moderation_claim
from moderation.services.moderating import moderation_reveal
from reporting import exports, selectors
from reporting import services as report_services
from reporting.models import ReportSnapshot
from tests.factories import (
    ProgrammeFactory,
    UserFactory,
    case_file_tool,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

MONTH = dt.date(2026, 10, 1)
PREVIOUS = dt.date(2026, 9, 1)
GRADES = ("O", "G", "RI", "I")


def _foster_tool():
    return AuditTool.objects.get(code="foster-carer", version=1)


def _submit(auditor, team, *, overall, grade, programme):
    return submitted_audit(
        auditor=auditor,
        overall=overall,
        grade=grade,
        case__team=team,
        programme=programme,
        month=programme.month,
        tool=programme.tool,
    )


@pytest.fixture
def world(team, other_team, auditor, other_team_auditor, moderator, qa_lead):
    """Two areas, two tools, two months. Blind-pending audits with grades no visible audit
    shares in their slice, visible audits of every kind around them."""
    blind = ProgrammeFactory(month=MONTH, blind_moderation=True)
    blind_previous = ProgrammeFactory(month=PREVIOUS, blind_moderation=True)
    foster = ProgrammeFactory(month=MONTH, tool=_foster_tool())
    claimant = UserFactory(username="claimant", team=None, roles=["moderator"])
    hidden = []
    # Waiting in the sample, and claimed but not yet revealed: both hidden.
    audit = _submit(auditor, team, overall="O", grade="O", programme=blind)
    sampled_moderation(audit, qa_lead)
    hidden.append(audit)
    audit = _submit(other_team_auditor, other_team, overall="RI", grade="I", programme=blind)
    moderation_claim(actor=claimant, moderation=sampled_moderation(audit, qa_lead))
    hidden.append(audit)
    audit = _submit(auditor, team, overall="I", grade="RI", programme=blind_previous)
    sampled_moderation(audit, qa_lead)
    hidden.append(audit)
    # Visible: not sampled, sampled and revealed, completed, and another tool's.
    _submit(auditor, team, overall="G", grade="G", programme=blind)
    _submit(other_team_auditor, other_team, overall="I", grade="I", programme=blind)
    revealed = _submit(auditor, team, overall="RI", grade="G", programme=blind)
    moderation = moderation_claim(actor=claimant, moderation=sampled_moderation(revealed, qa_lead))
    moderation_reveal(
        actor=claimant,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(revealed.tool, grade="G", overall="G"),
    )
    done = _submit(other_team_auditor, other_team, overall="G", grade="RI", programme=blind)
    moderation = moderation_claim(actor=claimant, moderation=sampled_moderation(done, qa_lead))
    moderation = moderation_reveal(
        actor=claimant,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(done.tool, grade="RI", overall="RI"),
    )
    moderation_complete(
        actor=claimant,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(done.tool, grade="RI", overall="RI"),
    )
    _submit(auditor, team, overall="RI", grade="RI", programme=foster)
    _submit(auditor, team, overall="G", grade="G", programme=blind_previous)
    return {"hidden": hidden, "moderator": moderator, "claimant": claimant, "qa_lead": qa_lead}


def _filters(team, other_team):
    areas = [None, team.service_area_id, other_team.service_area_id]
    teams = [None, team.pk, other_team.pk]
    tools = [None, "case-file", "foster-carer"]
    for area, team_id, tool in itertools.product(areas, teams, tools):
        if area is not None and team_id is not None:
            continue  # a team names its area: the report refuses nothing, the list agrees
        query = {"month": "2026-10"}
        for name, value in (("service_area", area), ("team", team_id), ("tool", tool)):
            if value is not None:
                query[name] = value
        yield query


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _list_count(client, query: dict, **more) -> int:
    response = client.get(reverse("api:audit-list"), {**query, "status": "submitted", **more})
    assert response.status_code == 200, response.content
    return response.json()["count"]


def _domain_counts(user, query: dict, month: dt.date) -> Counter:
    """The auditor's domain grades over the audits the user may list, by (tool, domain, grade)."""
    audits = audits_visible_to(user).filter(month=month, status="submitted")
    if "service_area" in query:
        audits = audits.filter(case__team__service_area=query["service_area"])
    if "team" in query:
        audits = audits.filter(case__team=query["team"])
    if "tool" in query:
        audits = audits.filter(tool__code=query["tool"])
    counts: Counter = Counter()
    for tool, code, grade in DomainGrade.objects.filter(audit__in=audits).values_list(
        "domain__tool__code", "domain__code", "grade"
    ):
        counts[(tool, code, grade)] += 1
    return counts


@pytest.mark.parametrize("who", ["moderator", "claimant"])
def test_a_moderators_report_less_the_audits_they_can_list_is_nothing_for_every_filter(
    world, team, other_team, who
):
    user = world[who]
    client = _client(user)
    for query in _filters(team, other_team):
        response = client.get(reverse("reports_api:monthly"), query)
        assert response.status_code == 200, (query, response.content)
        report = response.json()
        audits = report["audits"]
        for grade in GRADES:
            listed = _list_count(client, query, overall=grade)
            assert audits["overall"][grade]["n"] == listed, (query, grade)
        assert audits["returned"] == _list_count(client, query)
        assert audits["escalations"] == _list_count(client, query, escalated="yes")
        domains = Counter()
        for row in report["domains"]:
            for grade in (*GRADES, "NA"):
                if row["all"][grade]["n"]:
                    domains[(row["tool"], row["code"], grade)] = row["all"][grade]["n"]
        listed_domains = +_domain_counts(user, query, MONTH)
        assert domains == listed_domains, query
        previous = report["previous_month"]["audits"]
        prev_query = {**query, "month": "2026-09"}
        for grade in GRADES:
            assert previous["overall"][grade]["n"] == _list_count(
                client, prev_query, overall=grade
            ), (query, grade)
        for area in report["by_area"]:
            for part in (area, *area["teams"]):
                assert part["audits"]["returned"] == _list_count(
                    client,
                    {
                        **query,
                        "service_area" if part is area else "team": part["id"],
                    },
                ), (query, part["name"])


def test_the_hidden_audits_are_counted_for_a_qa_lead_and_the_moderator_is_told_how_many(
    world, team, other_team
):
    """The test above means something: the QA lead's report counts what the moderator's
    leaves out, and the moderator's report says how many it left out in scope."""
    lead = _client(world["qa_lead"]).get(reverse("reports_api:monthly"), {"month": "2026-10"})
    mod = _client(world["moderator"]).get(reverse("reports_api:monthly"), {"month": "2026-10"})
    lead, mod = lead.json(), mod.json()
    assert lead["audits"]["overall"]["O"]["n"] == 1
    assert mod["audits"]["overall"]["O"]["n"] == 0
    assert lead["audits"]["returned"] - mod["audits"]["returned"] == 2
    assert lead["filters"]["blind_left_out"] == 0
    assert mod["filters"]["blind_left_out"] == 3  # two this month, one the month before
    one_team = _client(world["moderator"]).get(
        reverse("reports_api:monthly"), {"month": "2026-10", "team": other_team.pk}
    )
    assert one_team.json()["filters"]["blind_left_out"] == 1


def test_the_report_page_and_its_downloads_leave_the_hidden_audits_out_and_say_so(world, client):
    client.force_login(world["moderator"])
    page = client.get(reverse("reports:monthly"), {"month": "2026-10"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 audits waiting for blind moderation are left out of this report for you" in text
    xlsx = client.get(reverse("reports:download_xlsx"), {"month": "2026-10"})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    about = [str(v) for row in book["About"].iter_rows(values_only=True) for v in row]
    assert any("3 audit(s) waiting for blind moderation" in v for v in about)
    # The downloads are the moderator's report: the same figures as the JSON the test above
    # checks against the lists (the one Outstanding judgement is the hidden audit's).
    report = selectors.monthly_report_for_user(
        user=world["moderator"], filters={"month": "2026-10"}
    )
    expected = exports.table_csv(report, "headline", exports.filter_labels(report["filters"]))
    headline = client.get(
        reverse("reports:download_csv"), {"month": "2026-10", "table": "headline"}
    )
    assert headline.content.decode("utf-8-sig").replace("\r\n", "\n") == expected.replace(
        "\r\n", "\n"
    )
    assert report["audits"]["overall"]["O"]["n"] == 0


def test_trends_and_reaudits_leave_the_hidden_audits_out_for_a_moderator(world):
    query = {"month_from": "2026-09", "month_to": "2026-10"}
    lead = _client(world["qa_lead"]).get(reverse("reports_api:trends"), query).json()
    mod = _client(world["moderator"]).get(reverse("reports_api:trends"), query).json()
    by_month = {m["month"]: m for m in mod["months"]}
    lead_by_month = {m["month"]: m for m in lead["months"]}
    assert lead_by_month["2026-10"]["before"]["O"]["n"] == 1
    assert by_month["2026-10"]["before"]["O"]["n"] == 0
    assert lead_by_month["2026-10"]["audits"] - by_month["2026-10"]["audits"] == 2
    assert lead_by_month["2026-09"]["audits"] - by_month["2026-09"]["audits"] == 1
    assert mod["filters"]["blind_left_out"] == 3
    for month in mod["months"]:
        for domain in month["domains"]:
            assert domain["all"]["O"]["n"] == 0  # the only Outstanding grades are hidden


def test_a_re_audit_of_a_hidden_audit_does_not_show_its_first_judgement(world, qa_lead):
    first = world["hidden"][2]  # September, blind-pending, judged Inadequate
    re_audit = submitted_audit(
        auditor=first.auditor,
        case=first.case,
        overall="G",
        month=MONTH,
        re_audit_of=first,
        kind="re_audit",
    )
    assert re_audit.re_audit_of_id == first.pk
    query = {"month_from": "2026-10", "month_to": "2026-10"}
    lead = _client(qa_lead).get(reverse("reports_api:reaudits"), query).json()
    mod = _client(world["moderator"]).get(reverse("reports_api:reaudits"), query).json()
    assert lead["cohort"] == 1
    assert mod["cohort"] == 0


def test_a_moderator_reads_a_published_snapshot_only_once_nothing_in_it_is_blind_pending(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = report_services.snapshot_request(month=MONTH, actor=world["qa_lead"])
    snapshot.refresh_from_db()
    assert snapshot.status == ReportSnapshot.Status.PUBLISHED
    moderator = _client(world["moderator"])
    detail = reverse("reports_api:snapshot-detail", args=[snapshot.pk])
    xlsx = reverse("reports_api:snapshot-xlsx", args=[snapshot.pk])
    refused = moderator.get(detail)
    assert refused.status_code == 403
    assert "waiting for blind moderation" in refused.json()["detail"]
    assert moderator.get(xlsx).status_code == 403
    client.force_login(world["moderator"])
    assert client.get(reverse("reports:snapshot", args=[snapshot.pk])).status_code == 403
    assert client.get(reverse("reports:snapshot_download", args=[snapshot.pk])).status_code == 403
    assert _client(world["qa_lead"]).get(detail).status_code == 200
    # Once every audit it counts has been moderated, the moderator reads it.
    for audit in world["hidden"]:
        moderation = audit.moderations.get(status__in=("sampled", "claimed"))
        if moderation.status == "sampled":
            moderation = moderation_claim(actor=world["claimant"], moderation=moderation)
        content = moderation_content(audit.tool, grade="G", overall="G")
        moderation = moderation_reveal(
            actor=moderation.moderator,
            moderation=moderation,
            version=moderation.version,
            content=content,
        )
    assert moderator.get(detail).status_code == 200


def test_a_report_for_someone_who_does_not_moderate_leaves_nothing_out(world, viewer, qa_lead):
    assert world["hidden"][0].tool == case_file_tool()
    for user in (viewer, qa_lead):
        report = _client(user).get(reverse("reports_api:monthly"), {"month": "2026-10"}).json()
        assert report["filters"]["blind_left_out"] == 0
