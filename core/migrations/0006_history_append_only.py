"""History tables refuse UPDATE and DELETE: see audits/history_guard.py."""

from django.db import migrations

from core import history_guard

MODELS = (
    "audits.HistoricalProgramme",
    "audits.HistoricalAudit",
    "audits.HistoricalDomainGrade",
    "audits.HistoricalAction",
)


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0005_audit_month_overall_index"),
    ]

    operations = [
        migrations.RunPython(
            history_guard.install_for(*MODELS), history_guard.uninstall_for(*MODELS)
        ),
    ]
