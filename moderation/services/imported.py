"""Moderation done before the product, recorded from an import's history."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.errors import DomainError
from core.grades import Grade
from core.limits import too_long
from core.models import Audit, Domain, User
from core.services.bulk import insert_with_history
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


@dataclass
class ImportedModerationRow:
    """One moderation of an import's bulk: the audit just imported and its moderated columns."""

    audit_id: int
    auditor_id: int
    tool_id: int
    moderator_id: int
    moderated_on: dt.date
    overall: str
    escalated: bool
    grades: dict[str, str]


@transaction.atomic
def moderations_record_imported(
    *, actor: User | None, rows: list[ImportedModerationRow], domains: dict[int, list[Domain]]
) -> int:
    """Record many imported moderations at once (COPY on PostgreSQL), each with its grades and
    one history row per row written; the same records moderation_record_imported makes.
    domains: each tool version's domains (by tool id)."""
    if any(row.moderator_id == row.auditor_id for row in rows):
        raise DomainError("The moderator cannot be the audit's auditor.")
    audit_ids = [row.audit_id for row in rows]
    for start in range(0, len(audit_ids), 500):
        chunk = audit_ids[start : start + 500]
        live = Moderation.objects.filter(audit_id__in=chunk, status__in=Moderation.LIVE_STATUSES)
        if live.exists():
            raise DomainError("An audit of the file is already in the moderation sample.")
        submitted = Audit.objects.filter(pk__in=chunk, status=Audit.Status.SUBMITTED).count()
        if submitted != len(set(chunk)):
            raise DomainError("Only a submitted audit can be moderated.")
    now = timezone.now()
    moderations = []
    for row in rows:
        moment = min(timezone.make_aware(dt.datetime.combine(row.moderated_on, dt.time(12))), now)
        escalated = row.escalated and row.overall == Grade.INADEQUATE
        moderations.append(
            {
                "audit_id": row.audit_id,
                "status": Moderation.Status.COMPLETED,
                "source": Moderation.Source.IMPORT,
                "selection": Moderation.Selection.IMPORTED,
                "selection_note": "Imported history",
                "moderator_id": row.moderator_id,
                "claimed_at": moment,
                "completed_at": moment,
                "overall": row.overall,
                "escalated": escalated,
                "escalation_reason": "Escalated in imported history." if escalated else "",
                "summary": "",
            }
        )
    ids = insert_with_history(Moderation, moderations, actor=actor, reason="Imported")
    grades = [
        {
            "moderation_id": moderation_id,
            "domain_id": domain.pk,
            "grade": row.grades.get(domain.code, ""),
        }
        for row, moderation_id in zip(rows, ids, strict=True)
        for domain in domains[row.tool_id]
    ]
    insert_with_history(ModeratedGrade, grades, actor=actor, reason="Imported")
    return len(ids)
