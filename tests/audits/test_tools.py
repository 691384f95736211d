import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.models import Audit, AuditTool, Domain
from core.months import months_before
from core.services import tools as services
from core.services.audits import audit_create, recently_audited
from core.services.programmes import programme_create
from core.tool_definitions import DomainSpec, ToolSpec
from tests.audits.import_rows import CASE_FILE_DOMAINS
from tests.factories import CaseFactory, case_file_tool

DESCRIPTORS = {"O": "Exemplary.", "G": "Good work.", "RI": "Patchy.", "I": "Unsafe."}


def domain(code: str, title: str | None = None, **kwargs) -> DomainSpec:
    return DomainSpec(
        code=code, title=title or code.title(), descriptors=kwargs.pop("d", DESCRIPTORS), **kwargs
    )


def published_tool(qa_lead, code="ours", domains=("plan", "voice", "review")) -> AuditTool:
    spec = ToolSpec(code=code, name="Our audit", domains=[domain(c) for c in domains])
    return services.tool_create(actor=qa_lead, spec=spec, publish=True)


def test_shipped_tools(db):
    tool = case_file_tool()
    assert list(tool.domains.values_list("code", flat=True)) == CASE_FILE_DOMAINS
    assert tool.offers_outstanding and tool.is_published()
    assert tool.audit_type == AuditTool.AuditType.CASE_FILE
    assert all(d.descriptor_good and d.descriptor_inadequate for d in tool.domains.all())
    foster = AuditTool.objects.get(code="foster-carer")
    assert foster.domains.count() >= 5 and foster.is_published()
    assert foster.audit_type == AuditTool.AuditType.FOSTER_CARER
    assert [v for v, _ in foster.grade_choices()] == ["G", "RI", "I"]


def test_a_draft_is_built_domain_by_domain_then_published_and_frozen(qa_lead):
    spec = ToolSpec(code="early-help", name="Early help audit", audit_type="early_help")
    tool = services.tool_create(actor=qa_lead, spec=spec)
    assert not tool.is_published() and tool.version == 1
    plan = services.domain_add(tool=tool, actor=qa_lead, spec=domain("plan"))
    voice = services.domain_add(tool=tool, actor=qa_lead, spec=domain("voice", na_allowed=True))
    services.domain_move(domain=voice, actor=qa_lead, up=True)
    assert list(tool.domains.order_by("position").values_list("code", flat=True)) == [
        "voice",
        "plan",
    ]
    services.domain_update(domain=plan, actor=qa_lead, spec=domain("plan", "Plan and review"))
    assert Domain.objects.get(pk=plan.pk).title == "Plan and review"
    # Every change is in the history, with its author.
    assert Domain.history.filter(id=plan.pk, history_user=qa_lead).count() >= 2
    services.tool_publish(tool=tool, actor=qa_lead)
    tool.refresh_from_db()
    assert tool.is_published()
    assert AuditTool.history.filter(id=tool.pk, published_at__isnull=False).exists()
    # The services refuse to change a published version, and so does the model.
    with pytest.raises(TransitionNotAllowed):
        services.domain_add(tool=tool, actor=qa_lead, spec=domain("extra"))
    with pytest.raises(TransitionNotAllowed):
        services.domain_update(domain=plan, actor=qa_lead, spec=domain("plan", "Renamed"))
    with pytest.raises(TransitionNotAllowed):
        services.domain_remove(domain=plan, actor=qa_lead)
    with pytest.raises(DomainError):
        Domain.objects.get(pk=plan.pk).save()
    with pytest.raises(DomainError):
        Domain.objects.create(tool=tool, code="sneaky", title="Sneaky", position=9)
    tool.name = "Renamed"
    with pytest.raises(DomainError):
        tool.save()
    assert AuditTool.objects.get(pk=tool.pk).name == "Early help audit"


def test_publishing_checks_the_whole_version(qa_lead):
    tool = services.tool_create(actor=qa_lead, spec=ToolSpec(code="empty", name="Empty"))
    with pytest.raises(DomainError) as refused:
        services.tool_publish(tool=tool, actor=qa_lead)
    assert refused.value.field_errors == {"domains": ["Give the tool at least one domain."]}
    assert not AuditTool.objects.get(pk=tool.pk).is_published()


def test_refusals_name_every_field(qa_lead):
    spec = ToolSpec(
        code="Bad Code",
        name="",
        domains=[
            domain("plan"),
            domain("plan", d={"G": "Good."}),
            DomainSpec(code="", title="", descriptors=DESCRIPTORS),
        ],
    )
    with pytest.raises(DomainError) as refused:
        services.tool_create(actor=qa_lead, spec=spec, publish=True)
    errors = refused.value.field_errors
    assert set(errors) == {
        "code",
        "name",
        "domains.1.code",
        "domains.1.descriptors.O",
        "domains.1.descriptors.RI",
        "domains.1.descriptors.I",
        "domains.2.code",
        "domains.2.title",
    }
    assert "Another domain" in errors["domains.1.code"][0]
    assert not AuditTool.objects.filter(code="Bad Code").exists()


