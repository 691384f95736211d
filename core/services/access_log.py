"""The access log: who read or exported which audits, when and how."""

from collections.abc import Iterable, Mapping

from core.models import Audit, AuditRead, User

# An export's scope is its filters: short values, never what was exported.
SCOPE_VALUE_MAX = 200


def audit_read_record(
    *,
    user: User,
    channel: str,
    what: str,
    audit: Audit | None = None,
    audits: Iterable[Audit] = (),
    scope: Mapping[str, object] | None = None,
) -> list[AuditRead]:
    """Record that a user read audits (who, which case, when, how), or exported the audits in
    a scope (who, which filters, when): never personal data and never the content read."""
    if audit is not None:
        audits = [audit, *audits]
    rows = [
        AuditRead(audit=a, case_id=a.case_id, user=user, channel=channel, what=what) for a in audits
    ]
    if scope is not None:
        cleaned = {
            str(key)[:50]: str(value)[:SCOPE_VALUE_MAX]
            for key, value in scope.items()
            if value not in (None, "", [])
        }
        rows.append(AuditRead(user=user, channel=channel, what=what, scope=cleaned))
    return AuditRead.objects.bulk_create(rows)
