"""Who may read which reports. The API, pages and exports all ask here."""

from django.core.exceptions import PermissionDenied

from audits.models import ServiceArea, Team, User


def report_areas_for_user(
    *, user: User, service_area: ServiceArea | None, team: Team | None
) -> tuple[int, ...] | None:
    """The service areas a user's report is limited to: None for the whole authority.

    QA leads and moderators read every part of the service; a head of service (viewer) only
    their own areas, and asking for another area or team is refused (403) rather than
    answered with an empty report that would look like "no audits". Anyone else: 403.
    """
    if not (user and user.is_authenticated and user.is_active):
        raise PermissionDenied("Sign in to read reports.")
    if user.is_qa_lead or user.is_moderator:
        return None
    if not user.is_viewer:
        raise PermissionDenied("Reports are for QA leads, moderators and heads of service.")
    own = tuple(sorted(user.service_areas.values_list("pk", flat=True)))
    if service_area is not None and service_area.pk not in own:
        raise PermissionDenied("You can read reports for your own service areas only.")
    if team is not None and team.service_area_id not in own:
        raise PermissionDenied("You can read reports for teams in your own service areas only.")
    return own
