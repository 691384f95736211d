"""Inserting many rows at once with one history row each, for imports of history.

On PostgreSQL the rows go in with COPY: their ids are taken from the table's sequence first, so
the history rows (also COPY) and the rows that point at them can be written without reading
anything back. Elsewhere (SQLite) django-simple-history's bulk_create_with_history does it.
Either way every row gets exactly one history row ("+", the actor, the reason, one time), in the
caller's transaction, so the record stays complete and an import stays all or nothing.

Bypasses Model.save(): only for rows that are inserted complete and never changed after
(imported audits, grades and moderations); the database's constraints still apply.
"""

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.models import User

# SQLite limits the parameters of one statement.
BATCH = 500


def _completed(fields: Sequence[models.Field], row: dict, now) -> dict:
    """The row with every field's value: what was given, else what save() would have put."""
    values = {}
    for field in fields:
        if field.attname in row:
            values[field.attname] = row[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.attname] = now
        else:
            values[field.attname] = field.get_default()
    return values


# Fields whose Python value psycopg writes as it is on PostgreSQL (Django's preparation returns
# it unchanged there); anything else (JSON) goes through get_db_prep_save.
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DateField,
    models.ForeignKey,
    models.AutoField,
)


def _copy(table: str, fields: Sequence[models.Field], rows: list[dict]) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    prepared = [(i, f) for i, f in enumerate(fields) if not isinstance(f, PLAIN)]
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = [row[name] for name in names]
                for i, field in prepared:
                    values[i] = field.get_db_prep_save(values[i], connection)
                copy.write_row(values)


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_with_history(
    model: type[models.Model], rows: list[dict], *, actor: User | None, reason: str
) -> list[int]:
    """Insert rows (dicts of field attnames) and one history row each; returns their ids."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        bulk_create_with_history(
            objects, model, batch_size=BATCH, default_user=actor, default_change_reason=reason
        )
        return [obj.pk for obj in objects]
    now = timezone.now()
    ids = _reserve_ids(model, len(rows))
    pk = model._meta.pk.attname
    fields = model._meta.concrete_fields
    rows = [_completed(fields, {**row, pk: id_}, now) for row, id_ in zip(rows, ids, strict=True)]
    _copy(model._meta.db_table, fields, rows)
    history = model.history.model  # type: ignore[attr-defined]
    stamp = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": actor.pk if actor else None,
    }
    tracked = [f for f in history._meta.concrete_fields if not f.primary_key]
    _copy(history._meta.db_table, tracked, [{**row, **stamp} for row in rows])
    return ids


def refresh_statistics(*tables: type[models.Model]) -> None:
    """After a bulk insert, tell PostgreSQL's planner how big the tables now are (ANALYZE, in
    the caller's transaction: it counts the transaction's own new rows). Without it the planner
    still believes a freshly filled table is nearly empty and joins it row by row: the report
    summary's refresh after a 2,000-row import took 10 s instead of 0.15 s."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
