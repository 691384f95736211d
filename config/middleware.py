import logging
from contextlib import suppress

from django.db import OperationalError
from django.shortcuts import render

from core.errors import (
    DATABASE_BUSY,
    SHARED_STATE_ERRORS,
    SHARED_STATE_UNAVAILABLE,
    is_database_busy,
)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

logger = logging.getLogger(__name__)


class TryAgainMiddleware:
    """A page whose write found the database locked (SQLite: one writer at a time), or that
    needed the shared cache when it did not answer (a sign-in's lockout count), answers 503
    "try again", as the API does (core/api_errors.py), instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError) and is_database_busy(exception):
            logger.warning("Database busy: %s %s", request.method, request.path)
            message = DATABASE_BUSY
        elif isinstance(exception, SHARED_STATE_ERRORS):
            logger.error("Shared cache unavailable: %s %s", request.method, request.path)
            message = SHARED_STATE_UNAVAILABLE
        else:
            return None
        response = render(request, "database_busy.html", {"message": message}, status=503)
        response["Retry-After"] = "2"
        return response


class InboxCountMiddleware:
    """A person's own change (any POST, PUT, PATCH or DELETE they send, page or API) shows in
    their header's inbox count on their next page: the kept count is forgotten (audits.inbox)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method not in SAFE_METHODS and user is not None and user.is_authenticated:
            from audits.inbox import header_count_forget

            # The change is saved whatever the cache says; a kept count lapses in
            # HEADER_COUNT_SECONDS anyway.
            with suppress(*SHARED_STATE_ERRORS):
                header_count_forget(user=user)
        return response


class NoStoreMiddleware:
    """Forbid caching of every dynamic response: pages and API carry case data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class RequestSizeMiddleware:
    """Refuse a request body over its limit (413) before anything reads it.

    DATA_UPLOAD_MAX_MEMORY_SIZE bounds every body; only the import upload may send up to
    IMPORT_UPLOAD_MAX_SIZE. Django applies its own limit only to form fields (not to uploaded
    files, nor to DRF, whose JSON parser reads the request stream itself), so the size is
    checked here, once, from Content-Length; a body without one is read as empty by both.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import HttpResponse, JsonResponse

        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        upload = request.path in settings.IMPORT_UPLOAD_PATHS
        limit = settings.IMPORT_UPLOAD_MAX_SIZE if upload else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if size <= limit:
            return self.get_response(request)
        message = (
            f"The request is too large ({size / 1024 / 1024:.1f} MB): "
            f"{'an import file' if upload else 'a page or API request'} can be at most "
            f"{limit // 1024 // 1024} MB. Nothing was saved."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
