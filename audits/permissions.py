"""Who may see and change what. Pages and API both call these; nothing else decides access.

404 when the user may not know the object exists, 403 when they may see but not change it.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from .models import Action, Audit, Case, Programme, User


def _is_staff_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def audits_visible_to(user: User) -> QuerySet[Audit]:
    """Every audit the user may read."""
    audits = Audit.objects.all()
    if not _is_staff_member(user):
        return audits.none()
    visible = _visible_by_role(user)
    hidden = blind_hidden_from(user)
    if hidden is not None:
        # After every branch: a moderator who is also an auditor, a line manager, a head of
        # service or a QA lead reads no blind-pending audit through any of those roles.
        visible &= ~hidden
    return audits.filter(visible)


def _visible_by_role(user: User) -> Q:
    """What the user's roles let them read, before the blind rule."""
    if user.is_qa_lead:
        return Q()
    submitted = Q(status__in=Audit.LOCKED_STATUSES)
    # A line manager follows the submitted audits (and their moderation) of their managers.
    visible = submitted & Q(auditor__line_manager=user)
    if user.is_auditor:
        visible |= Q(auditor=user)
        if user.team_id:
            visible |= submitted & (
                Q(case__team_id=user.team_id) | Q(auditor__team_id=user.team_id)
            )
    if user.is_moderator:
        visible |= submitted
    if user.is_viewer:
        visible |= Q(case__team__service_area__in=user.service_areas.all())
    return visible


def blind_pending_moderations(prefix: str = "") -> Q:
    """The moderations (reached through `prefix`) that keep their audit's grades hidden.

    Blind is decided when a moderator claims: a claimed moderation is blind if it was claimed
    blind (Moderation.blind, from the tool or programme at that moment); a waiting one is
    blind if its tool or programme asks now, so switching a programme's blind moderation on
    or off applies to the moderations nobody has claimed yet. Pending until the moderator
    has graded and revealed (revealed_at).
    """

    def q(**lookups) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})

    waiting_blind = q(status="sampled") & (
        q(audit__tool__blind_moderation=True) | q(audit__programme__blind_moderation=True)
    )
    claimed_blind = q(status="claimed", blind=True)
    return (waiting_blind | claimed_blind) & q(revealed_at__isnull=True)


def blind_pending_audits() -> QuerySet[Audit]:
    """Audits whose auditor's grades no moderator may read yet: the blind rule, written once.

    An audit is pending while one of its moderations is (blind_pending_moderations). Every
    audit of the same case in the same month is pending with it: a submission returned for
    rework (revision 1) carries the same grades as the revision being moderated.
    """
    from moderation.models import Moderation  # moderation depends on audits, not back

    pending = Moderation.objects.filter(
        blind_pending_moderations(),
        audit__case_id=OuterRef("case_id"),
        audit__month=OuterRef("month"),
    )
    return Audit.objects.filter(Exists(pending))


def audit_grades_hidden(audit_id: int) -> bool:
    """The blind rule for one audit: its auditor's grades are hidden (from everyone's view
    of the moderation; from moderators' view of the audit itself, blind_hidden_from)."""
    return blind_pending_audits().filter(pk=audit_id).exists()


def grades_hidden_annotation(audit_field: str = "pk") -> Exists:
    """The same rule as a column for lists: `.annotate(grades_hidden=...)`."""
    return Exists(blind_pending_audits().filter(pk=OuterRef(audit_field)))


def blind_applies_to(user: User) -> bool:
    """Everyone who may moderate is kept blind, whatever other roles they hold."""
    return _is_staff_member(user) and user.is_moderator


def blind_hidden_from(user: User, prefix: str = "") -> Q | None:
    """The audits (reached through `prefix`) this user may not read because of blind
    moderation, or None when nothing is hidden from them.

    Hidden from everyone who may moderate, whatever other roles they hold; an auditor who is
    also a moderator still reads their own audits (nobody moderates an audit they wrote).
    """
    if not blind_applies_to(user):
        return None
    return blind_hidden_from_moderator(user.pk, prefix)


def blind_hidden_from_moderator(moderator_id: int, prefix: str = "") -> Q:
    """blind_hidden_from for a person known to hold the moderator role, by id (reports)."""
    return Q(**{f"{prefix}pk__in": blind_pending_audits().values("pk")}) & ~Q(
        **{f"{prefix}auditor_id": moderator_id}
    )


def audit_write_allowed(*, user: User, audit: Audit) -> bool:
    """Only the audit's own auditor writes its content (its state is the service's business)."""
    return _is_staff_member(user) and audit.auditor_id == user.pk


