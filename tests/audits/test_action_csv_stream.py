"""The actions CSV streams behind PgBouncer in transaction mode (DATABASE_POOLING=transaction):
no server-side cursor (a pooled connection cannot keep one between transactions), yet the rows
are still sent as they are read, and they are the right rows."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from audits import action_views
from core.models import Action
from tests.audits.test_action_list import _more_actions, world  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PgBouncer stands in front of PostgreSQL: run with a PostgreSQL DATABASE_URL",
    ),
]


def open_cursors() -> int:
    """Server-side cursors open in this session (DECLARE ... CURSOR)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("pooling", ["session", "transaction"])
def test_the_actions_csv_streams_with_and_without_transaction_pooling(
    client,
    world,  # noqa: F811 (the fixture imported above)
    qa_lead,
    monkeypatch,
    pooling,  # noqa: F811
):
    _more_actions(world, 30)
    # What config/settings.py sets for DATABASE_POOLING=transaction, on this test's connection.
    monkeypatch.setitem(
        connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", pooling == "transaction"
    )
    monkeypatch.setattr(action_views, "CSV_CHUNK_SIZE", 10)  # several chunks from 30+ rows
    client.force_login(qa_lead)

    response = client.get(reverse("action_list_csv"))
    assert response.streaming
    lines = iter(response.streaming_content)
    header = next(lines).decode()
    first_row = next(lines).decode()
    # The first row is out while the rest is still to be read from the database: a server-side
    # cursor is open only without transaction pooling.
    assert header.startswith("\ufeffCase reference,")
    assert open_cursors() == (0 if pooling == "transaction" else 1)
    rest = b"".join(lines)

    text = (header + first_row).encode() + rest
    rows = list(csv.reader(io.StringIO(text.decode()[1:])))
    assert len(rows) == 1 + Action.objects.count()
    assert sorted(row[4] for row in rows[1:]) == sorted(
        Action.objects.values_list("description", flat=True)
    )
