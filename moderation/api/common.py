"""What the moderation endpoints share with the audit endpoints, and the user fields."""

from core.api import (
    IF_MATCH,
    ApiViewSet,
    EmptyQueryRefused,
    GradesField,
    MonthField,
    StrictInput,
    error_responses,
    etag,
    list_errors,
    validated,
    validated_content,
    version_from,
)

__all__ = [
    "IF_MATCH",
    "ApiViewSet",
    "EmptyQueryRefused",
    "GradesField",
    "EmptyInput",
    "MonthField",
    "StrictInput",
    "error_responses",
    "etag",
    "list_errors",
    "validated",
    "validated_content",
    "version_from",
]


class EmptyInput(StrictInput):
    """Nothing to send: the request itself is the instruction (send {} or no body)."""
