"""Recompute the report summary from the raw audit and moderation tables."""

from django.core.management.base import BaseCommand

from reporting.summary import summary_rebuild


class Command(BaseCommand):
    help = "Recompute reporting's summary table from scratch with set-based SQL."

    def handle(self, *args, **options):
        rows = summary_rebuild()
        self.stdout.write(f"Report summary rebuilt: {rows} rows.")
