import time


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
