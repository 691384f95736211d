"""Middleware of the accounts app: session clocks and the two-factor gate."""

import time

from accounts import two_factor


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
    a token stands for both factors (accounts/api.py issues one only after the code)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.http import JsonResponse
        from django.shortcuts import redirect

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
