"""Turn domain errors into 400/409 answers with a message per field, never a 500.

Every error body is an object with a `detail` message (the API's ErrorOutput); invalid input
adds a list of messages per field beside it.
"""

import logging

from django.db import OperationalError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import (
    DATABASE_BUSY,
    SHARED_STATE_ERRORS,
    SHARED_STATE_UNAVAILABLE,
    DomainError,
    is_database_busy,
)

logger = logging.getLogger(__name__)

INVALID_INPUT = "Invalid input: see the message for each field."


def exception_handler(exc, context):
    if isinstance(exc, OperationalError) and is_database_busy(exc):
        # Nothing was written (the transaction rolled back): the client may simply retry.
        logger.warning("Database busy: %s %s", context["request"].method, context["request"].path)
        return Response({"detail": DATABASE_BUSY}, status=503, headers={"Retry-After": "2"})
    if isinstance(exc, SHARED_STATE_ERRORS):
        logger.error("Shared cache unavailable: %s", context["request"].path)
        return Response(
            {"detail": SHARED_STATE_UNAVAILABLE}, status=503, headers={"Retry-After": "5"}
        )
    if isinstance(exc, DomainError):
        body: dict[str, object] = {"detail": exc.message}
        body.update(exc.field_errors)
        code = status.HTTP_409_CONFLICT if exc.status_code == 409 else status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, ValidationError) and response is not None:
        if isinstance(response.data, dict):
            response.data = {"detail": INVALID_INPUT, **response.data}
        else:  # ValidationError("...") raised with a message, not a dict of fields
            response.data = {"detail": " ".join(str(message) for message in response.data)}
    return response


def not_found(request, exception):
    """config.urls.handler404: a URL under /api/ that matches no route (an id that is not a
    number, a misspelt collection) answers in JSON like every other API error."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)
