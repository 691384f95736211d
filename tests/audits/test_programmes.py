import datetime as dt

import pytest
from django.urls import reverse

from audits.case_proposals import programme_case_proposals
from core.errors import DomainError
from core.models import Audit, AuditTool, Case, Programme
from core.services.programmes import programme_assign
from tests.factories import AuditFactory, CaseFactory, ProgrammeFactory, TeamFactory, UserFactory

CASE_TYPES = [Case.CaseType.CHILD_IN_NEED, Case.CaseType.CHILD_PROTECTION]


@pytest.fixture
def service(area, other_area):
    """Two service areas of two teams each; one auditor per team; 5 cases per team and type."""
    teams = [
        TeamFactory(service_area=area, name="CIN team 1"),
        TeamFactory(service_area=area, name="CIN team 2"),
        TeamFactory(service_area=other_area, name="CiC team 1"),
        TeamFactory(service_area=other_area, name="CiC team 2"),
    ]
    auditors = [
        UserFactory(username=f"manager{n}", team=team, roles=["auditor"])
        for n, team in enumerate(teams, start=1)
    ]
    for n, team in enumerate(teams, start=1):
        for case_type in CASE_TYPES:
            for i in range(5):
                CaseFactory(reference=f"T{n}-{case_type}-{i}", team=team, case_type=case_type)
    return {"teams": teams, "auditors": auditors}


@pytest.fixture
def programme(db):
    return ProgrammeFactory(audit_target=8, due_date=dt.date(2026, 10, 30))


def references(sample):
    return [row.case.reference for row in sample]


# ---------------------------------------------------------------- sampling


def test_sample_covers_every_team_and_case_type_once(service, programme):
    sample = programme_case_proposals(programme=programme, size=8, seed=7)
    strata = {(row.case.team_id, row.case.case_type) for row in sample}
    assert len(sample) == 8
    assert len(strata) == 8


def test_sample_goes_round_the_strata_before_taking_a_second_case(service, programme):
    sample = programme_case_proposals(programme=programme, size=12, seed=7)
    first_round = {(row.case.team_id, row.case.case_type) for row in sample[:8]}
    assert len(first_round) == 8
    assert len(sample) == 12


def test_sample_is_reproducible_from_its_seed(service, programme):
    first = programme_case_proposals(programme=programme, size=8, seed=42)
    again = programme_case_proposals(programme=programme, size=8, seed=42)
    assert [(r.case.pk, r.auditor.pk, r.reason) for r in first] == [
        (r.case.pk, r.auditor.pk, r.reason) for r in again
    ]
    others = [
        references(programme_case_proposals(programme=programme, size=8, seed=s)) for s in (1, 2, 3)
    ]
    assert any(refs != references(first) for refs in others)


def test_sample_never_exceeds_the_eligible_cases(service, programme):
    assert len(programme_case_proposals(programme=programme, size=500, seed=1)) == 40
    assert programme_case_proposals(programme=programme, size=0, seed=1) == []


def test_sample_leaves_out_cases_audited_in_the_last_12_months(service, programme):
    recent = Case.objects.get(reference="T1-cin-0")
    year_old = Case.objects.get(reference="T1-cin-1")
    AuditFactory(case=recent, month=dt.date(2025, 11, 1))  # 11 months before October 2026
    AuditFactory(case=year_old, month=dt.date(2025, 10, 1))  # 12 months before: eligible again
    sampled = references(programme_case_proposals(programme=programme, size=500, seed=1))
    assert "T1-cin-0" not in sampled
    assert "T1-cin-1" in sampled
    assert len(sampled) == 39


def test_sample_leaves_out_cases_already_in_the_programme(service, programme, qa_lead):
    case = Case.objects.get(reference="T2-cp-3")
    programme_assign(
        programme=programme,
        actor=qa_lead,
        assignments=[(case, service["auditors"][0], "")],
    )
    sampled = references(programme_case_proposals(programme=programme, size=500, seed=1))
    assert "T2-cp-3" not in sampled
    assert len(sampled) == 39


