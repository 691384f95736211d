"""Django's SQLite backend, with a flush that history tables' triggers let through.

History tables refuse DELETE (core/history_guard.py). PostgreSQL's flush is a TRUNCATE,
which row triggers do not see; SQLite's flush is a DELETE per table, so it raises a flag row
the triggers look for, inside the flush's own transaction, and lowers it again at the end.
"""

from django.db.backends.sqlite3 import base, operations

from core.history_guard import FLAG_TABLE, flag_table_sql


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not sql:
            return sql
        return [
            flag_table_sql(),
            f"INSERT INTO \"{FLAG_TABLE}\" (since) VALUES (datetime('now'))",
            *sql,
            f'DELETE FROM "{FLAG_TABLE}"',
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
