"""Every recorded change to an audit's grades and judgements, the auditor's and the
moderators', as one list: who, when, what, the value before and the value after.

The rows come from django-simple-history's tables; this module only reads them.
"""

from dataclasses import dataclass
from datetime import datetime

from core.models import Audit, DomainGrade
from moderation.models import ModeratedGrade, Moderation


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    record: str  # "Auditor" or "Moderator"
    what: str
    before: str
    after: str


def _label(model, name: str, value) -> str:
    if value in ("", None):
        return "–"
    field = model._meta.get_field(name)
    return str(dict(field.choices or []).get(value, value)) if field.choices else str(value)


def _diffs(history_rows, key, fields, model, record, what) -> list[Change]:
    """Pair each historical row with the one before it for the same object."""
    changes: list[Change] = []
    previous: dict[object, object] = {}
    for row in history_rows:
        before = previous.get(key(row))
        for name in fields:
            old = getattr(before, name) if before else None
            new = getattr(row, name)
            if before is None and new in ("", None, False):
                continue
            if before is None or old != new:
                changes.append(
                    Change(
                        at=row.history_date,
                        who=_who(row),
                        record=record,
                        what=what(row, name),
                        before=_label(model, name, old) if before else "–",
                        after=_label(model, name, new),
                    )
                )
        previous[key(row)] = row
    return changes


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "System (import or migration)"
    return user.get_full_name() or user.username


def grade_changes_for_audit(*, audit: Audit) -> list[Change]:
    """The audit's own changes and its moderations', oldest first."""
    titles = dict(audit.tool.domains.values_list("pk", "title"))
    audit_rows = (
        Audit.history.filter(id=audit.pk).select_related("history_user").order_by("history_date")
    )
    grade_rows = (
        DomainGrade.history.filter(audit_id=audit.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    moderation_ids = list(Moderation.objects.filter(audit=audit).values_list("pk", flat=True))
    moderation_rows = (
        Moderation.history.filter(id__in=moderation_ids)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    moderated_rows = (
        ModeratedGrade.history.filter(moderation_id__in=moderation_ids)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    changes = [
        *_diffs(
            audit_rows,
            lambda r: r.id,
            ("status", "overall", "escalated"),
            Audit,
            "Auditor",
            lambda r, name: {"status": "Status", "overall": "Overall judgement"}.get(
                name, "Inadequate – escalation"
            ),
        ),
        *_diffs(
            grade_rows,
            lambda r: r.id,
            ("grade",),
            DomainGrade,
            "Auditor",
            lambda r, name: titles.get(r.domain_id, "Domain"),
        ),
        *_diffs(
            moderation_rows,
            lambda r: r.id,
            ("status", "overall", "escalated"),
            Moderation,
            "Moderator",
            lambda r, name: {"status": "Moderation status", "overall": "Overall judgement"}.get(
                name, "Inadequate – escalation"
            ),
        ),
        *_diffs(
            moderated_rows,
            lambda r: r.id,
            ("grade",),
            ModeratedGrade,
            "Moderator",
            lambda r, name: titles.get(r.domain_id, "Domain"),
        ),
    ]
    return sorted(changes, key=lambda c: c.at)