def test_sample_takes_the_tools_kind_of_case(service, programme):
    fostering = CaseFactory(
        reference="FH-1", team=service["teams"][0], case_type=Case.CaseType.FOSTERING_HOUSEHOLD
    )
    case_file = references(programme_case_proposals(programme=programme, size=500, seed=1))
    foster_tool = AuditTool.objects.get(code="foster-carer", version=1)
    foster = ProgrammeFactory(month=dt.date(2026, 10, 1), tool=foster_tool)
    assert fostering.reference not in case_file
    assert references(programme_case_proposals(programme=foster, size=500, seed=1)) == ["FH-1"]


def test_sample_within_one_service_area(service, programme, area):
    sample = programme_case_proposals(programme=programme, size=500, seed=1, service_area=area)
    assert len(sample) == 20
    assert {row.case.team.service_area_id for row in sample} == {area.pk}


def test_proposed_auditor_is_from_another_team_of_the_same_area(service, programme):
    for row in programme_case_proposals(programme=programme, size=40, seed=3):
        assert row.auditor.team_id != row.case.team_id
        assert row.auditor.team.service_area_id == row.case.team.service_area_id


def test_proposed_auditors_share_the_load(service, programme, other_area):
    # A fifth manager in the other area: its cases are shared out, not all given to manager3.
    UserFactory(username="manager5", team=TeamFactory(service_area=other_area), roles=["auditor"])
    counts = {}
    for row in programme_case_proposals(programme=programme, size=8, seed=5):
        counts[row.auditor.username] = counts.get(row.auditor.username, 0) + 1
    assert counts["manager1"] == counts["manager2"] == 2  # each the other's only colleague
    assert max(counts.values()) == 2
    assert counts["manager5"] >= 1


def test_proposed_auditor_counts_audits_already_in_the_programme(service, programme, area):
    first = UserFactory(username="aaa", team=TeamFactory(service_area=area), roles=["auditor"])
    # Before: "aaa" is first by name among the area's other managers, and has no work yet.
    before = programme_case_proposals(programme=programme, size=1, seed=9, service_area=area)
    assert before[0].auditor == first
    AuditFactory(programme=programme, auditor=first)
    after = programme_case_proposals(programme=programme, size=1, seed=9, service_area=area)
    assert after[0].case == before[0].case
    assert after[0].auditor != first
    assert after[0].auditor.team.service_area == area


def test_proposed_auditor_from_another_area_when_none_other_in_the_area(service, programme, area):
    for manager in service["auditors"][:2]:
        manager.is_active = False
        manager.save()
    CaseFactory(reference="LONE-1", team=TeamFactory(service_area=area, name="Lonely team"))
    row = next(
        r
        for r in programme_case_proposals(programme=programme, size=500, seed=1)
        if r.case.reference == "LONE-1"
    )
    assert row.auditor.username in {"manager3", "manager4"}


def test_proposed_auditor_from_the_own_team_only_as_a_last_resort(programme, auditor, team):
    CaseFactory(reference="OWN-1", team=team)
    row = programme_case_proposals(programme=programme, size=1, seed=1)[0]
    assert row.auditor == auditor
    assert row.reason.endswith("; no auditor outside the case's team")


def test_reason_says_why_the_case_was_picked(service, programme):
    row = programme_case_proposals(programme=programme, size=1, seed=1)[0]
    label = row.case.get_case_type_display()
    assert row.reason == f"Spread: {row.case.team.name} · {label}, 1 of 5 eligible"


def test_sampling_queries_do_not_grow_with_the_sample(
    service, programme, django_assert_num_queries
):
    programme = Programme.objects.select_related("tool").get(pk=programme.pk)
    with django_assert_num_queries(3):
        programme_case_proposals(programme=programme, size=40, seed=1)


# ---------------------------------------------------------------- programme_assign


def test_programme_assign_creates_assigned_audits_due_with_the_programme(
    service, programme, qa_lead
):
    cases = [Case.objects.get(reference=ref) for ref in ("T1-cin-0", "T3-cp-1")]
    audits = programme_assign(
        programme=programme,
        actor=qa_lead,
        assignments=[
            (cases[0], service["auditors"][2], ""),
            (cases[1], service["auditors"][0], ""),
        ],
    )
    assert [a.status for a in audits] == [Audit.Status.ASSIGNED] * 2
    assert {a.due_date for a in audits} == {dt.date(2026, 10, 30)}
    assert {a.programme_id for a in audits} == {programme.pk}
    assert audits[0].history.first().history_user == qa_lead


