import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.models import Audit, AuditTool, Domain
from core.months import months_before
from core.services.audits import audit_create, recently_audited
from core.services.tools import tool_new_version
from flows.audits import audit_submit
from tests.audits.import_rows import CASE_FILE_DOMAINS
from tests.factories import CaseFactory, case_file_tool, complete_content


def test_shipped_tools(db):
    tool = case_file_tool()
    assert list(tool.domains.values_list("code", flat=True)) == CASE_FILE_DOMAINS
    assert tool.offers_outstanding
    assert all(d.descriptor_good and d.descriptor_inadequate for d in tool.domains.all())
    foster = AuditTool.objects.get(code="foster-carer")
    assert foster.domains.count() >= 5
    assert [v for v, _ in foster.grade_choices()] == ["G", "RI", "I"]


def test_a_tool_in_use_is_frozen_and_revised_as_a_new_version(audit, auditor, qa_lead):
    tool = audit.tool
    assert not tool.is_frozen()
    audit_submit(audit=audit, actor=auditor, version=1, content=complete_content(tool))
    assert tool.is_frozen()
    new = tool_new_version(
        tool=tool, actor=qa_lead, domain_changes={"voice": {"title": "Voice and lived experience"}}
    )
    assert new.version == tool.version + 1 and new.previous == tool
    voice = new.domains.get(code="voice")
    assert voice.title == "Voice and lived experience"
    assert voice.maps_to == tool.domains.get(code="voice")
    assert Domain.objects.get(tool=tool, code="voice").title == "Voice of the child"
    with pytest.raises(TransitionNotAllowed):
        tool_new_version(tool=tool, actor=qa_lead, domain_changes={})


def test_case_audited_in_the_last_12_months_needs_a_reason(auditor, qa_lead, team):
    case = CaseFactory(team=team)
    tool = case_file_tool()
    first = audit_create(actor=qa_lead, case=case, auditor=auditor, tool=tool)
    Audit.objects.filter(pk=first.pk).update(month=dt.date(2026, 1, 1))
    assert recently_audited(case=case, month=dt.date(2026, 12, 1))
    assert not recently_audited(case=case, month=dt.date(2027, 1, 1))
    # Audited 11 months before this month (audit_create's default month): a reason is needed.
    this_month = timezone.localdate().replace(day=1)
    Audit.objects.filter(pk=first.pk).update(month=months_before(this_month, 11))
    with pytest.raises(DomainError) as err:
        audit_create(actor=qa_lead, case=case, auditor=auditor, tool=tool)
    assert "resample_reason" in err.value.field_errors
    again = audit_create(
        actor=qa_lead, case=case, auditor=auditor, tool=tool, resample_reason="New referral."
    )
    assert again.resample_reason == "New referral."
    assert again.grades.count() == len(CASE_FILE_DOMAINS)
