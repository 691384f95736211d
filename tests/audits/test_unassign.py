"""Feature 4's other half: a QA lead takes open audits off their auditor (someone left, nobody
is picked yet), one or many, with a reason in each audit's history. An unassigned audit stays
in its programme, is written by nobody until given to someone, is counted as not returned,
and the QA lead finds it (the audit list's "Unassigned", the programme's count) to give it an
owner through the same reassign page or API."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from audits.inbox import inbox_count, inbox_for_user
from core.errors import DomainError
from core.models import Audit
from core.services.assignments import audits_reassign
from core.services.audits import audit_submit_record
from moderation.history import grade_changes_for_audit
from moderation.notifications import audits_due_soon_send
from reporting.selectors.monthly import monthly_report_for_user
from tests.factories import AuditFactory, ProgrammeFactory, complete_content

pytestmark = pytest.mark.django_db

UNASSIGNED = "(unassigned)"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _name(user) -> str:
    return user.get_full_name() or user.username


@pytest.fixture
def programme():
    return ProgrammeFactory()


@pytest.fixture
def programme_audits(auditor, team, programme):
    return [AuditFactory(auditor=auditor, case__team=team, programme=programme) for _ in range(3)]


def _unassign(qa_lead, audits, reason="Left the authority") -> list[Audit]:
    return audits_reassign(actor=qa_lead, audit_ids=[a.pk for a in audits], to=None, reason=reason)


# ---------------------------------------------------------------- the service


def test_unassigning_many_leaves_them_without_an_auditor_with_who_when_from_whom_and_why(
    qa_lead, auditor, programme_audits
):
    _unassign(qa_lead, programme_audits, reason="Left in November")
    for audit in programme_audits:
        audit.refresh_from_db()
        assert audit.auditor is None and audit.is_unassigned()
        assert audit.programme_id is not None  # still in its programme, still expected
        assert audit.status == Audit.Status.ASSIGNED
        last = audit.history.first()
        assert (last.history_user, last.history_change_reason) == (qa_lead, "Left in November")
        assert last.prev_record.auditor_id == auditor.pk
        moved = [c for c in grade_changes_for_audit(audit=audit) if c.what == "Assigned to"][-1]
        assert (moved.who, moved.before, moved.after, moved.reason) == (
            _name(qa_lead),
            _name(auditor),
            "Unassigned",
            "Left in November",
        )


def test_unassigning_one_in_progress_keeps_its_draft_for_whoever_takes_it(qa_lead, auditor, audit):
    Audit.objects.filter(pk=audit.pk).update(
        status=Audit.Status.IN_PROGRESS, working_well="Visits."
    )
    version = Audit.objects.get(pk=audit.pk).version
    _unassign(qa_lead, [audit])
    audit.refresh_from_db()
    assert (audit.auditor, audit.status, audit.working_well) == (
        None,
        Audit.Status.IN_PROGRESS,
        "Visits.",
    )
    assert audit.version == version + 1  # a tab still open on the old draft saves as stale


def test_a_submitted_or_returned_audit_cannot_be_unassigned_and_nothing_moves(
    qa_lead, auditor, audit, submitted
):
    for closed in (Audit.Status.SUBMITTED, Audit.Status.RETURNED):
        Audit.objects.filter(pk=submitted.pk).update(status=closed)
        with pytest.raises(DomainError) as refused:
            _unassign(qa_lead, [audit, submitted])
        assert submitted.case.reference in refused.value.field_errors["ids"][0]
        audit.refresh_from_db()
        assert audit.auditor == auditor  # all or none
    submitted.refresh_from_db()
    assert submitted.auditor == auditor


def test_only_a_qa_lead_unassigns_and_a_reason_is_required(
    qa_lead, auditor, moderator, viewer, audit
):
    for who in (auditor, moderator, viewer):
        with pytest.raises(PermissionDenied):
            _unassign(who, [audit])
    with pytest.raises(DomainError) as refused:
        _unassign(qa_lead, [audit], reason="   ")
    assert refused.value.field_errors["reason"]
    audit.refresh_from_db()
    assert audit.auditor == auditor


def test_an_unassigned_audit_is_written_by_nobody_and_leaves_its_former_auditors_inbox(
    qa_lead, auditor, audit
):
    edit = reverse("audit_edit", args=[audit.pk])
    own, _team = inbox_for_user(user=auditor)
    assert any(edit == item.url for section in own for item in section.items)
    _unassign(qa_lead, [audit])
    own, _team = inbox_for_user(user=auditor)
    assert not any(edit == item.url for section in own for item in section.items)
    assert _client(auditor).get(edit).status_code == 404
    assert _client(auditor).get(audit.get_absolute_url()).status_code == 404
    assert _client(qa_lead).get(edit).status_code == 403  # the QA lead reads, nobody writes
    response = _client(auditor).patch(
        f"/api/audits/{audit.pk}/", {"working_well": "Mine", "version": 2}, format="json"
    )
    assert response.status_code == 404
    audit.refresh_from_db()
    assert audit.working_well == ""
    with pytest.raises(DomainError):  # and the record refuses a submission without an auditor
        audit_submit_record(
            audit=audit, actor=auditor, version=None, content=complete_content(audit.tool)
        )
    audit.refresh_from_db()
    assert audit.status == Audit.Status.ASSIGNED


def test_the_report_counts_an_unassigned_audit_as_expected_and_not_returned(
    qa_lead, programme_audits, submitted
):
    month = programme_audits[0].month.strftime("%Y-%m")
    before = monthly_report_for_user(user=qa_lead, filters={"month": month})
    _unassign(qa_lead, programme_audits[:2])
    after = monthly_report_for_user(user=qa_lead, filters={"month": month})
    assert after["audits"] == before["audits"]
    assert after["by_area"] == before["by_area"]
    assert after["audits"]["assigned"] > after["audits"]["returned"]


# ---------------------------------------------------------------- finding them


def test_the_audit_list_filters_unassigned_audits_and_says_so(
    qa_lead, auditor, programme_audits, submitted
):
    _unassign(qa_lead, programme_audits[:2])
    client = _client(qa_lead)
    page = client.get(reverse("audit_list"), {"auditor": UNASSIGNED})
    assert page.status_code == 200
    text = page.content.decode()
    for audit in programme_audits[:2]:
        assert audit.case.reference in text
    for audit in (programme_audits[2], submitted):
        assert audit.case.reference not in text
    assert "Unassigned" in text
    assert f'value="{UNASSIGNED}" selected' in text
    api = client.get("/api/audits/", {"auditor": UNASSIGNED})
    assert api.status_code == 200
    rows = api.json()["results"]
    assert sorted(row["id"] for row in rows) == sorted(a.pk for a in programme_audits[:2])
    assert {row["auditor"] for row in rows} == {None}
    detail = client.get(f"/api/audits/{programme_audits[0].pk}/")
    assert detail.status_code == 200 and detail.json()["auditor"] is None


def test_the_programme_pages_count_unassigned_audits_and_link_to_them(
    qa_lead, programme, programme_audits
):
    _unassign(qa_lead, programme_audits[:2])
    client = _client(qa_lead)
    listing = f"{reverse('audit_list')}?programme={programme.pk}&amp;auditor=%28unassigned%29"
    detail = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "2 unassigned" in detail
    assert listing in detail
    assert f"{reverse('reassign')}?person=unassigned" in detail
    assert "Unassigned" in detail  # in the assignments table's auditor column
    programmes = client.get(reverse("programme_list")).content.decode()
    assert "2 unassigned" in programmes
    filtered = client.get(reverse("audit_list"), {"programme": programme.pk, "auditor": UNASSIGNED})
    text = filtered.content.decode()
    assert all(a.case.reference in text for a in programme_audits[:2])
    assert programme_audits[2].case.reference not in text


def test_the_audit_page_says_unassigned_and_offers_to_assign_it(qa_lead, audit):
    _unassign(qa_lead, [audit])
    text = _client(qa_lead).get(audit.get_absolute_url()).content.decode()
    assert "Unassigned" in text
    assert f"{reverse('reassign')}?audit={audit.pk}" in text


# ---------------------------------------------------------------- the page


def test_a_qa_lead_unassigns_on_the_page_then_assigns_them_again(
    qa_lead, auditor, same_team_auditor, programme_audits
):
    client = _client(qa_lead)
    page = client.get(reverse("reassign"), {"person": auditor.pk})
    assert "Nobody: leave them unassigned" in page.content.decode()
    response = client.post(
        reverse("reassign") + f"?person={auditor.pk}",
        {"audits": [a.pk for a in programme_audits], "auditor": "none", "reason": "Left"},
    )
    assert response.status_code == 302
    assert Audit.objects.filter(pk__in=[a.pk for a in programme_audits], auditor=None).count() == 3
    page = client.get(reverse("reassign"), {"person": "unassigned"})
    text = page.content.decode()
    assert page.status_code == 200
    assert all(a.case.reference in text for a in programme_audits)
    response = client.post(
        reverse("reassign") + "?person=unassigned",
        {
            "audits": [a.pk for a in programme_audits],
            "auditor": same_team_auditor.pk,
            "reason": "Taken over by the deputy",
        },
    )
    assert response.status_code == 302
    for audit in programme_audits:
        audit.refresh_from_db()
        assert audit.auditor == same_team_auditor
        moved = [c for c in grade_changes_for_audit(audit=audit) if c.what == "Assigned to"][-1]
        assert (moved.before, moved.after, moved.reason) == (
            "Unassigned",
            _name(same_team_auditor),
            "Taken over by the deputy",
        )
    edit = reverse("audit_edit", args=[programme_audits[0].pk])
    assert _client(same_team_auditor).get(edit).status_code == 200


def test_the_page_names_what_is_missing_and_refuses_a_submitted_audit_all_or_none(
    qa_lead, auditor, audit, submitted
):
    client = _client(qa_lead)
    response = client.post(
        reverse("reassign") + f"?audit={audit.pk}&audit={submitted.pk}",
        {"audits": [audit.pk, submitted.pk], "auditor": "none"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#id_reason"' in text
    response = client.post(
        reverse("reassign") + f"?audit={audit.pk}&audit={submitted.pk}",
        {"audits": [audit.pk, submitted.pk], "auditor": "none", "reason": "Left"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'href="#id_audits"' in text and submitted.case.reference in text
    audit.refresh_from_db()
    assert audit.auditor == auditor


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_only_a_qa_lead_unassigns_on_the_page(request, who, audit, auditor):
    user = request.getfixturevalue(who)
    response = _client(user).post(
        reverse("reassign"), {"audits": [audit.pk], "auditor": "none", "reason": "Left"}
    )
    assert response.status_code == 403
    audit.refresh_from_db()
    assert audit.auditor == auditor


# ---------------------------------------------------------------- the API


def test_the_api_unassigns_with_null_and_assigns_again(
    qa_lead, auditor, same_team_auditor, programme_audits
):
    client = _client(qa_lead)
    ids = [a.pk for a in programme_audits]
    response = client.post(
        "/api/audits/reassign/", {"ids": ids, "to": None, "reason": "Left"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"reassigned": ids, "to": None}
    assert Audit.objects.filter(pk__in=ids, auditor=None).count() == len(ids)
    response = client.post(
        "/api/audits/reassign/",
        {"ids": ids, "to": same_team_auditor.username, "reason": "New starter"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Audit.objects.filter(pk__in=ids, auditor=same_team_auditor).count() == len(ids)


def test_the_api_answers_400_per_field_and_changes_nothing(qa_lead, auditor, audit, submitted):
    client = _client(qa_lead)
    response = client.post(
        "/api/audits/reassign/",
        {"ids": [audit.pk, submitted.pk], "to": None, "reason": "Left"},
        format="json",
    )
    assert response.status_code == 400
    assert submitted.case.reference in response.json()["ids"][0]
    response = client.post(
        "/api/audits/reassign/", {"ids": [audit.pk], "to": None, "reason": ""}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    audit.refresh_from_db()
    assert audit.auditor == auditor


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_the_api_refuses_to_unassign_for_anyone_but_a_qa_lead(request, who, audit, auditor):
    user = request.getfixturevalue(who)
    response = _client(user).post(
        "/api/audits/reassign/", {"ids": [audit.pk], "to": None, "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    audit.refresh_from_db()
    assert audit.auditor == auditor


# ---------------------------------------------------------------- what reads the auditor


def test_the_list_download_names_an_unassigned_audit_so(qa_lead, audit, submitted):
    _unassign(qa_lead, [audit])
    response = _client(qa_lead).get(reverse("audit_list_csv"), {"auditor": UNASSIGNED})
    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2  # the headings and the one unassigned audit
    assert audit.case.reference in lines[1] and "Unassigned" in lines[1]


def test_nobody_is_reminded_of_an_unassigned_audit_due_soon(qa_lead, auditor, team, mailoutbox):
    due = [
        AuditFactory(auditor=auditor, case__team=team, due_date=dt.date(2026, 10, 29))
        for _ in range(2)
    ]
    _unassign(qa_lead, due[:1])
    assert audits_due_soon_send(today=dt.date(2026, 10, 27)) == 1
    assert [message.to for message in mailoutbox] == [[auditor.email]]
    assert due[1].case.reference in mailoutbox[0].subject


def test_a_qa_leads_inbox_lists_the_audits_nobody_holds_apart_and_uncounted(qa_lead, audit):
    count = inbox_count(user=qa_lead)
    _own, team = inbox_for_user(user=qa_lead)
    assert not {s.key: s.items for s in team}.get("unassigned")
    _unassign(qa_lead, [audit])
    _own, team = inbox_for_user(user=qa_lead)
    items = {s.key: s.items for s in team}["unassigned"]
    assert [(i.reference, i.url) for i in items] == [
        (audit.case.reference, f"{reverse('reassign')}?audit={audit.pk}")
    ]
    assert inbox_count(user=qa_lead) == count
    page = _client(qa_lead).get(reverse("inbox")).content.decode()
    assert "Audits nobody holds" in page and audit.case.reference in page


def test_adding_an_unassigned_case_to_its_programme_gives_that_audit_to_the_auditor(
    qa_lead, same_team_auditor, programme, programme_audits
):
    audit = programme_audits[0]
    _unassign(qa_lead, [audit])
    response = _client(qa_lead).post(
        reverse("programme_add_case", args=[programme.pk]),
        {"reference": audit.case.reference, "auditor": same_team_auditor.pk},
    )
    assert response.status_code == 302
    assert Audit.objects.filter(case=audit.case, programme=programme).count() == 1
    audit.refresh_from_db()
    assert audit.auditor == same_team_auditor
    moved = [c for c in grade_changes_for_audit(audit=audit) if c.what == "Assigned to"][-1]
    assert (moved.who, moved.before, moved.after) == (
        _name(qa_lead),
        "Unassigned",
        _name(same_team_auditor),
    )
    assert moved.reason == "Assigned in the programme"
