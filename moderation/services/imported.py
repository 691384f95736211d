"""Moderation done before the product, recorded from an import's history."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.errors import DomainError
from core.grades import Grade
from core.limits import too_long
from core.models import Audit, User
from moderation.models import ModeratedGrade, Moderation
from moderation.services.saving import check_sample_entry, insert_moderation


@dataclass
class ImportedModeration:
    """Moderation done before the product, from the moderated_* columns of an import."""

    moderator: User
    moderated_on: dt.date
    overall: str
    escalated: bool
    grades: dict[str, str]
    summary: str = ""


@transaction.atomic
def moderation_record_imported(
    *, actor: User, audit: Audit, record: ImportedModeration
) -> Moderation:
    """Record imported history as a completed moderation, like one done here."""
    if record.moderator.pk == audit.auditor_id:
        raise DomainError("The moderator cannot be the audit's auditor.")
    if too_long("summary", record.summary):
        message = too_long("summary", record.summary)
        raise DomainError(message[0], field_errors={"summary": message})
    check_sample_entry(audit)
    moment = timezone.make_aware(dt.datetime.combine(record.moderated_on, dt.time(12)))
    moment = min(moment, timezone.now())
    escalated = record.escalated and record.overall == Grade.INADEQUATE
    # Inserted complete in one go, grades in bulk: imports record hundreds of these at once.
    moderation = Moderation(
        audit=audit,
        status=Moderation.Status.COMPLETED,
        source=Moderation.Source.IMPORT,
        selection=Moderation.Selection.IMPORTED,
        selection_note="Imported history",
        moderator=record.moderator,
        claimed_at=moment,
        completed_at=moment,
        overall=record.overall,
        escalated=escalated,
        escalation_reason="Escalated in imported history." if escalated else "",
        summary=record.summary,
    )
    insert_moderation(moderation, actor)
    bulk_create_with_history(
        [
            ModeratedGrade(
                moderation=moderation, domain=domain, grade=record.grades.get(domain.code, "")
            )
            for domain in audit.tool.domains.all()
        ],
        ModeratedGrade,
        default_user=actor,
        default_change_reason="Imported",
    )
    return moderation
