"""Who may see and change what. Pages and API both call these; nothing else decides access.

404 when the user may not know the object exists, 403 when they may see but not change it.
Each rule is a yes/no function (`x_allowed(*, user, obj) -> bool`); require() is the one way a
rule's no becomes a 403, with the refusal's message kept beside its rule.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from core.models import Action, Audit, AuditTool, Case, Domain, Programme, User


def require(allowed: bool, message: str) -> None:
    """Refuse with 403 and the message unless the rule allowed it."""
    if not allowed:
        raise PermissionDenied(message)


def signed_in_and_active(user) -> bool:
    """Signed in with an active account: the first condition of every access rule."""
    return bool(user and user.is_authenticated and user.is_active)


def audits_visible_by_role(user: User) -> Q:
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


AUDIT_WRITE_REFUSED = "Only the audit's auditor can change it."


def audit_write_allowed(*, user: User, audit: Audit) -> bool:
    """Only the audit's own auditor writes its content (its state is the service's business);
    an unassigned audit is written by nobody until a QA lead gives it to someone."""
    return (
        signed_in_and_active(user) and audit.auditor_id is not None and audit.auditor_id == user.pk
    )


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Cases the user may read: a case reference is not personal data, but scope still applies."""
    cases = Case.objects.all()
    if not signed_in_and_active(user):
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
    return signed_in_and_active(user) and (
        user.is_qa_lead or user.is_auditor or user.is_moderator or user.is_viewer
    )


AUDIT_CREATE_REFUSED = (
    "A QA lead assigns audits to auditors; an auditor starts their own audits of their "
    "team's cases."
)


def audit_start_allowed(*, user: User, auditor_username: object) -> bool:
    """Asked before any name in the request is looked up, so the answer says nothing of who
    exists: a QA lead assigns audits to anyone; an auditor starts only their own (naming
    nobody, or themself); no one else starts audits."""
    if not signed_in_and_active(user):
        return False
    if user.is_qa_lead:
        return True
    return user.is_auditor and auditor_username in (None, user.username)


def auditor_assignable(*, auditor: User | None) -> bool:
    """Who may be given an audit to write: an active auditor (programmes assign any case of
    the authority to any auditor; reassigning follows the same rule)."""
    return auditor is not None and auditor.is_active and auditor.is_auditor


def audit_create_allowed(*, user: User, case: Case, auditor: User) -> bool:
    """QA leads assign any case; an auditor starts ad hoc audits of their team's cases."""
    if not signed_in_and_active(user):
        return False
    if user.is_qa_lead:
        return auditor.is_auditor
    return user.is_auditor and auditor.pk == user.pk and case.team_id == user.team_id


REAUDIT_REFUSED = (
    "Only an auditor in the case's team can re-audit it, and not the auditor of the earlier "
    "audit: a re-audit is a fresh pair of eyes."
)


def audit_reaudit_allowed(*, user: User, audit: Audit) -> bool:
    """A re-audit is a new audit of the same case (the same rule as starting one), by someone
    other than the earlier audit's auditor."""
    return audit.auditor_id != user.pk and audit_create_allowed(
        user=user, case=audit.case, auditor=user
    )


CONFIGURE_REFUSED = "Only a QA lead can do this."


def configure_allowed(*, user: User) -> bool:
    """Tools, programmes, cases, targets, imports and the access log are the QA lead's."""
    return signed_in_and_active(user) and user.is_qa_lead


TOOLS_REFUSED = "Only a QA lead can set up audit tools."


def tools_configure_allowed(*, user: User) -> bool:
    """Audit tools are set up, previewed and published by QA leads (every tool page)."""
    return configure_allowed(user=user)


def tools_visible_to(user: User) -> QuerySet[AuditTool]:
    """A QA lead reads every version, drafts too; anyone else with a role the published ones
    (an auditor grades against them); no one else any."""
    if not has_any_role(user):
        return AuditTool.objects.none()
    if user.is_qa_lead:
        return AuditTool.objects.all()
    return AuditTool.objects.published()


