from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The foundation: organisation, people, cases, tools and grades, months, audit records.

    It imports no other app of the project. Its label stays "audits": the tables, the
    migrations, the history tables and AUTH_USER_MODEL ("audits.User") were created under it.
    """

    name = "core"
    label = "audits"
    verbose_name = "Audits"
