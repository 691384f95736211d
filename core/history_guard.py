"""History tables are append-only: the database itself refuses UPDATE and DELETE on them.

django-simple-history writes one row per change; these triggers make sure nobody rewrites
or removes one afterwards, whatever the code path (a raw query, the admin, a shell).

- PostgreSQL: a BEFORE UPDATE OR DELETE row trigger raises restrict_violation (23001), which
  Django reports as IntegrityError. TRUNCATE fires no row trigger: wiping the whole database
  (manage.py flush, the test runner between transactional tests) still works.
- SQLite: BEFORE UPDATE and BEFORE DELETE triggers RAISE(ABORT), also an IntegrityError.
  SQLite has no TRUNCATE, so the flush is the one DELETE let through: config.sqlite_backend
  puts a row in FLAG_TABLE, empties the tables and removes the row, all in one transaction.

Consequences: a user who authored history cannot be deleted (history_user would be set to
NULL); deactivate them instead. simple-history's clean_duplicate_history and
clean_old_history commands are refused. On SQLite a migration that rebuilds a history table
(most AlterField / AddField on a model with history) drops its triggers: such a migration
must end with migrations.RunPython(history_guard.install_for(*models),
history_guard.uninstall_for(*models)) naming the app's history models again
(tests/test_history_integrity.py checks every table).
"""

FLAG_TABLE = "history_maintenance"
PG_FUNCTION = "history_refuse_change"

PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'History is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _sql(vendor: str, table: str) -> list[str]:
    """The table's triggers, dropped first so that installing again replaces them."""
    if vendor == "postgresql":
        return [
            *_drop_sql(vendor, table),
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        ]
    if vendor == "sqlite":
        message = f"History is append-only: %s on {table} refused"
        return [
            *_drop_sql(vendor, table),
            f'CREATE TRIGGER "{table}_no_update" BEFORE UPDATE ON "{table}" '
            f"BEGIN SELECT RAISE(ABORT, '{message % 'UPDATE'}'); END",
            f'CREATE TRIGGER "{table}_no_delete" BEFORE DELETE ON "{table}" '
            f'WHEN NOT EXISTS (SELECT 1 FROM "{FLAG_TABLE}") '
            f"BEGIN SELECT RAISE(ABORT, '{message % 'DELETE'}'); END",
        ]
    raise NotImplementedError(f"No append-only history triggers for {vendor}.")


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"']
    return [
        f'DROP TRIGGER IF EXISTS "{table}_no_update"',
        f'DROP TRIGGER IF EXISTS "{table}_no_delete"',
    ]


def flag_table_sql() -> str:
    """The SQLite flag table (not a model, so a flush leaves it alone)."""
    return f'CREATE TABLE IF NOT EXISTS "{FLAG_TABLE}" (since TEXT NOT NULL)'


def install_for(*labels: str):
    """A RunPython function installing the triggers on these models' history tables."""

    def install(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = [PG_FUNCTION_SQL] if vendor == "postgresql" else [flag_table_sql()]
        for label in labels:
            table = apps.get_model(label)._meta.db_table
            statements.extend(_sql(vendor, table))
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return install


def uninstall_for(*labels: str):
    """The reverse of install_for: drop the triggers (the function and flag table stay)."""

    def uninstall(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for label in labels:
            for statement in _drop_sql(vendor, apps.get_model(label)._meta.db_table):
                schema_editor.execute(statement, params=None)

    return uninstall
