"""SQLite lets one writer at a time: a claim that finds the database locked answers 503 with
"try again" (page and API), as an audit save does when the database is unavailable, never a
500. The lock is the database's own answer, given through Django's execute_wrapper hook."""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from core.errors import DATABASE_BUSY
from moderation.models import Moderation

pytestmark = pytest.mark.django_db


@contextmanager
def database_locked_for_writes():
    """Every UPDATE is refused as SQLite refuses it when another process holds the lock."""

    def refuse(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE"):
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


def test_an_api_claim_on_a_locked_database_answers_503_try_again(api_client, moderator, moderation):
    api_client.force_login(moderator)
    with database_locked_for_writes():
        response = api_client.post(f"/api/moderations/{moderation.pk}/claim/", {}, format="json")
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_BUSY}
    assert response["Retry-After"] == "2"
    assert Moderation.objects.get(pk=moderation.pk).moderator_id is None


def test_a_page_claim_on_a_locked_database_answers_503_try_again(client, moderator, moderation):
    client.force_login(moderator)
    with database_locked_for_writes():
        response = client.post(f"/moderation/{moderation.pk}/claim/")
    assert response.status_code == 503
    assert DATABASE_BUSY in response.content.decode().replace("&#x27;", "'")
    assert response["Retry-After"] == "2"