def tool_for_user(*, user: User, tool_id: int, write: bool = False) -> AuditTool:
    """One tool version: 404 if the user may not read it, 403 to change it unless a QA lead."""
    tool = tools_visible_to(user).filter(pk=tool_id).first()
    if tool is None:
        raise Http404("No such tool.")
    if write:
        require(tools_configure_allowed(user=user), TOOLS_REFUSED)
    return tool


def domain_for_user(*, user: User, domain_id: int, write: bool = False) -> Domain:
    """A domain of a tool version the user may read (and, to change it, configure)."""
    domain = Domain.objects.filter(pk=domain_id, tool__in=tools_visible_to(user)).first()
    if domain is None:
        raise Http404("No such domain.")
    if write:
        require(tools_configure_allowed(user=user), TOOLS_REFUSED)
    return domain


STAFF_REFUSED = "Only a QA lead can manage staff, teams and service areas."


def staff_manage_allowed(*, user: User) -> bool:
    """People, teams, service areas, invitations, roles and the staff import: QA leads only."""
    return signed_in_and_active(user) and user.is_qa_lead


def audit_list_in_menu(*, user: User) -> bool:
    """The All audits list is offered to QA leads, moderators and heads of service; a team
    manager works from My audits (and what it links to)."""
    return signed_in_and_active(user) and (user.is_qa_lead or user.is_moderator or user.is_viewer)


PROGRAMMES_REFUSED = (
    "Programmes are the QA team's and team managers' plans for the whole authority: your "
    "reports show your areas' audits and figures."
)


def programmes_visible(*, user: User) -> bool:
    """The month's programmes (authority-wide targets, every assignment) are read by those who
    plan, audit or moderate them; a head of service follows their areas in the reports."""
    return signed_in_and_active(user) and (user.is_qa_lead or user.is_moderator or user.is_auditor)


def my_audits_in_menu(*, user: User) -> bool:
    """My audits is an auditor's own list: nobody else is given audits to write."""
    return signed_in_and_active(user) and user.is_auditor


def programme_for_user(*, user: User, programme_id: int, write: bool = False) -> Programme:
    """Programmes are read by those who plan, audit or moderate and configured by QA leads."""
    if not has_any_role(user):
        raise Http404("No such programme.")
    require(programmes_visible(user=user), PROGRAMMES_REFUSED)
    programme = Programme.objects.select_related("tool").filter(pk=programme_id).first()
    if programme is None:
        raise Http404("No such programme.")
    if write:
        require(configure_allowed(user=user), CONFIGURE_REFUSED)
    return programme


REASSIGN_REFUSED = "Only a QA lead can reassign or unassign audits and moderations."


def reassign_allowed(*, user: User) -> bool:
    """Moving work from one person to another (someone left, or is off sick), or taking
    audits off their auditor until someone is found (unassigned), is the QA lead's."""
    return configure_allowed(user=user)


ACTION_CREATE_REFUSED = "Only the audit's auditor or a QA lead can add actions."


def action_create_allowed(*, user: User, audit: Audit) -> bool:
    """The auditor adds actions to their own audit; a QA lead to any; a moderator to theirs."""
    if not signed_in_and_active(user):
        return False
    return (
        audit.auditor_id == user.pk
        or user.is_qa_lead
        or (user.is_moderator and audit.moderations.filter(moderator=user).exists())
    )


ACTION_WRITE_REFUSED = "Only the audit's auditor or a QA lead can change this action."


def action_write_allowed(*, user: User, action: Action) -> bool:
    """The auditor follows their own actions; a QA lead may close any action."""
    return signed_in_and_active(user) and (action.audit.auditor_id == user.pk or user.is_qa_lead)


TWO_FACTOR_REQUIRED = "QA leads and administrators must use two-factor sign-in."


def two_factor_required(user) -> bool:
    """QA leads and administrators may not use the service on a password alone."""
    return bool(user.is_superuser or user.is_staff or user.is_qa_lead)
