import pytest

from core.errors import DomainError, StaleVersion, TransitionNotAllowed
from core.models import Audit, DomainGrade
from core.services.audits import AuditContent, audit_save_draft
from flows.audits import audit_submit
from tests.factories import complete_content


def test_save_draft_moves_to_in_progress_and_bumps_version(audit, auditor):
    content = AuditContent(overall="RI", grades={"plan": ("RI", "Plan has no timescales.")})
    saved = audit_save_draft(audit=audit, actor=auditor, version=1, content=content)
    assert saved.status == Audit.Status.IN_PROGRESS
    assert saved.version == 2
    plan = saved.grades.get(domain__code="plan")
    assert (plan.grade, plan.evidence) == ("RI", "Plan has no timescales.")


def test_save_draft_over_newer_version_is_refused(audit, auditor):
    audit_save_draft(audit=audit, actor=auditor, version=1, content=AuditContent(overall="G"))
    with pytest.raises(StaleVersion):
        audit_save_draft(audit=audit, actor=auditor, version=1, content=AuditContent(overall="I"))
    audit.refresh_from_db()
    assert audit.overall == "G"


def test_submit_lists_every_missing_answer(audit, auditor):
    with pytest.raises(DomainError) as err:
        audit_submit(audit=audit, actor=auditor, version=1)
    fields = err.value.field_errors
    assert "overall" in fields
    assert {f"grade_{d.code}" for d in audit.tool.domains.all()} <= set(fields)
    audit.refresh_from_db()
    assert audit.status == Audit.Status.ASSIGNED


def test_submit_needs_evidence_for_graded_domains_but_not_na(audit, auditor):
    content = complete_content(audit.tool)
    content.grades["review"] = ("NA", "")
    content.grades["plan"] = ("G", "")
    with pytest.raises(DomainError) as err:
        audit_submit(audit=audit, actor=auditor, version=1, content=content)
    assert list(err.value.field_errors) == ["evidence_plan"]


def test_na_refused_where_the_tool_does_not_allow_it(audit, auditor):
    with pytest.raises(DomainError) as err:
        audit_save_draft(
            audit=audit, actor=auditor, version=1, content=AuditContent(grades={"plan": ("NA", "")})
        )
    assert "grade_plan" in err.value.field_errors


def test_escalation_only_with_inadequate(audit, auditor):
    content = complete_content(audit.tool, overall="RI")
    content.escalated = True
    content.escalation_reason = "Risk not addressed."
    with pytest.raises(DomainError) as err:
        audit_submit(audit=audit, actor=auditor, version=1, content=content)
    assert "escalated" in err.value.field_errors


def test_submitted_grades_never_change(audit, auditor):
    submitted = audit_submit(
        audit=audit, actor=auditor, version=1, content=complete_content(audit.tool)
    )
    assert submitted.status == Audit.Status.SUBMITTED
    with pytest.raises(TransitionNotAllowed):
        audit_save_draft(
            audit=submitted, actor=auditor, version=None, content=AuditContent(overall="I")
        )
    row = DomainGrade.objects.get(audit=submitted, domain__code="plan")
    row.grade = "I"
    with pytest.raises(DomainError):
        row.save()
    submitted.overall = "I"
    with pytest.raises(DomainError):
        submitted.save()
    assert DomainGrade.objects.get(pk=row.pk).grade == "G"


def test_every_grade_change_is_in_the_history_with_its_author(audit, auditor):
    audit_save_draft(
        audit=audit, actor=auditor, version=1, content=AuditContent(grades={"plan": ("RI", "x")})
    )
    audit_save_draft(
        audit=audit, actor=auditor, version=2, content=AuditContent(grades={"plan": ("G", "y")})
    )
    row = DomainGrade.objects.get(audit=audit, domain__code="plan")
    changes = list(
        row.history.order_by("history_date").values_list("grade", "history_user__username")
    )
    assert changes[-2:] == [("RI", "auditor"), ("G", "auditor")]