def test_a_code_is_one_tool(qa_lead):
    published_tool(qa_lead)
    with pytest.raises(DomainError) as refused:
        services.tool_create(actor=qa_lead, spec=ToolSpec(code="ours", name="Again"))
    assert "exists already" in refused.value.field_errors["code"][0]


def test_outstanding_descriptor_only_when_offered(qa_lead):
    spec = ToolSpec(
        code="gri", name="G RI I", offers_outstanding=False, domains=[domain("plan", d={})]
    )
    with pytest.raises(DomainError) as refused:
        services.tool_create(actor=qa_lead, spec=spec, publish=True)
    assert set(refused.value.field_errors) == {
        "domains.0.descriptors.G",
        "domains.0.descriptors.RI",
        "domains.0.descriptors.I",
    }


def test_a_new_draft_version_continues_every_domain_and_can_split_one(qa_lead):
    v1 = published_tool(qa_lead)
    v2 = services.tool_draft_new_version(actor=qa_lead, tool=v1)
    assert v2.version == 2 and v2.previous == v1 and not v2.is_published()
    old = {d.code: d for d in v1.domains.all()}
    for d in v2.domains.all():
        assert list(d.continues.all()) == [old[d.code]]
    # One draft at a time, and only from the latest version.
    with pytest.raises(TransitionNotAllowed):
        services.tool_draft_new_version(actor=qa_lead, tool=v1)
    # Split the plan: both halves continue the old plan.
    plan = v2.domains.get(code="plan")
    services.domain_update(
        domain=plan, actor=qa_lead, spec=domain("plan", "Plan", continues=("plan",))
    )
    services.domain_add(
        tool=v2,
        actor=qa_lead,
        spec=domain("permanence", "Permanence planning", continues=("plan",)),
    )
    with pytest.raises(DomainError) as refused:
        services.domain_add(
            tool=v2, actor=qa_lead, spec=domain("other", continues=("no_such_domain",))
        )
    assert "no domain with the code no_such_domain" in refused.value.field_errors["continues"][0]
    services.tool_publish(tool=v2, actor=qa_lead)
    assert set(old["plan"].continued_by.values_list("code", flat=True)) == {"plan", "permanence"}
    # The old version is untouched.
    assert list(v1.domains.values_list("code", flat=True)) == ["plan", "voice", "review"]


def test_a_version_from_a_whole_definition_maps_by_code_unless_told(qa_lead):
    v1 = published_tool(qa_lead)
    spec = ToolSpec(
        code="ours",
        name="Our audit",
        domains=[
            domain("plan"),  # same code: continues plan
            domain("voice_review", "Voice and review", continues=("voice", "review")),  # merge
            domain("impact"),  # new
        ],
    )
    v2 = services.tool_version_create(actor=qa_lead, tool=v1, spec=spec, publish=True)
    lineage = {d.code: sorted(o.code for o in d.continues.all()) for d in v2.domains.all()}
    assert lineage == {"plan": ["plan"], "voice_review": ["review", "voice"], "impact": []}
    with pytest.raises(DomainError) as refused:
        services.tool_version_create(
            actor=qa_lead,
            tool=v2,
            spec=ToolSpec(code="ours", name="Ours", domains=[domain("x", continues=("voice",))]),
        )
    assert "domains.0.continues" in refused.value.field_errors
    assert AuditTool.objects.filter(code="ours").count() == 2


def test_programmes_and_audits_use_published_versions_only(qa_lead, auditor, team):
    draft = services.tool_create(
        actor=qa_lead, spec=ToolSpec(code="draft", name="Draft", domains=[domain("plan")])
    )
    with pytest.raises(DomainError) as refused:
        programme_create(actor=qa_lead, month=dt.date(2026, 11, 1), tool=draft)
    assert "tool" in refused.value.field_errors
    with pytest.raises(DomainError):
        audit_create(actor=qa_lead, case=CaseFactory(team=team), auditor=auditor, tool=draft)


def test_an_audit_keeps_the_version_it_was_filled_in(audit, qa_lead):
    v1 = audit.tool
    v2 = services.tool_draft_new_version(actor=qa_lead, tool=v1)
    services.tool_publish(tool=v2, actor=qa_lead)
    audit.refresh_from_db()
    assert audit.tool_id == v1.pk
    assert {g.domain.tool_id for g in audit.grades.all()} == {v1.pk}


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
