from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (seed_demo), load-test data (seed_load) and the report benchmark."""

    name = "demo"
    verbose_name = "Demo and benchmark"
