"""A person's one history: the role, area and team changes single sign-on recorded as
RoleChange rows become StaffEvents of kind "access" (one each, the same before / after, who,
when and why), RoleChange goes, and StaffEvent becomes append-only as RoleChange was."""

from django.db import migrations, models

from core import history_guard

ROLE_NAMES = {  # core.models.Role's labels, as they were when this migration was written
    "auditor": "Auditor (team manager)",
    "moderator": "Moderator (QA officer)",
    "viewer": "Viewer (head of service)",
    "qa_lead": "QA lead",
}


def _before_after(change: str, value: str) -> tuple[str, str]:
    if change in ("role_added", "role_removed"):
        text = f"Role: {ROLE_NAMES.get(value, value)}"
    elif change in ("area_added", "area_removed"):
        text = f"Service area read: {value}"
    else:
        text = f"Team: {value}"
    return ("", text) if change in ("role_added", "area_added", "team_set") else (text, "")


def role_changes_to_staff_events(apps, schema_editor):
    RoleChange = apps.get_model("audits", "RoleChange")
    StaffEvent = apps.get_model("audits", "StaffEvent")
    StaffEvent.objects.bulk_create(
        StaffEvent(
            person_id=change.user_id,
            actor_id=change.changed_by_id,
            at=change.changed_at,
            kind="access",
            old=_before_after(change.change, change.value)[0],
            new=_before_after(change.change, change.value)[1],
            reason=change.reason,
        )
        for change in RoleChange.objects.order_by("changed_at", "pk")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audits", "0014_staff_import_jobs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="staffevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Added"),
                    ("updated", "Details changed"),
                    ("roles", "Roles changed"),
                    ("invited", "Invited"),
                    ("password_set", "Password set"),
                    ("deactivated", "Deactivated"),
                    ("reactivated", "Reactivated"),
                    ("access", "Access from the council's sign-in"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(role_changes_to_staff_events, migrations.RunPython.noop),
        migrations.RunPython(
            history_guard.uninstall_for("audits.RoleChange"),
            history_guard.install_for("audits.RoleChange"),
        ),
        migrations.DeleteModel(name="RoleChange"),
        migrations.RunPython(
            history_guard.install_for("audits.StaffEvent"),
            history_guard.uninstall_for("audits.StaffEvent"),
        ),
    ]
