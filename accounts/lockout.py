"""The sign-in lockout and its record.

django-axes' cache handler counts failed password sign-ins per username and address in the
cache `settings.AXES_CACHE` (Redis from CACHE_URL, so every process and machine shares one
count; config/settings.py). The cache keeps only the running counts: the receivers here write
each attempt and what the lockout made of it to core.models.SignInEvent, and
`sign_in_unlock` lifts a lockout and records who did (the admin's action, the
`unlock_sign_in` command).
"""

from axes.helpers import (
    get_client_ip_address,
    get_client_path_info,
    get_client_user_agent,
    get_client_username,
    get_failure_limit,
)
from axes.utils import reset
from django.conf import settings
from django.utils import timezone

from core.errors import DomainError
from core.models import SignInEvent, User
from core.services.sign_in import sign_in_event_record

NOT_LOCKED = "No sign-in lockout holds this username{where}."


def _where(request) -> dict:
    return {
        "ip_address": get_client_ip_address(request),
        "user_agent": get_client_user_agent(request),
        "path": get_client_path_info(request),
    }


def record_failure(sender, credentials: dict, request=None, **kwargs) -> None:
    """Django's user_login_failed, after django-axes' own receiver (axes is installed before
    accounts, so its receiver is connected first): the request carries what axes made of
    this attempt. Django has already replaced the password in `credentials`; only the
    username is read from them."""
    if request is None or not getattr(request, "axes_updated", False):
        return
    failures = request.axes_failures_since_start
    if failures is None and not request.axes_locked_out:
        return  # not counted: a single sign-on the service refused (AXES_WHITELIST_CALLABLE)
    limit = get_failure_limit(request, credentials)
    if failures is None or failures > limit:
        kind = SignInEvent.Kind.REFUSED
    elif failures == limit:
        kind = SignInEvent.Kind.LOCKED
    else:
        kind = SignInEvent.Kind.FAILED
    username = get_client_username(request, credentials) or ""
    sign_in_event_record(kind=kind, username=username, failures=failures, **_where(request))


def record_sign_in(sender, request, user: User, **kwargs) -> None:
    """Django's user_logged_in: any sign-in (password, single sign-on, a test's login)."""
    where = _where(request) if request is not None else {}
    kind = SignInEvent.Kind.SIGNED_IN
    sign_in_event_record(kind=kind, username=user.get_username(), person=user, **where)


def record_sign_out(sender, request, user: User | None, **kwargs) -> None:
    """Django's user_logged_out (nobody to record when the session had no user)."""
    if user is None:
        return
    where = _where(request) if request is not None else {}
    kind = SignInEvent.Kind.SIGNED_OUT
    sign_in_event_record(kind=kind, username=user.get_username(), person=user, **where)


def addresses_failing(*, username: str) -> list[str | None]:
    """The addresses this username failed to sign in from within the cool-off: those a
    lockout may still hold (each failure restarts the cool-off of its username and address)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failing = (SignInEvent.Kind.FAILED, SignInEvent.Kind.LOCKED, SignInEvent.Kind.REFUSED)
    rows = SignInEvent.objects.filter(username=username, kind__in=failing, at__gte=since)
    return sorted(set(rows.values_list("ip_address", flat=True)), key=lambda a: a or "")


def sign_in_unlock(
    *, username: str, ip_address: str | None = None, actor: User | None, reason: str = ""
) -> list[str | None]:
    """Clear the lockout's count of this username from this address, or from every address
    it failed from within the cool-off; one UNLOCKED event for each address cleared."""
    addresses = [ip_address] if ip_address else addresses_failing(username=username)
    cleared = [address for address in addresses if reset(ip=address, username=username)]
    if not cleared:
        where = f" from {ip_address}" if ip_address else ""
        raise DomainError(NOT_LOCKED.format(where=where))
    for address in cleared:
        sign_in_event_record(
            kind=SignInEvent.Kind.UNLOCKED,
            username=username,
            ip_address=address,
            actor=actor,
            reason=reason,
        )
    return cleared
