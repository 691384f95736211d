"""What follows an audit's submission, across apps, in the submission's own transaction.

core.services.audits.audit_submit_record changes the audit; this is the one place that then raises
its escalation, puts a reworked revision back in the sample (and a new submission in it when
the drawn sample's rules take it) and refreshes the report summary.
Pages, API, demo and tests submit through here.
"""

from django.db import transaction

from core.models import Audit, User
from core.services.audits import AuditContent, audit_submit_record
from moderation.sampling import sample_on_arrival
from moderation.services.escalations import escalation_raise_from_audit
from moderation.services.sample import moderation_requeue_rework
from reporting.summary import summary_refresh_audit


@transaction.atomic
def audit_submit(
    *, audit: Audit, actor: User, version: int | None, content: AuditContent | None = None
) -> Audit:
    """Submit the audit, then raise its escalation, requeue its rework and refresh the figures."""
    submitted = audit_submit_record(audit=audit, actor=actor, version=version, content=content)
    if submitted.escalated:
        escalation_raise_from_audit(actor=actor, audit=submitted)
    if submitted.revision_of_id is not None:
        moderation_requeue_rework(actor=actor, audit=submitted)
    else:
        sample_on_arrival(audit=submitted)
    summary_refresh_audit(audit=submitted)
    return submitted
