"""What a printed audit and a blank paper form show (issue 12 feature 7).

The printed audit puts both grades of each domain side by side: the auditor's, and the
moderator's from the latest completed moderation the reader may read (moderations_visible_to).
A completed moderation has been revealed, so a moderation still graded blind never prints;
an audit hidden by the blind rule is 404 before this is asked (moderation.access).
"""

from dataclasses import dataclass

from django.db.models import Prefetch

from core.grades import NAMES as GRADE_NAMES
from core.grades import grade_choices
from core.models import Audit, AuditTool, Domain, DomainGrade, User
from moderation.models import ModeratedGrade, Moderation
from moderation.permissions import escalations_visible_to, moderations_visible_to


@dataclass(frozen=True)
class PrintedDomain:
    title: str
    grade: str
    evidence: str
    moderated_grade: str
    rationale: str

    @property
    def changed(self) -> bool:
        return bool(self.moderated_grade) and self.moderated_grade != self.grade


def _name(code: str) -> str:
    return GRADE_NAMES.get(code, "") if code else ""


def printed_moderation(*, user: User, audit: Audit) -> Moderation | None:
    """The latest completed moderation of the audit that the user may read, with its grades."""
    return (
        moderations_visible_to(user)
        .filter(audit=audit, status=Moderation.Status.COMPLETED)
        .select_related("moderator")
        .prefetch_related(
            Prefetch("grades", queryset=ModeratedGrade.objects.select_related("domain"))
        )
        .order_by("-completed_at", "-pk")
        .first()
    )


def printed_domains(*, audit: Audit, moderation: Moderation | None) -> list[PrintedDomain]:
    """Every domain of the audit's tool, in order, with both grades side by side."""
    grades = {
        g.domain_id: g for g in DomainGrade.objects.filter(audit=audit).select_related("domain")
    }
    moderated = {g.domain_id: g for g in moderation.grades.all()} if moderation else {}
    rows = []
    for domain in audit.tool.domains.order_by("position"):
        own = grades.get(domain.pk)
        theirs = moderated.get(domain.pk)
        rows.append(
            PrintedDomain(
                title=domain.title,
                grade=_name(own.grade) if own else "",
                evidence=own.evidence if own else "",
                moderated_grade=_name(theirs.grade) if theirs else "",
                rationale=theirs.rationale if theirs else "",
            )
        )
    return rows


def printed_audit(*, user: User, audit: Audit) -> dict:
    """Everything the print view of one audit shows, as the reader may read it."""
    moderation = printed_moderation(user=user, audit=audit)
    return {
        "audit": audit,
        "moderation": moderation,
        "domains": printed_domains(audit=audit, moderation=moderation),
        "overall": _name(audit.overall),
        "moderated_overall": _name(moderation.overall) if moderation else "",
        "escalations": list(
            escalations_visible_to(user).filter(audit=audit).order_by("created_at", "pk")
        ),
        "actions": list(audit.actions.select_related("owner_person").order_by("due_date", "pk")),
    }


@dataclass(frozen=True)
class BlankDomain:
    domain: Domain
    descriptors: list[tuple[str, str]]  # (grade name, descriptor), in the scale's order
    choices: list[str]  # the grades to tick, names


def blank_form(*, tool: AuditTool) -> list[BlankDomain]:
    """Each domain of a tool version with its guidance, grade descriptors and grades to tick."""
    rows = []
    for domain in tool.domains.order_by("position"):
        offered = grade_choices(
            offers_outstanding=tool.offers_outstanding, na_allowed=domain.na_allowed
        )
        texts = domain.descriptors()
        rows.append(
            BlankDomain(
                domain=domain,
                descriptors=[(label, texts[code]) for code, label in offered if texts.get(code)],
                choices=[label for _, label in offered],
            )
        )
    return rows


def overall_choices(*, tool: AuditTool) -> list[str]:
    """The overall judgements a paper form offers (N/A is never an overall judgement)."""
    return [label for _, label in grade_choices(offers_outstanding=tool.offers_outstanding)]
