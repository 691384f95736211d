"""How every service saves a row: with its history author, and inserting once."""

from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import User


def insert_once(obj, field_name: str, message: str) -> None:
    """Insert, turning a lost race on a unique constraint into a clear error, not a 500."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise DomainError(message, field_errors={field_name: [message]}) from error


def set_history_author(obj, actor: User | None):
    # simple-history reads the author from this attribute: no thread-local request needed.
    obj._history_user = actor
    return obj
