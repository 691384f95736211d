from django.apps import AppConfig


class FlowsConfig(AppConfig):
    """Work that spans apps: submit, moderate, import history (the floor above the features)."""

    name = "flows"
    verbose_name = "Flows"
