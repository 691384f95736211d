"""Turn domain errors into 400/409 answers with a message per field, never a 500."""

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        body.update(exc.field_errors)
        code = status.HTTP_409_CONFLICT if exc.status_code == 409 else status.HTTP_400_BAD_REQUEST
        return Response(body, status=code)
    return drf_exception_handler(exc, context)
