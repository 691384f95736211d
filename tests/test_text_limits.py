"""Free text has one limit per field, held by the services, so pages, API and importer share it.

A 15 MiB narrative was once saved through the audit page, and the history keeps a copy of each
save. Every refusal names the field and the limit, and nothing is saved.
"""

import datetime as dt

import pytest
from django.urls import reverse

from core import limits
from core.errors import DomainError
from core.models import Audit
from moderation.models import Escalation, Moderation
from moderation.services.claims import moderation_claim
from moderation.services.imported import ImportedModeration, moderation_record_imported
from tests.factories import action_due, moderation_content

pytestmark = pytest.mark.django_db


def over(limit: int) -> str:
    return "x" * (limit + 1)


def audit_form(audit, **fields):
    data = {"intent": "save", "version": audit.version, "overall": "G"}
    for domain in audit.tool.domains.all():
        data[f"grade_{domain.code}"] = "G"
        data[f"evidence_{domain.code}"] = "Seen on file."
    return {**data, **fields}


def test_the_audit_page_refuses_a_narrative_and_an_evidence_over_the_limit_naming_each(
    client, auditor, audit
):
    client.force_login(auditor)
    response = client.post(
        reverse("audit_edit", args=[audit.pk]),
        audit_form(
            audit, worried_about=over(limits.NARRATIVE), evidence_plan=over(limits.EVIDENCE)
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_worried_about"' in html and 'href="#id_evidence_plan"' in html
    assert "What we are worried about is 20,001 characters long" in html
    assert "at most 20,000 characters" in html and "at most 10,000 characters" in html
    audit.refresh_from_db()
    assert audit.version == 1 and audit.worried_about == ""


def test_the_audit_page_keeps_a_narrative_at_the_limit_counting_a_line_break_once(
    client, auditor, audit
):
    client.force_login(auditor)
    text = "a\r\n" * (limits.NARRATIVE // 2)  # 20,000 characters as typed; 30,000 as sent
    response = client.post(
        reverse("audit_edit", args=[audit.pk]), audit_form(audit, worried_about=text)
    )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.worried_about.startswith("a\r\na")


def test_the_audit_page_says_each_limit_in_its_hint(client, auditor, audit):
    client.force_login(auditor)
    html = client.get(reverse("audit_edit", args=[audit.pk])).content.decode()
    assert "Up to 20,000 characters." in html and "Up to 10,000 characters." in html


def test_the_audit_api_refuses_evidence_over_the_limit(api_client, auditor, audit):
    api_client.force_login(auditor)
    body = {"version": 1, "grades": {"plan": {"grade": "G", "evidence": over(limits.EVIDENCE)}}}
    response = api_client.patch(f"/api/audits/{audit.pk}/", body, format="json")
    assert response.status_code == 400
    assert "evidence" in response.json()["grades"]["plan"]


def test_the_service_refuses_over_long_text_whatever_the_channel(audit, auditor):
    from core.services.audits import AuditContent, audit_save_draft

    content = AuditContent(
        family_feedback=over(limits.FAMILY_FEEDBACK),
        grades={"plan": ("G", over(limits.EVIDENCE))},
    )
    with pytest.raises(DomainError) as refused:
        audit_save_draft(audit=audit, actor=auditor, version=audit.version, content=content)
    assert set(refused.value.field_errors) == {"family_feedback", "evidence_plan"}
    plan = audit.tool.domains.get(code="plan")
    assert refused.value.field_errors["evidence_plan"][0].startswith(
        f"The evidence for {plan.title} is 10,001 characters long"
    )
    assert Audit.objects.get(pk=audit.pk).version == audit.version


def test_the_action_page_refuses_a_description_over_the_limit(client, auditor, audit):
    client.force_login(auditor)
    response = client.post(
        reverse("action_add", args=[audit.pk]),
        {
            "description": over(limits.ACTION_DESCRIPTION),
            "owner": "Social worker",
            "due_date": action_due(page=True),
        },
    )
    assert response.status_code == 400
    assert 'href="#id_description"' in response.content.decode()
    assert not audit.actions.exists()


def moderation_form(claimed, **fields):
    data = {"intent": "save", "version": claimed.version, "overall": "G", "summary": "Fine."}
    for domain in claimed.audit.tool.domains.all():
        data[f"grade_{domain.code}"] = "G"
        data[f"rationale_{domain.code}"] = "Agreed."
    return {**data, **fields}


def test_the_moderation_page_refuses_a_summary_and_a_rationale_over_the_limit(
    client, moderator, moderation
):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:detail", args=[claimed.pk]),
        moderation_form(
            claimed, summary=over(limits.SUMMARY), rationale_plan=over(limits.RATIONALE)
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_summary"' in html and 'href="#id_rationale_plan"' in html
    assert "The summary is 20,001 characters long" in html
    assert Moderation.objects.get(pk=claimed.pk).summary == ""


def test_the_rework_page_refuses_a_comment_over_the_limit(client, moderator, moderation):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:return", args=[claimed.pk]),
        {"version": claimed.version, "rework_comment": over(limits.REWORK_COMMENT)},
    )
    assert response.status_code == 400
    assert 'href="#id_rework_comment"' in response.content.decode()
    assert Moderation.objects.get(pk=claimed.pk).status == Moderation.Status.CLAIMED


def test_the_escalation_page_refuses_a_response_over_the_limit(
    client, moderation, moderator, viewer
):
    from flows.moderation import moderation_complete

    claimed = moderation_claim(actor=moderator, moderation=moderation)
    content = moderation_content(
        claimed.audit.tool, grade="I", overall="I", escalated=True, escalation_reason="Drift."
    )
    moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )
    escalation = Escalation.objects.get(moderation=claimed)
    client.force_login(viewer)
    url = reverse("moderation:escalation", args=[escalation.pk])
    response = client.post(url, {"response": over(limits.ESCALATION_RESPONSE)})
    assert response.status_code == 400
    assert 'href="#id_response"' in response.content.decode()
    assert Escalation.objects.get(pk=escalation.pk).status == Escalation.Status.OPEN


def test_an_imported_moderation_summary_over_the_limit_is_refused(submitted, moderator, qa_lead):
    record = ImportedModeration(
        moderator=moderator,
        moderated_on=dt.date(2026, 1, 15),
        overall="G",
        escalated=False,
        grades={},
        summary=over(limits.SUMMARY),
    )
    with pytest.raises(DomainError) as refused:
        moderation_record_imported(actor=qa_lead, audit=submitted, record=record)
    assert "summary" in refused.value.field_errors
