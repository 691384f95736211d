import datetime as dt

import factory
from django.contrib.auth.models import Group

from core.models import Audit, AuditTool, Case, DomainGrade, Programme, ServiceArea, Team, User


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceArea
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service area {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    service_area = factory.SubFactory(ServiceAreaFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    team = factory.SubFactory(TeamFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get(name=role))
        self.save()


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"LCS-{100000 + n}")
    team = factory.SubFactory(TeamFactory)
    case_type = Case.CaseType.CHILD_IN_NEED


def case_file_tool() -> AuditTool:
    return AuditTool.objects.get(code="case-file", version=1)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("month", "tool")

    month = dt.date(2026, 10, 1)
    tool = factory.LazyFunction(case_file_tool)
    theme = "Voice of the child"
    audit_target = 10
    moderation_target = 5
    due_date = dt.date(2026, 10, 31)


class AuditFactory(factory.django.DjangoModelFactory):
    """An assigned audit with a blank grade row per domain, as audit_create makes it."""

    class Meta:
        model = Audit
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    auditor = factory.SubFactory(UserFactory, roles=["auditor"])
    tool = factory.LazyFunction(case_file_tool)
    programme = None
    month = dt.date(2026, 10, 1)
    due_date = dt.date(2026, 10, 31)

    @factory.post_generation
    def blank_grades(self, create, extracted, **kwargs):
        for domain in self.tool.domains.all():
            DomainGrade.objects.get_or_create(audit=self, domain=domain)


def complete_content(tool: AuditTool, grade: str = "G", overall: str = "G"):
    """Content that passes submission: every domain graded with evidence."""
    from core.services.audits import AuditContent

    return AuditContent(
        overall=overall,
        working_well="Regular visits.",
        worried_about="Drift in the plan.",
        needs_to_happen="Review the plan.",
        grades={d.code: (grade, f"Evidence for {d.code}.") for d in tool.domains.all()},
    )


def submitted_audit(*, auditor=None, grade: str = "G", overall: str = "G", **audit_fields):
    """An audit submitted through the service, so its grades are locked as in real use."""
    from flows.audits import audit_submit

    audit = AuditFactory(**({"auditor": auditor} if auditor else {}), **audit_fields)
    content = complete_content(audit.tool, grade=grade, overall=overall)
    return audit_submit(audit=audit, actor=audit.auditor, version=audit.version, content=content)


def sampled_moderation(audit, actor=None):
    """Put a submitted audit in the moderation sample by hand (as a QA lead would)."""
    from moderation.models import Moderation
    from moderation.services.sample import moderation_sample

    return moderation_sample(
        actor=actor, audit=audit, selection=Moderation.Selection.HAND, note="Chosen for a test."
    )


def moderation_content(tool, grade: str = "G", overall: str = "G", **fields):
    """Everything a moderator must write to complete, with one grade for every domain."""
    from moderation.services.moderating import ModerationContent

    # A judgement other than the auditor's needs its reason, as a domain grade's rationale.
    fields.setdefault("overall_revision_reason", "The domain grades, read together.")
    return ModerationContent(
        overall=overall,
        summary="Clear analysis; the plan needs dates.",
        grades={d.code: (grade, f"Rationale for {d.code}.", "") for d in tool.domains.all()},
        **fields,
    )


def api_token_for(user) -> str:
    """A working API token for the user, as `manage.py issue_token` gives one; someone whose
    role requires two-factor sign-in is given an authenticator app first."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.tokens import api_token_issue
    from accounts.two_factor import confirmed_device
    from core.permissions import two_factor_required

    device = confirmed_device(user)
    if device is None and two_factor_required(user):
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    return api_token_issue(user=user, device=device)[1]


def action_due(days: int = 30, *, page: bool = False) -> str:
    """A new action's due date `days` from today (pages and API refuse one in the past), as the
    API (YYYY-MM-DD) or a page form (DD/MM/YYYY) takes it: never a fixed date that ages."""
    import datetime as dt

    from django.utils import timezone

    due = timezone.localdate() + dt.timedelta(days=days)
    return f"{due:%d/%m/%Y}" if page else f"{due:%Y-%m-%d}"


def tool_setting(tool: AuditTool, **fields) -> AuditTool:
    """Change a published tool in a test's setup: the model refuses save() on a published
    version (it never changes in the product), so this writes the row directly."""
    AuditTool.objects.filter(pk=tool.pk).update(**fields)
    tool.refresh_from_db()
    return tool