BLIND_HIDDEN = (
    "This audit is hidden from you while it waits for blind moderation: you may moderate, so "
    "you can read it once its moderator has graded it."
)


def audit_for_user(*, user: User, audit_id: int, write: bool = False) -> Audit:
    """The audit if the user may read it (404 otherwise); with write, 403 unless they may edit."""
    audit = (
        audits_visible_to(user)
        .select_related("case__team__service_area", "auditor", "tool", "programme")
        .filter(pk=audit_id)
        .first()
    )
    if audit is None:
        hidden = blind_hidden_from(user)
        if hidden is not None and (
            Audit.objects.filter(hidden, _visible_by_role(user), pk=audit_id).exists()
        ):
            # Only the blind rule hides it, from someone who can see it is in the sample.
            raise Http404(BLIND_HIDDEN)
        raise Http404("No such audit.")
    if write and not audit_write_allowed(user=user, audit=audit):
        raise PermissionDenied("Only the audit's auditor can change it.")
    return audit


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases the user may read: a case reference is not personal data, but scope still applies."""
    cases = Case.objects.all()
    if not _is_staff_member(user):
        return cases.none()
    if user.is_qa_lead or user.is_moderator:
        return cases
    visible = Q(pk__in=[])
    if user.is_auditor and user.team_id:
        visible |= Q(team_id=user.team_id)
    if user.is_viewer:
        visible |= Q(team__service_area__in=user.service_areas.all())
    return cases.filter(visible)


def has_any_role(user: User) -> bool:
    return _is_staff_member(user) and (
        user.is_qa_lead or user.is_auditor or user.is_moderator or user.is_viewer
    )


def audit_start_allowed(*, user: User, auditor_username: object) -> bool:
    """Asked before any name in the request is looked up, so the answer says nothing of who
    exists: a QA lead assigns audits to anyone; an auditor starts only their own (naming
    nobody, or themself); no one else starts audits."""
    if not _is_staff_member(user):
        return False
    if user.is_qa_lead:
        return True
    return user.is_auditor and auditor_username in (None, user.username)


def audit_create_allowed(*, user: User, case: Case, auditor: User) -> bool:
    """QA leads assign any case; an auditor starts ad hoc audits of their team's cases."""
    if not _is_staff_member(user):
        return False
    if user.is_qa_lead:
        return auditor.is_auditor
    return user.is_auditor and auditor.pk == user.pk and case.team_id == user.team_id


def audit_reaudit_allowed(*, user: User, audit: Audit) -> bool:
    """A re-audit is a new audit of the same case, so the same rule as starting one applies."""
    return audit_create_allowed(user=user, case=audit.case, auditor=user)


def configure_allowed(user: User) -> bool:
    """Tools, programmes, cases, targets and imports are the QA lead's."""
    return _is_staff_member(user) and user.is_qa_lead


def require_configure(user: User) -> None:
    if not configure_allowed(user):
        raise PermissionDenied("Only a QA lead can do this.")


def programme_for_user(*, user: User, programme_id: int, write: bool = False) -> Programme:
    """Programmes are read by anyone with a role and configured by QA leads."""
    if not has_any_role(user):
        raise Http404("No such programme.")
    programme = Programme.objects.select_related("tool").filter(pk=programme_id).first()
    if programme is None:
        raise Http404("No such programme.")
    if write:
        require_configure(user)
    return programme


def action_create_allowed(*, user: User, audit: Audit) -> bool:
    """The auditor adds actions to their own audit; a QA lead to any; a moderator to theirs."""
    if not _is_staff_member(user):
        return False
    return (
        audit.auditor_id == user.pk
        or user.is_qa_lead
        or (user.is_moderator and audit.moderations.filter(moderator=user).exists())
    )


def action_write_allowed(*, user: User, action: Action) -> bool:
    """The auditor follows their own actions; a QA lead may close any action."""
    return _is_staff_member(user) and (action.audit.auditor_id == user.pk or user.is_qa_lead)


def action_for_user(*, user: User, action_id: int, write: bool = False) -> Action:
    """The action if its audit is readable (404 otherwise); with write, 403 unless allowed."""
    action = (
        Action.objects.select_related("audit")
        .filter(pk=action_id, audit__in=audits_visible_to(user))
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    if write and not action_write_allowed(user=user, action=action):
        raise PermissionDenied("Only the audit's auditor or a QA lead can change this action.")
    return action
