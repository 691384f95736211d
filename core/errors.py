"""The one domain error type. The API maps it to 400/409; pages turn it into a form error."""

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# Shown (503) when the database connection drops in the middle of a save or submission.
DATABASE_UNAVAILABLE = (
    "We could not save your changes because the connection to the database was lost. "
    "Nothing from this attempt was kept: your draft is safe as you last saved it. "
    "Try again in a moment."
)

# Shown (503) when another request holds the database's write lock for longer than the wait
# (SQLite allows one writer at a time; PostgreSQL never answers this).
DATABASE_BUSY = (
    "The service is busy saving someone else's change, so nothing from this attempt was "
    "kept. Try again in a moment."
)


# Shown (503) when the shared cache (Redis from CACHE_URL: sign-in lockout counts, API request
# counts) does not answer: a sign-in is refused rather than let through uncounted.
SHARED_STATE_UNAVAILABLE = (
    "The service cannot check sign-in attempts and request limits just now, so nothing from "
    "this attempt was done. Try again in a moment."
)
SHARED_STATE_ERRORS = (RedisConnectionError, RedisTimeoutError)


def is_database_busy(error: BaseException) -> bool:
    """Whether the database refused a write because another one holds its lock."""
    text = str(error).lower()
    return "database is locked" in text or "database table is locked" in text


class DomainError(Exception):
    """A rule of the domain refused the request; the message is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


def add_service_errors(
    form, error: DomainError, *, fallback: str | None = None, renamed: dict | None = None
) -> None:
    """Put a DomainError's messages on a page's form: each on its field, the rest at the top.

    fallback: the field a message without field errors belongs to (else the form's top);
    renamed: the service's field names that the form calls something else.
    """
    renamed = renamed or {}
    for name, messages in (error.field_errors or {fallback or "__all__": [error.message]}).items():
        name = renamed.get(name, name)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


class TransitionNotAllowed(DomainError):
    """The object is not in a state that allows this change."""

    status_code = 409


class StaleVersion(DomainError):
    """Someone saved a newer version since this one was read."""

    status_code = 409
