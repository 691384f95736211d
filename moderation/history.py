"""Every recorded change to an audit's grades and judgements, the auditor's and the
moderators', as one list: who, when, what, the value before and the value after.

The rows come from django-simple-history's tables; this module only reads them.
"""

from dataclasses import dataclass
from datetime import datetime

from core.models import Audit, DomainGrade, User
from moderation.models import ModeratedGrade, Moderation


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    record: str  # "Auditor" or "Moderator"
    what: str
    before: str
    after: str
    reason: str = ""


def _label(model, name: str, value, names: dict | None = None) -> str:
    if value is None and name in NOBODY:
        return NOBODY[name]
    if value in ("", None):
        return "–"
    if names is not None and name in PERSON_FIELDS:
        return names.get(value, "someone")
    field = model._meta.get_field(name)
    return str(dict(field.choices or []).get(value, value)) if field.choices else str(value)


# Who holds the work: a reassignment shows from whom to whom, by name.
PERSON_FIELDS = ("auditor_id", "moderator_id")
# An audit taken off its auditor and given to nobody yet.
NOBODY = {"auditor_id": "Unassigned"}


def _diffs(history_rows, key, fields, model, record, what, names=None) -> list[Change]:
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
                        before=_label(model, name, old, names) if before else "–",
                        after=_label(model, name, new, names),
                        reason=(row.history_change_reason or "") if name in PERSON_FIELDS else "",
                    )
                )
        previous[key(row)] = row
    return changes


def _who(row) -> str:
    user = row.history_user
    if user is None:
        return "System (import or migration)"
    return user.get_full_name() or user.username


AUDIT_WHAT = {"status": "Status", "auditor_id": "Assigned to", "overall": "Overall judgement"}
MODERATION_WHAT = {
    "status": "Moderation status",
    "moderator_id": "Moderator",
    "overall": "Overall judgement",
}


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
    people = {
        *audit_rows.values_list("auditor_id", flat=True),
        *moderation_rows.values_list("moderator_id", flat=True),
    }
    names = {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in=people - {None})
    }
    changes = [
        *_diffs(
            audit_rows,
            lambda r: r.id,
            ("status", "auditor_id", "overall", "escalated"),
            Audit,
            "Auditor",
            lambda r, name: AUDIT_WHAT.get(name, "Inadequate – escalation"),
            names,
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
            ("status", "moderator_id", "overall", "escalated"),
            Moderation,
            "Moderator",
            lambda r, name: MODERATION_WHAT.get(name, "Inadequate – escalation"),
            names,
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