def test_programme_assign_is_all_or_nothing(service, programme, qa_lead):
    fine = Case.objects.get(reference="T1-cin-0")
    recent = Case.objects.get(reference="T2-cin-0")
    AuditFactory(case=recent, month=dt.date(2026, 6, 1))
    with pytest.raises(DomainError) as raised:
        programme_assign(
            programme=programme,
            actor=qa_lead,
            assignments=[(fine, service["auditors"][1], ""), (recent, service["auditors"][0], "")],
        )
    assert "T2-cin-0" in raised.value.message
    assert "resample_reason" in raised.value.field_errors
    assert not Audit.objects.filter(programme=programme).exists()


def test_programme_assign_refuses_someone_who_is_not_an_auditor(service, programme, qa_lead):
    with pytest.raises(DomainError) as raised:
        programme_assign(
            programme=programme,
            actor=qa_lead,
            assignments=[(Case.objects.get(reference="T1-cin-0"), qa_lead, "")],
        )
    assert "T1-cin-0" in raised.value.message
    assert not Audit.objects.filter(programme=programme).exists()


# ---------------------------------------------------------------- pages


def programme_data(**overrides):
    tool = AuditTool.objects.get(code="case-file", version=1)
    data = {
        "month": "2026-11",
        "tool": tool.pk,
        "theme": "Section 47 enquiries",
        "audit_target": "55",
        "moderation_target": "27",
        "due_date": "30/11/2026",
    }
    return data | overrides


def test_qa_lead_opens_a_programme(client, qa_lead):
    client.force_login(qa_lead)
    html = client.get(reverse("programme_create")).content.decode()
    assert "For example, 2026-11" in html
    response = client.post(reverse("programme_create"), programme_data())
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programme_detail", args=[programme.pk])
    assert programme.month == dt.date(2026, 11, 1)
    assert (programme.audit_target, programme.moderation_target) == (55, 27)
    assert programme.due_date == dt.date(2026, 11, 30)
    assert programme.history.first().history_user == qa_lead


