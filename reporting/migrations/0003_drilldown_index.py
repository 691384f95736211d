"""An index for the report's drill-down: the audit list filtered to a month and a grade.

At national scale (550,000 audits) it takes the drill-down's count from ~11 ms to ~1 ms and
the first page's scan from every audit of the month to that grade's (bench_reports). It is
on audits_audit, so it is plain SQL (the same in SQLite and PostgreSQL) rather than a change
to the audits app's models; move it to Audit.Meta.indexes if that app prefers.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0003_rework_revisions_and_blind_moderation"),
        ("reporting", "0002_report_summary"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX audits_audit_month_overall_idx ON audits_audit (month, overall)",
            reverse_sql="DROP INDEX audits_audit_month_overall_idx",
        ),
    ]
