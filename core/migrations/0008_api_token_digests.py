"""API tokens kept only as digests (django-rest-knox, audits.ApiToken), in place of DRF's
plain-text authtoken_token table, which is dropped: every token issued before this migration
stops working, and its holder asks for a new one (POST /api/token/ or `manage.py issue_token`).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0007_recovery_codes"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("digest", models.CharField(max_length=128, primary_key=True, serialize=False)),
                ("token_key", models.CharField(db_index=True, max_length=25)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("expiry", models.DateTimeField(blank=True, null=True)),
                ("password_stamp", models.CharField(max_length=64)),
                (
                    "device",
                    models.ForeignKey(
                        blank=True,
                        help_text="The authenticator app whose code this token was issued after.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to="otp_totp.totpdevice",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="auth_token_set",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
            },
        ),
        # rest_framework.authtoken is no longer installed: its table of plain-text tokens goes,
        # and so does the record of its migrations, so that installing it again would make the
        # table afresh rather than find it missing. Not reversible: the tokens are gone.
        migrations.RunSQL(
            sql=[
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
