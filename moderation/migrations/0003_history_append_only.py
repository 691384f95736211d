"""History tables refuse UPDATE and DELETE: see audits/history_guard.py."""

from django.db import migrations

from core import history_guard

MODELS = (
    "moderation.HistoricalModeration",
    "moderation.HistoricalModeratedGrade",
    "moderation.HistoricalEscalation",
)


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0006_history_append_only"),
        ("moderation", "0002_imported_moderation_history"),
    ]

    operations = [
        migrations.RunPython(
            history_guard.install_for(*MODELS), history_guard.uninstall_for(*MODELS)
        ),
    ]
