"""A child's case over time: every audit of it the reader may read, with what followed each.

Only audits the reader may read are read at all (moderation.access.audits_visible_to: the
role rule less what blind moderation hides), and everything else on the page hangs off those
audits: their moderations, escalations and actions are read for those audit ids only, each
through its own access rule, so nothing of a hidden audit (not even that it exists) reaches
the page. A case with no audit the reader may read is "No such case", as an unknown one is.

Four queries whatever the number of audits: the audits with their case, the moderations, the
escalations and the actions (the page adds the access log's one insert).
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404

from core.models import Action, Audit, Case, User
from core.validation import CASE_REFERENCE_MAX_LENGTH
from moderation.access import audits_visible_to
from moderation.models import Escalation, Moderation
from moderation.permissions import escalations_visible_to, moderations_visible_to

NO_SUCH_CASE = "No such case."


@dataclass
class CaseAudit:
    """One audit of the case with what followed it, as the reader may see it."""

    audit: Audit
    moderations: list[Moderation] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    # Earlier audits of this case the reader may read, for "re-audit of" and "revision of".
    re_audit_of: Audit | None = None
    revision_of: Audit | None = None

    @property
    def moderated(self) -> Moderation | None:
        """The completed moderation (at most one per audit), if the reader may read it."""
        return next((m for m in self.moderations if m.status == Moderation.Status.COMPLETED), None)


@dataclass
class CaseHistory:
    case: Case
    audits: list[CaseAudit]


def case_audits_for_user(*, user: User, reference: str) -> QuerySet[Audit]:
    """The audits of the case with this reference (any case) that the user may read."""
    return (
        audits_visible_to(user)
        .filter(case__reference__iexact=reference.strip()[:CASE_REFERENCE_MAX_LENGTH])
        .select_related("case__team__service_area", "auditor", "tool", "programme")
        .order_by("month", "created_at", "pk")
    )


def case_history_for_user(*, user: User, reference: str) -> CaseHistory:
    """The case's audits in date order with their moderations, escalations and actions, as
    far as the user may read each; 404 "No such case" when they may read none of them."""
    audits = list(case_audits_for_user(user=user, reference=reference))
    if not audits:
        raise Http404(NO_SUCH_CASE)
    ids = [a.pk for a in audits]
    by_id = {a.pk: CaseAudit(audit=a) for a in audits}
    moderations = (
        moderations_visible_to(user)
        .filter(audit_id__in=ids)
        .exclude(status=Moderation.Status.REMOVED)
        .select_related("moderator", "acknowledged_by")
        .order_by("created_at", "pk")
    )
    for moderation in moderations:
        by_id[moderation.audit_id].moderations.append(moderation)
    escalations = (
        escalations_visible_to(user)
        .filter(audit_id__in=ids)
        .select_related("responded_by")
        .order_by("created_at", "pk")
    )
    for escalation in escalations:
        by_id[escalation.audit_id].escalations.append(escalation)
    actions = Action.objects.filter(audit_id__in=ids).select_related("owner_person")
    for action in actions.order_by("due_date", "pk"):
        by_id[action.audit_id].actions.append(action)
    for item in by_id.values():
        # Links only to earlier audits the reader may read: the others are not mentioned.
        if item.audit.re_audit_of_id in by_id:
            item.re_audit_of = by_id[item.audit.re_audit_of_id].audit
        if item.audit.revision_of_id in by_id:
            item.revision_of = by_id[item.audit.revision_of_id].audit
    return CaseHistory(case=audits[0].case, audits=[by_id[pk] for pk in ids])


def case_reference_filter(value: str) -> Q:
    """Audits whose case reference is `value` or starts with it, in any case: the one rule
    the audit list's and the API's `q` and the header's search box use."""
    return Q(case__reference__istartswith=value.strip())
