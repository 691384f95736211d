"""What follows a moderation's completion or return, across apps, in the same transaction.

moderation.services changes the moderation (and, for a return, opens the audit's next
revision through core.services); this is the one place that then refreshes the report
summary. Pages, API, demo and tests complete and return moderations through here.
"""

from django.db import transaction

from core.models import User
from moderation.models import Moderation
from moderation.services.moderating import (
    ModerationContent,
    moderation_complete_record,
    moderation_return_record,
)
from reporting.summary import summary_refresh_audits


@transaction.atomic
def moderation_complete(
    *, actor: User, moderation: Moderation, version: int | None, content: ModerationContent | None
) -> Moderation:
    """Complete the moderation (grades fixed, escalation raised, auditor told), then the figures."""
    completed = moderation_complete_record(
        actor=actor, moderation=moderation, version=version, content=content
    )
    summary_refresh_audits(audit_ids=[completed.audit_id])
    return completed


@transaction.atomic
def moderation_return_for_rework(
    *, actor: User, moderation: Moderation, version: int | None, comment: str
) -> Moderation:
    """Return the audit for rework (its next revision opened), then refresh the figures."""
    returned = moderation_return_record(
        actor=actor, moderation=moderation, version=version, comment=comment
    )
    summary_refresh_audits(audit_ids=[returned.audit_id])
    return returned
