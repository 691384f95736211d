# Tool versions: drafts and publishing, audit types, history, many-to-many lineage.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core import history_guard

HISTORY = ("audits.HistoricalAuditTool", "audits.HistoricalDomain")


def carry_over(apps, schema_editor):
    """Every tool made before drafts existed was in use: published when it was made. Each
    domain's one old domain (maps_to) becomes the one it continues."""
    AuditTool = apps.get_model("audits", "AuditTool")
    Domain = apps.get_model("audits", "Domain")
    for tool in AuditTool.objects.filter(published_at__isnull=True):
        AuditTool.objects.filter(pk=tool.pk).update(published_at=tool.created_at)
    AuditTool.objects.filter(code="foster-carer").update(audit_type="foster_carer")
    links = Domain.continues.through
    links.objects.bulk_create(
        links(from_domain_id=pk, to_domain_id=old)
        for pk, old in Domain.objects.filter(maps_to__isnull=False).values_list("pk", "maps_to")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0011_sso_subject_and_role_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="audittool",
            name="audit_type",
            field=models.CharField(
                choices=[
                    ("case_file", "Case file audit"),
                    ("themed", "Themed audit"),
                    ("foster_carer", "Foster carer audit"),
                    ("early_help", "Early help audit"),
                    ("multi_agency", "Multi-agency audit"),
                    ("dip_sample", "Dip sample"),
                ],
                default="case_file",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="audittool",
            name="published_at",
            field=models.DateTimeField(
                blank=True, help_text="Empty while the version is a draft.", null=True
            ),
        ),
        migrations.AddField(
            model_name="domain",
            name="continues",
            field=models.ManyToManyField(
                blank=True,
                help_text="The previous tool version's domains this one continues, for trends.",
                related_name="continued_by",
                to="audits.domain",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalAuditTool",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField()),
                ("name", models.CharField(max_length=120)),
                ("version", models.PositiveIntegerField(default=1)),
                (
                    "audit_type",
                    models.CharField(
                        choices=[
                            ("case_file", "Case file audit"),
                            ("themed", "Themed audit"),
                            ("foster_carer", "Foster carer audit"),
                            ("early_help", "Early help audit"),
                            ("multi_agency", "Multi-agency audit"),
                            ("dip_sample", "Dip sample"),
                        ],
                        default="case_file",
                        max_length=20,
                    ),
                ),
                (
                    "offers_outstanding",
                    models.BooleanField(
                        default=True,
                        help_text="Offer Outstanding; many authorities grade only G / RI / I.",
                    ),
                ),
                ("blind_moderation", models.BooleanField(default=False)),
                (
                    "published_at",
                    models.DateTimeField(
                        blank=True, help_text="Empty while the version is a draft.", null=True
                    ),
                ),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "previous",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="audits.audittool",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical audit tool",
                "verbose_name_plural": "historical audit tools",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalDomain",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField()),
                ("title", models.CharField(max_length=200)),
                ("position", models.PositiveSmallIntegerField()),
                ("guidance", models.TextField(blank=True)),
                ("descriptor_outstanding", models.TextField(blank=True)),
                ("descriptor_good", models.TextField(blank=True)),
                ("descriptor_requires_improvement", models.TextField(blank=True)),
                ("descriptor_inadequate", models.TextField(blank=True)),
                ("na_allowed", models.BooleanField(default=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "tool",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="audits.audittool",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical domain",
                "verbose_name_plural": "historical domains",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="domain",
            name="maps_to",
        ),
        migrations.RunPython(
            history_guard.install_for(*HISTORY), history_guard.uninstall_for(*HISTORY)
        ),
    ]