def test_invalid_programme_shows_an_error_summary_linked_to_each_field(client, qa_lead):
    client.force_login(qa_lead)
    response = client.post(
        reverse("programme_create"),
        programme_data(month="November", tool="", audit_target="lots", due_date="31/11/2026"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html
    assert "govuk-error-summary" in html
    for name in ("month", "tool", "audit_target", "due_date"):
        assert f'href="#id_{name}"' in html
        assert f'id="id_{name}-error"' in html
    assert not Programme.objects.exists()


def test_second_programme_for_the_same_month_and_tool_is_refused(client, qa_lead, programme):
    client.force_login(qa_lead)
    response = client.post(reverse("programme_create"), programme_data(month="2026-10"))
    assert response.status_code == 400
    assert "already has a programme that month" in response.content.decode()
    assert Programme.objects.count() == 1


def test_qa_lead_changes_the_targets(client, qa_lead, programme):
    client.force_login(qa_lead)
    url = reverse("programme_edit", args=[programme.pk])
    html = client.get(url).content.decode()
    assert 'value="30/10/2026"' in html
    response = client.post(
        url,
        {
            "theme": "Voice",
            "audit_target": "60",
            "moderation_target": "30",
            "due_date": "6/11/2026",
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.theme, programme.audit_target, programme.moderation_target) == (
        "Voice",
        60,
        30,
    )
    assert programme.due_date == dt.date(2026, 11, 6)


def test_list_shows_compliance_to_one_decimal_place(
    client, moderator, programme, django_assert_num_queries
):
    ProgrammeFactory(month=dt.date(2026, 7, 1), audit_target=0)
    programme.audit_target = 3
    programme.save()
    AuditFactory(programme=programme, status=Audit.Status.SUBMITTED)
    AuditFactory(programme=programme)
    client.force_login(moderator)
    client.get(reverse("programme_list"))  # warm the session, the groups, the inbox count
    # session, user, groups, programmes (the header's inbox count is kept: audits.inbox)
    with django_assert_num_queries(4):
        response = client.get(reverse("programme_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "33.3%" in html
    assert "October 2026" in html and "July 2026" in html
    assert "August 2026" not in html  # a month without a programme is a gap, not a zero
    assert "Create a programme" not in html


def test_qa_lead_sees_the_buttons(client, qa_lead, programme):
    client.force_login(qa_lead)
    assert "Create a programme" in client.get(reverse("programme_list")).content.decode()
    html = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "Draw a sample" in html
    assert "Add a case by reference" in html


def test_detail_shows_facts_compliance_and_assignments(client, qa_lead, programme, service):
    audit = AuditFactory(
        programme=programme, case__reference="LCS-555", status=Audit.Status.SUBMITTED
    )
    AuditFactory(programme=programme)
    client.force_login(qa_lead)
    html = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "Voice of the child" in html
    assert "1 of 8 (12.5%)" in html
    assert "LCS-555" in html and audit.auditor.username in html
    assert "<caption" in html


def test_sample_page_offers_a_seed_and_draws_the_sample(client, qa_lead, programme, service):
    client.force_login(qa_lead)
    url = reverse("programme_sample", args=[programme.pk])
    html = client.get(url).content.decode()
    assert 'name="seed"' in html and 'id="id_seed-hint"' in html
    assert 'name="size" type="text" value="8"' in html
    response = client.get(url, {"size": "8", "seed": "42", "service_area": ""})
    html = response.content.decode()
    assert response.status_code == 200
    for row in programme_case_proposals(programme=programme, size=8, seed=42):
        assert row.case.reference in html
        assert row.reason in html
    assert "Assign these 8 cases" in html
    assert '<input type="hidden" name="seed" value="42">' in html
    assert '<input type="hidden" name="assigned" value="0">' in html


def test_assigning_the_drawn_sample(client, qa_lead, programme, service):
    expected = programme_case_proposals(programme=programme, size=8, seed=42)
    client.force_login(qa_lead)
    response = client.post(
        reverse("programme_sample", args=[programme.pk]),
        {"size": "8", "seed": "42", "service_area": "", "assigned": "0"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("programme_detail", args=[programme.pk])
    assert "8 cases assigned." in response.content.decode()
    audits = Audit.objects.filter(programme=programme)
    assert {(a.case_id, a.auditor_id) for a in audits} == {
        (row.case.pk, row.auditor.pk) for row in expected
    }
    assert {a.status for a in audits} == {Audit.Status.ASSIGNED}


def test_pressing_assign_twice_assigns_one_sample(client, qa_lead, programme, service):
    client.force_login(qa_lead)
    url = reverse("programme_sample", args=[programme.pk])
    data = {"size": "8", "seed": "42", "service_area": "", "assigned": "0"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was assigned" in html
    assert '<input type="hidden" name="assigned" value="8">' in html  # a fresh draw to confirm
    assert Audit.objects.filter(programme=programme).count() == 8


def test_a_sample_that_can_no_longer_be_assigned_assigns_nothing(
    client, qa_lead, programme, service
):
    # With no active auditor, the redrawn sample proposes nobody: the whole POST is refused.
    for manager in service["auditors"]:
        manager.is_active = False
        manager.save()
    client.force_login(qa_lead)
    response = client.post(
        reverse("programme_sample", args=[programme.pk]),
        {"size": "3", "seed": "1", "service_area": "", "assigned": "0"},
    )
    assert response.status_code == 400
    assert "Nothing was assigned. Case " in response.content.decode()
    assert not Audit.objects.filter(programme=programme).exists()


def test_invalid_sample_request_shows_errors(client, qa_lead, programme, service):
    client.force_login(qa_lead)
    response = client.get(
        reverse("programme_sample", args=[programme.pk]), {"size": "0", "seed": "x"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_size"' in html and 'href="#id_seed"' in html
    assert "Assign these" not in html


def test_adding_a_recently_audited_case_needs_a_reason(client, qa_lead, programme, service):
    case = Case.objects.get(reference="T1-cin-0")
    AuditFactory(case=case, month=dt.date(2026, 3, 1))
    auditor = service["auditors"][2]
    client.force_login(qa_lead)
    url = reverse("programme_add_case", args=[programme.pk])
    response = client.post(url, {"reference": "t1-cin-0", "auditor": auditor.pk})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html
    assert 'href="#id_resample_reason"' in html
    assert 'id="id_resample_reason-error"' in html
    assert not Audit.objects.filter(programme=programme).exists()

    response = client.post(
        url,
        {"reference": "T1-cin-0", "auditor": auditor.pk, "resample_reason": "Re-referred."},
    )
    assert response.status_code == 302
    audit = Audit.objects.get(programme=programme)
    assert (audit.case, audit.auditor, audit.resample_reason) == (case, auditor, "Re-referred.")
    assert audit.due_date == programme.due_date


def test_adding_an_unknown_case_says_so(client, qa_lead, programme, service):
    client.force_login(qa_lead)
    response = client.post(
        reverse("programme_add_case", args=[programme.pk]),
        {"reference": "NOPE-1", "auditor": service["auditors"][0].pk},
    )
    assert response.status_code == 400
    assert 'href="#id_reference"' in response.content.decode()


def test_adding_a_case_twice_is_refused_on_the_reference(client, qa_lead, programme, service):
    client.force_login(qa_lead)
    url = reverse("programme_add_case", args=[programme.pk])
    data = {"reference": "T1-cin-0", "auditor": service["auditors"][2].pk}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data | {"resample_reason": "Again."})
    assert response.status_code == 400
    assert 'id="id_reference-error"' in response.content.decode()


QA_LEAD_PAGES = [
    ("get", "programme_create", False),
    ("post", "programme_create", False),
    ("get", "programme_edit", True),
    ("post", "programme_edit", True),
    ("get", "programme_sample", True),
    ("post", "programme_sample", True),
    ("post", "programme_add_case", True),
]


def url_for(name, with_id, programme):
    return reverse(name, args=[programme.pk] if with_id else [])


@pytest.mark.parametrize("role", ["auditor", "viewer", "moderator"])
@pytest.mark.parametrize(("method", "name", "with_id"), QA_LEAD_PAGES)
def test_only_a_qa_lead_configures_programmes(
    client, request, programme, role, method, name, with_id
):
    client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url_for(name, with_id, programme))
    assert response.status_code == 403
    assert Programme.objects.count() == 1
    assert not Audit.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "moderator", "qa_lead"])
@pytest.mark.parametrize(
    ("name", "with_id"), [("programme_list", False), ("programme_detail", True)]
)
def test_those_who_plan_audit_or_moderate_read_programmes(
    client, request, programme, role, name, with_id
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(url_for(name, with_id, programme))
    assert response.status_code == 200
    assert "Draw a sample" not in response.content.decode() or role == "qa_lead"


def test_no_role_no_programmes(client, programme, team):
    client.force_login(UserFactory(username="nobody", team=team))
    assert client.get(reverse("programme_list")).status_code == 403
    assert client.get(reverse("programme_detail", args=[programme.pk])).status_code == 404


@pytest.mark.parametrize(
    ("method", "name", "with_id"),
    [("get", "programme_list", False), ("get", "programme_detail", True), *QA_LEAD_PAGES],
)
def test_anonymous_is_sent_to_sign_in(client, programme, method, name, with_id):
    response = getattr(client, method)(url_for(name, with_id, programme))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_assignments_table_shows_only_what_the_role_may_read(client, programme, auditor, team):
    own = AuditFactory(programme=programme, auditor=auditor, case__team=team)
    other = AuditFactory(programme=programme)
    client.force_login(auditor)
    html = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert own.case.reference in html
    assert other.case.reference not in html
    assert "You can see 1 of the 2 assignments" in html


@pytest.mark.parametrize(
    ("name", "with_id"), [("programme_list", False), ("programme_detail", True)]
)
def test_a_head_of_service_is_not_shown_the_authority_wide_programmes(
    client, api_client, viewer, programme, name, with_id
):
    """Issue 12, snag 25: the targets and assignments are the whole authority's; a head of
    service follows their own areas in the reports."""
    client.force_login(viewer)
    response = client.get(url_for(name, with_id, programme))
    assert response.status_code == 403
    assert str(programme.audit_target) not in response.content.decode().split("<main")[-1]
    api_client.force_login(viewer)
    assert api_client.get("/api/programmes/").status_code == 403
    assert api_client.get(f"/api/programmes/{programme.pk}/").status_code == 403


def test_the_menu_offers_programmes_and_my_audits_to_those_who_use_them(
    client, viewer, auditor, moderator, qa_lead
):
    """Issue 12, snag 25: a head of service's menu has neither My audits nor Programmes."""
    programmes, mine = reverse("programme_list"), reverse("my_audits")
    expected = {
        viewer: (False, False),
        auditor: (True, True),
        moderator: (True, False),
        qa_lead: (True, False),
    }
    for user, (has_programmes, has_mine) in expected.items():
        client.force_login(user)
        html = client.get(reverse("inbox")).content.decode()
        assert (f'href="{programmes}"' in html) is has_programmes, user
        assert (f'href="{mine}"' in html) is has_mine, user


def test_a_programme_refuses_more_moderations_than_audits_and_a_due_date_before_its_month(
    client, api_client, qa_lead, programme
):
    """Issue 12, snag 15: a moderation target above the audit target (moderators sample the
    audits returned) and a due date before the programme's month were taken."""
    before = (programme.moderation_target, programme.due_date)
    client.force_login(qa_lead)
    response = client.post(
        reverse("programme_create"),
        programme_data(audit_target="20", moderation_target="21", due_date="31/10/2026"),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_moderation_target"' in html and 'href="#id_due_date"' in html
    assert "cannot be more than the audit target (20)" in html
    assert "cannot be before the programme&#x27;s month" in html
    assert not Programme.objects.exclude(pk=programme.pk).exists()
    edit = client.post(
        reverse("programme_edit", args=[programme.pk]),
        {"theme": "", "audit_target": "10", "moderation_target": "11", "due_date": "30/9/2026"},
    )
    assert edit.status_code == 400
    api_client.force_authenticate(qa_lead)
    answer = api_client.patch(
        f"/api/programmes/{programme.pk}/", {"moderation_target": 11}, format="json"
    )
    assert answer.status_code == 400
    assert "moderation_target" in answer.json()
    programme.refresh_from_db()
    assert (programme.moderation_target, programme.due_date) == before


def test_moving_a_programmes_due_date_moves_its_open_assignments_with_it(
    client, qa_lead, programme, auditor, team
):
    """Issue 12, snag 15: changing a programme's due date left its assignments due on the old
    date. The audits still to do that were due with the programme follow it (each change in
    its history, by the QA lead); a submitted audit, and one given a date of its own, keep
    theirs."""
    old = programme.due_date
    new = old + dt.timedelta(days=7)
    own_date = old + dt.timedelta(days=3)

    def assigned(status=Audit.Status.ASSIGNED, due=old):
        return AuditFactory(
            programme=programme,
            month=programme.month,
            auditor=auditor,
            case__team=team,
            status=status,
            due_date=due,
        )

    follow = [assigned(), assigned(status=Audit.Status.IN_PROGRESS)]
    stay = [assigned(status=Audit.Status.SUBMITTED), assigned(due=own_date)]
    client.force_login(qa_lead)
    response = client.post(
        reverse("programme_edit", args=[programme.pk]),
        {
            "theme": programme.theme,
            "audit_target": str(programme.audit_target),
            "moderation_target": str(programme.moderation_target),
            "due_date": f"{new.day}/{new.month}/{new.year}",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    for audit in follow:
        audit.refresh_from_db()
        assert audit.due_date == new
        last = audit.history.first()
        assert last.history_user == qa_lead and last.due_date == new
    assert [Audit.objects.get(pk=a.pk).due_date for a in stay] == [old, own_date]
