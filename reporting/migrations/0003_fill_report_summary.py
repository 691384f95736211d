"""Fill the report summary from the audits already recorded (a database that had audits
before the summary existed); new audits and moderations keep it up to date as they change.

It runs the same set-based SQL as `manage.py rebuild_report_summary`, which stays the way
to refill it later.
"""

from django.db import migrations


def fill(apps, schema_editor):
    from reporting.summary import summary_rebuild

    summary_rebuild(with_totals=False)  # 0005 creates and fills the totals' table


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0005_audit_month_overall_index"),
        ("moderation", "0002_imported_moderation_history"),
        ("reporting", "0002_report_summary"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
