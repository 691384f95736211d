import logging
import time

from django.db import OperationalError
from django.shortcuts import render

from audits.errors import DATABASE_BUSY, is_database_busy

logger = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    """A page whose write found the database locked (SQLite: one writer at a time) answers
    503 "try again", as the API does (audits/api_errors.py), instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and is_database_busy(exception)):
            return None
        logger.warning("Database busy: %s %s", request.method, request.path)
        response = render(request, "database_busy.html", {"message": DATABASE_BUSY}, status=503)
        response["Retry-After"] = "2"
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


class SessionTimeoutMiddleware:
    """Sign people out after 30 idle minutes, and 8 hours after they signed in, whatever they
    do: an unattended screen must not stay open on children's records."""

    IDLE_KEY = "last_seen"
    START_KEY = "signed_in_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.contrib.auth import logout

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(self.START_KEY, now)
            last_seen = request.session.get(self.IDLE_KEY, now)
            if (
                now - last_seen > settings.SESSION_IDLE_TIMEOUT
                or now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            ):
                logout(request)  # flushes the session: the old cookie is worthless from here
            elif now - last_seen >= 60 or self.IDLE_KEY not in request.session:
                # Once a minute is exact enough, and spares a session write per request.
                request.session[self.IDLE_KEY] = now
        return self.get_response(request)


def session_stamp(sender, request, user, **kwargs):
    """Start the idle and absolute clocks of a new session."""
    now = int(time.time())
    request.session[SessionTimeoutMiddleware.START_KEY] = now
    request.session[SessionTimeoutMiddleware.IDLE_KEY] = now


class TwoFactorMiddleware:
    """Until a code verifies the session, QA leads, administrators and anyone who has set up
    two-factor sign-in reach only the two-factor pages, sign-out and static files: pages
    redirect there, the API answers 403. Token-authenticated API calls are not sessions and pass:
    a token stands for both factors (audits/api/tokens.py issues one only after the code)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import JsonResponse
        from django.shortcuts import redirect

        from config import two_factor

        path = request.path
        step = two_factor.next_step(request)
        if (
            step is None
            or path.startswith(settings.STATIC_URL)
            or path in two_factor.exempt_paths()
        ):
            return self.get_response(request)
        if path.startswith("/api/"):
            where = two_factor.step_url(step)
            message = (
                f"Two-factor sign-in: enter the code from your authenticator app at {where} "
                "before using the API from this session."
                if step == two_factor.VERIFY
                else f"Two-factor sign-in is required: set it up at {where} "
                "before using the API from this session."
            )
            return JsonResponse({"detail": message}, status=403)
        next_path = request.get_full_path() if request.method == "GET" else ""
        return redirect(two_factor.step_url(step, next_path))


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
