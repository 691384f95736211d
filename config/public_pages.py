"""The pages the law asks for, readable by anyone without signing in: the accessibility
statement, the privacy notice and the cookies page. The footer of every page links to them.

Their text names the council from settings (COUNCIL_NAME, COUNCIL_DPO_EMAIL,
ACCESSIBILITY_CONTACT_EMAIL, RECORDS_RETENTION_PERIOD; config/sso_settings.py); unset, each
sentence still reads as plain English. Durations come from the settings that enforce them, so
the pages cannot drift from what the service does.
"""

import datetime as dt

from django.conf import settings
from django.shortcuts import render

# When the statement was written and the service last checked against it. The checks
# themselves run on every change (tests/browser/), so the date moves only when the statement's
# content is reviewed.
STATEMENT_PREPARED = dt.date(2026, 12, 4)
STATEMENT_REVIEWED = dt.date(2026, 12, 4)


def _council() -> dict:
    """The council's details, and the service's own limits, as the pages show them."""
    csrf_days = settings.CSRF_COOKIE_AGE // (24 * 60 * 60)
    return {
        "council_name": settings.COUNCIL_NAME,
        "dpo_email": settings.COUNCIL_DPO_EMAIL,
        "accessibility_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "retention": settings.RECORDS_RETENTION_PERIOD,
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
        "session_hours": settings.SESSION_ABSOLUTE_TIMEOUT // 3600,
        "token_hours": settings.API_TOKEN_TTL,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_cookie_days": csrf_days,
        "sso": settings.OIDC_ENABLED,
    }


def accessibility_statement(request):
    return render(
        request,
        "public/accessibility_statement.html",
        {**_council(), "prepared": STATEMENT_PREPARED, "reviewed": STATEMENT_REVIEWED},
    )


def privacy(request):
    return render(request, "public/privacy.html", _council())


def cookies(request):
    return render(request, "public/cookies.html", _council())
