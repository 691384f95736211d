"""Who may read which reports. The API, pages and exports all ask here."""

from django.db.models import QuerySet
from django.http import Http404

from core.models import Audit, ServiceArea, Team, User
from core.months import months_before
from core.permissions import require, signed_in_and_active
from moderation.blind import blind_hidden_from
from reporting.models import ReportSnapshot

SIGN_IN_REFUSED = "Sign in to read reports."
REPORTS_REFUSED = (
    "Reports are for QA leads, moderators, heads of service and team managers (their own team)."
)
OWN_TEAM_ONLY_REFUSED = "As a team manager you can read your own team's reports only."
OWN_AREAS_REFUSED = "You can read reports for your own service areas only."
OWN_TEAMS_REFUSED = "You can read reports for teams in your own service areas only."
SNAPSHOTS_REFUSED = "Published reports cover the whole authority: QA leads and moderators only."
CALIBRATION_REFUSED = (
    "Auditor calibration is for QA leads, heads of service (their areas) and team managers "
    "(their team)."
)
PUBLISH_REFUSED = "Only a QA lead can publish the monthly report."
SNAPSHOT_BLIND_REFUSED = (
    "This published report counts audits that are waiting for blind moderation. "
    "You may moderate, so you can read it once they have been moderated."
)


def reports_readable(*, user: User) -> bool:
    """QA leads, moderators and heads of service read reports (pages, API, exports, menu);
    a team manager reads their own team's (reports_limited_to_team)."""
    return signed_in_and_active(user) and (
        user.is_qa_lead or user.is_moderator or user.is_viewer or reports_limited_to_team(user)
    )


def reports_limited_to_team(user: User) -> bool:
    """A team manager (an auditor in a team, with no wider role) reads their own team's
    reports only: every report is forced to their team (report_scope), and asking for another
    team or a service area is refused (report_areas_for_user), as a head of service is."""
    return bool(
        signed_in_and_active(user)
        and user.is_auditor
        and user.team_id
        and not (user.is_qa_lead or user.is_moderator or user.is_viewer)
    )


def check_reports_readable(user: User) -> None:
    """The role alone, before any filter is read: an auditor gets 403 whatever they ask."""
    require(signed_in_and_active(user), SIGN_IN_REFUSED)
    require(reports_readable(user=user), REPORTS_REFUSED)


def report_areas_for_user(
    *, user: User, service_area: ServiceArea | None, team: Team | None
) -> tuple[int, ...] | None:
    """The service areas a user's report is limited to: None for the whole authority.

    QA leads and moderators read every part of the service; a head of service (viewer) only
    their own areas, and asking for another area or team is refused (403) rather than
    answered with an empty report that would look like "no audits". A team manager reads
    their own team (report_scope forces it), in their team's area; asking for another team
    or area is refused the same way. Anyone else: 403.
    """
    check_reports_readable(user)
    if reports_cover_every_area(user):
        return None
    if reports_limited_to_team(user):
        assert user.team is not None  # reports_limited_to_team
        area_id = user.team.service_area_id
        require(service_area is None or service_area.pk == area_id, OWN_TEAM_ONLY_REFUSED)
        require(team is None or team.pk == user.team_id, OWN_TEAM_ONLY_REFUSED)
        return (area_id,)
    own = tuple(sorted(user.service_areas.values_list("pk", flat=True)))
    require(service_area is None or service_area.pk in own, OWN_AREAS_REFUSED)
    require(team is None or team.service_area_id in own, OWN_TEAMS_REFUSED)
    return own


def reports_cover_every_area(user: User) -> bool:
    """QA leads and moderators read every service area's report; a head of service only
    their own (report_areas_for_user)."""
    return bool(user.is_qa_lead or user.is_moderator)


def snapshots_readable(user: User) -> bool:
    """Published snapshots are authority-wide, so only those who read every area may read
    them: QA leads and moderators. A head of service reads their own areas' live report."""
    return signed_in_and_active(user) and (user.is_qa_lead or user.is_moderator)


def check_snapshots_readable(user: User) -> None:
    """snapshots_readable, raising: 403 with the reason."""
    require(signed_in_and_active(user), SIGN_IN_REFUSED)
    require(snapshots_readable(user), SNAPSHOTS_REFUSED)


def calibration_readable(*, user: User) -> bool:
    """Auditor calibration names auditors: QA leads; heads of service for their own areas
    and team managers for their own team (the range scope limits them, as every report);
    not moderators, who are the other side of the comparison."""
    return signed_in_and_active(user) and (
        user.is_qa_lead or user.is_viewer or reports_limited_to_team(user)
    )


def check_calibration_readable(user: User) -> None:
    require(calibration_readable(user=user), CALIBRATION_REFUSED)


def snapshot_publish_allowed(user: User) -> bool:
    """Only a QA lead publishes the monthly report."""
    return signed_in_and_active(user) and user.is_qa_lead


def check_snapshot_publish(user: User) -> None:
    """snapshot_publish_allowed, raising: 403 with the reason."""
    require(snapshot_publish_allowed(user), PUBLISH_REFUSED)


def snapshots_for_user(*, user: User) -> QuerySet[ReportSnapshot]:
    """Every published report snapshot, without its figures, for those who may read them."""
    check_snapshots_readable(user)
    return ReportSnapshot.objects.select_related("requested_by").defer("data", "xlsx")


def snapshot_for_user(*, user: User, snapshot_id: int) -> ReportSnapshot:
    """One snapshot with its figures: 403 unless the user reads snapshots, 404 if none."""
    check_snapshots_readable(user)
    snapshot = ReportSnapshot.objects.select_related("requested_by").filter(pk=snapshot_id).first()
    if snapshot is None:
        raise Http404("No such report snapshot.")
    check_snapshot_not_blind(user=user, snapshot=snapshot)
    return snapshot


def snapshot_not_blind(*, user: User, snapshot: ReportSnapshot) -> bool:
    """A snapshot counts every audit of its month and the month before, so a person who may
    moderate reads it only once none of those audits waits for blind moderation: its figures
    less the audits they may list would give the hidden grades away."""
    hidden = blind_hidden_from(user)
    if hidden is None:
        return True
    months = (snapshot.month, months_before(snapshot.month, 1))
    return not Audit.objects.filter(hidden, month__in=months).exists()


def check_snapshot_not_blind(*, user: User, snapshot: ReportSnapshot) -> None:
    require(snapshot_not_blind(user=user, snapshot=snapshot), SNAPSHOT_BLIND_REFUSED)
