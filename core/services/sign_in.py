"""The record of password sign-ins and lockouts (core.models.SignInEvent).

The lockout's counts live in the shared cache (django-axes' cache handler), which keeps no
record of who tried, when or from where: these rows are that record, for an investigation.
Never a password: only the username as typed, the address, the device and the path.
"""

from django.utils import timezone

from core.models import SignInEvent, User

USERNAME_LIMIT = 150
TEXT_LIMIT = 255


def sign_in_event_record(
    *,
    kind: str,
    username: str,
    ip_address: str | None = None,
    user_agent: str = "",
    path: str = "",
    failures: int | None = None,
    person: User | None = None,
    actor: User | None = None,
    reason: str = "",
) -> SignInEvent:
    """Record one sign-in event; the person is the one the username names, if any."""
    username = (username or "")[:USERNAME_LIMIT]
    if person is None and username:
        person = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    return SignInEvent.objects.create(
        at=timezone.now(),
        kind=kind,
        username=username,
        person=person,
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:TEXT_LIMIT],
        path=(path or "")[:TEXT_LIMIT],
        failures=failures,
        actor=actor,
        reason=reason.strip(),
    )
