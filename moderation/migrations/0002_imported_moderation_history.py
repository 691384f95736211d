"""Imported moderation history kept only as JSON on the audit becomes real moderations.

Before the moderation app, the import kept the moderated_* columns verbatim in
Audit.imported_moderation. Reports read Moderation rows, so each such audit without a
moderation gets a completed, imported one, exactly as the import now records it. The JSON
stays on the audit as the source record; running this twice converts nothing twice.
"""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import migrations
from django.utils import timezone

REASON = "Converted from imported history"


def _moment(audit, record) -> dt.datetime:
    if record.get("moderated_on"):
        day = dt.date.fromisoformat(record["moderated_on"])
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        return min(moment, timezone.now())
    return audit.submitted_at or timezone.now()


def _moderator(User, Group, username: str):
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        # The import always creates its people, so this is a database edited by hand since.
        user = User.objects.create(username=username, is_active=False, password=make_password(None))
        group = Group.objects.filter(name="moderator").first()
        if group is not None:
            user.groups.add(group)
    return user


def _history(Historical, obj, fields, now):
    return Historical(
        **{f: getattr(obj, f) for f in fields},
        history_date=now,
        history_type="+",
        history_change_reason=REASON,
    )


def convert(apps, schema_editor):
    Audit = apps.get_model("audits", "Audit")
    Domain = apps.get_model("audits", "Domain")
    User = apps.get_model("audits", "User")
    Group = apps.get_model("auth", "Group")
    Moderation = apps.get_model("moderation", "Moderation")
    ModeratedGrade = apps.get_model("moderation", "ModeratedGrade")
    HistoricalModeration = apps.get_model("moderation", "HistoricalModeration")
    HistoricalModeratedGrade = apps.get_model("moderation", "HistoricalModeratedGrade")
    moderation_fields = [
        f.attname for f in HistoricalModeration._meta.fields if not f.name.startswith("history_")
    ]
    grade_fields = [
        f.attname
        for f in HistoricalModeratedGrade._meta.fields
        if not f.name.startswith("history_")
    ]
    domains: dict[int, list] = {}
    for domain in Domain.objects.order_by("tool_id", "position"):
        domains.setdefault(domain.tool_id, []).append(domain)
    pending = (
        Audit.objects.exclude(imported_moderation=None)
        .filter(moderations__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    for audit in pending.iterator():
        record = audit.imported_moderation
        if not isinstance(record, dict) or not record.get("moderator"):
            continue
        moderator = _moderator(User, Group, record["moderator"])
        if moderator.pk == audit.auditor_id:
            continue
        moment = _moment(audit, record)
        escalated = bool(record.get("escalated")) and record.get("overall") == "I"
        moderation = Moderation.objects.create(
            audit=audit,
            status="completed",
            source="import",
            selection="imported",
            selection_note="Imported history",
            moderator=moderator,
            claimed_at=moment,
            completed_at=moment,
            overall=record.get("overall") or "",
            escalated=escalated,
            escalation_reason="Escalated in imported history." if escalated else "",
        )
        grades = record.get("grades") or {}
        rows = ModeratedGrade.objects.bulk_create(
            ModeratedGrade(moderation=moderation, domain=domain, grade=grades.get(domain.code, ""))
            for domain in domains.get(audit.tool_id, [])
        )
        _history(HistoricalModeration, moderation, moderation_fields, now).save()
        HistoricalModeratedGrade.objects.bulk_create(
            _history(HistoricalModeratedGrade, row, grade_fields, now) for row in rows
        )


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("audits", "0003_rework_revisions_and_blind_moderation"),
    ]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
