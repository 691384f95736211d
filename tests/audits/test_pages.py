import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Audit, DomainGrade
from flows.audits import audit_submit
from tests.factories import action_due, complete_content


def form_data(audit, *, intent, grade="G", overall="G", evidence=True, version=None):
    data = {
        "intent": intent,
        "version": version or audit.version,
        "overall": overall,
        "working_well": "Visits are regular.",
    }
    for domain in audit.tool.domains.all():
        data[f"grade_{domain.code}"] = grade
        data[f"evidence_{domain.code}"] = f"Evidence for {domain.code}" if evidence else ""
    return data


def test_sign_in_required(client, audit):
    response = client.get(reverse("audit_edit", args=[audit.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_audits_lists_what_is_to_do_and_overdue(client, auditor, audit):
    client.force_login(auditor)
    response = client.get(reverse("my_audits"))
    html = response.content.decode()
    assert response.status_code == 200
    assert audit.case.reference in html
    assert "Overdue" in html  # the factory's due date is in October 2026, before today


def test_form_shows_descriptors_beside_the_grades(client, auditor, audit):
    client.force_login(auditor)
    html = client.get(reverse("audit_edit", args=[audit.pk])).content.decode()
    plan = audit.tool.domains.get(code="plan")
    assert plan.descriptor_good in html
    assert 'name="grade_review" type="radio" value="NA"' in html or 'value="NA"' in html


def test_save_draft_then_come_back(client, auditor, audit):
    client.force_login(auditor)
    data = form_data(audit, intent="save", evidence=False)
    response = client.post(reverse("audit_edit", args=[audit.pk]), data)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS
    html = client.get(reverse("audit_edit", args=[audit.pk])).content.decode()
    assert f'name="version" value="{audit.version}"' in html


def test_submit_with_gaps_shows_an_error_summary_linked_to_each_field(client, auditor, audit):
    client.force_login(auditor)
    data = form_data(audit, intent="submit", evidence=False)
    response = client.post(reverse("audit_edit", args=[audit.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html
    assert "govuk-error-summary" in html
    for domain in audit.tool.domains.all():
        assert f'href="#id_evidence_{domain.code}"' in html
    audit.refresh_from_db()
    assert audit.status != Audit.Status.SUBMITTED


def test_submit_complete_audit(client, auditor, audit):
    client.force_login(auditor)
    response = client.post(
        reverse("audit_edit", args=[audit.pk]), form_data(audit, intent="submit")
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == Audit.Status.SUBMITTED
    assert set(DomainGrade.objects.filter(audit=audit).values_list("grade", flat=True)) == {"G"}


def test_stale_draft_is_refused_not_overwritten(client, auditor, audit):
    client.force_login(auditor)
    client.post(
        reverse("audit_edit", args=[audit.pk]),
        form_data(audit, intent="save", overall="RI", version=1),
    )
    response = client.post(
        reverse("audit_edit", args=[audit.pk]),
        form_data(audit, intent="save", overall="I", version=1),
    )
    assert response.status_code == 400
    assert "saved by someone else" in response.content.decode()
    audit.refresh_from_db()
    assert audit.overall == "RI"


def test_submitted_audit_cannot_be_edited(client, auditor, audit):
    audit_submit(audit=audit, actor=auditor, version=1, content=complete_content(audit.tool))
    client.force_login(auditor)
    response = client.post(
        reverse("audit_edit", args=[audit.pk]), form_data(audit, intent="save", grade="I")
    )
    assert response.status_code == 302
    assert set(DomainGrade.objects.filter(audit=audit).values_list("grade", flat=True)) == {"G"}


def test_read_only_page_shows_grades_and_evidence(client, auditor, audit):
    audit_submit(audit=audit, actor=auditor, version=1, content=complete_content(audit.tool))
    client.force_login(auditor)
    html = client.get(reverse("audit_detail", args=[audit.pk])).content.decode()
    assert "Evidence for plan." in html
    assert "Continue the audit" not in html


def test_action_added_and_closed(client, auditor, audit):
    client.force_login(auditor)
    response = client.post(
        reverse("action_add", args=[audit.pk]),
        {
            "description": "Update the plan",
            "owner": "Social worker",
            "due_date": action_due(page=True),
        },
    )
    assert response.status_code == 302
    action = audit.actions.get()
    client.post(reverse("action_status", args=[action.pk]), {"status": "done"})
    action.refresh_from_db()
    assert action.status == "done"
    assert action.completed_at is not None


def test_action_with_bad_date_shows_error(client, auditor, audit):
    client.force_login(auditor)
    response = client.post(
        reverse("action_add", args=[audit.pk]),
        {"description": "Update the plan", "owner": "", "due_date": "31/13/2026"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_owner_person"' in html and 'href="#id_due_date"' in html
    assert not audit.actions.exists()


def test_a_colleague_starts_a_blank_reaudit(client, auditor, same_team_auditor, audit):
    audit_submit(
        audit=audit,
        actor=auditor,
        version=1,
        content=complete_content(audit.tool, grade="RI", overall="RI"),
    )
    Audit.objects.filter(pk=audit.pk).update(submitted_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(same_team_auditor)
    response = client.post(reverse("audit_reaudit", args=[audit.pk]), {"resample_reason": ""})
    assert response.status_code == 302
    reaudit = Audit.objects.get(re_audit_of=audit)
    assert reaudit.kind == Audit.Kind.RE_AUDIT
    assert reaudit.auditor == same_team_auditor
    assert reaudit.overall == "" and not reaudit.working_well
    assert set(reaudit.grades.values_list("grade", flat=True)) == {""}
    assert reaudit.status == Audit.Status.ASSIGNED
    assert reaudit.due_date is not None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("other_team_auditor", 404),
        ("same_team_auditor", 404),  # a colleague's draft is not theirs to read
        ("moderator", 404),  # moderators read submitted audits only
        ("viewer", 403),  # in scope: may read, may not change
        ("qa_lead", 403),
    ],
)
def test_only_the_auditor_edits(client, request, audit, name, expected):
    client.force_login(request.getfixturevalue(name))
    response = client.get(reverse("audit_edit", args=[audit.pk]))
    assert response.status_code == expected


def test_audit_list_with_a_bad_filter_shows_an_error_summary(client, qa_lead, audit):
    client.force_login(qa_lead)
    page = client.get("/audits/", {"reaudit": "maybe", "month_from": "2026-13"})
    html = page.content.decode()
    assert "<title>Error: All audits" in html
    assert "There is a problem" in html
    assert 'href="#id_month_from"' in html
    assert "Select a valid choice" in html
    fine = client.get("/audits/", {"reaudit": "no"}).content.decode()
    assert "There is a problem" not in fine and "<title>All audits" in fine


def test_submit_shows_every_error_at_once_escalation_and_missing_evidence(client, auditor, audit):
    """Issue 12, snag 12: an escalation ticked on a Good audit used to hide the missing
    evidence, which appeared only on the next submit."""
    client.force_login(auditor)
    data = form_data(audit, intent="submit", evidence=False)
    data.update(escalated="on", escalation_reason="Needs a response.")
    response = client.post(reverse("audit_edit", args=[audit.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_escalated"' in html
    for domain in audit.tool.domains.all():
        assert f'href="#id_evidence_{domain.code}"' in html
    audit.refresh_from_db()
    assert audit.status != Audit.Status.SUBMITTED


def test_the_form_costs_six_queries_however_many_domains_it_has(
    client, auditor, audit, django_assert_num_queries
):
    """The draft's grades come with their domains in one query (was one more per domain)."""
    client.force_login(auditor)
    url = reverse("audit_edit", args=[audit.pk])
    response = client.post(url, form_data(audit, intent="save"))
    assert response.status_code == 302
    client.get(url)  # the "Draft saved" message shown, the header's count after their change
    assert audit.grades.exclude(grade="").count() == audit.tool.domains.count() > 3
    # The session, the user, their roles, the audit, the tool's domains, the draft's grades.
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
