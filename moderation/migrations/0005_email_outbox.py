# The record of sent e-mails becomes an outbox: a row is queued first and marked sent only
# after the mail server took the message. Rows already there were sent, and keep their sent_at.

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0004_moderation_selection_neutral_sample"),
    ]

    operations = [
        migrations.RenameModel(old_name="SentNotification", new_name="OutboxEmail"),
        migrations.AlterField(
            model_name="outboxemail",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="subject",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="body",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="recipients",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="last_error",
            field=models.CharField(
                blank=True,
                help_text="The error's class only: never an address or text.",
                max_length=100,
            ),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="locked_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="outboxemail",
            index=models.Index(fields=["sent_at", "attempts"], name="outbox_unsent"),
        ),
    ]
