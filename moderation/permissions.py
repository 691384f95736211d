"""Who may see and change moderations and escalations. Services, pages and API call these.

404 when the user may not know the object exists, 403 when they may see but not change it.
Each state change has one yes/no function here, and the service that makes the change calls
it through core.permissions.require, so no page or endpoint can skip the check. A refusal's
message sits beside its rule.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from core.models import Audit, Programme, User
from core.permissions import has_any_role, signed_in_and_active
from moderation.access import audits_visible_to
from moderation.models import Escalation, Moderation


def moderations_visible_to(user: User) -> QuerySet[Moderation]:
    """Every moderation the user may read."""
    moderations = Moderation.objects.all()
    if not signed_in_and_active(user):
        return moderations.none()
    if user.is_qa_lead or user.is_moderator:
        return moderations
    # Feedback: the auditor, their line manager and the area's head of service read a
    # moderation once it is complete, never while a moderator is still working.
    completed = Q(status=Moderation.Status.COMPLETED)
    visible = Q(pk__in=[])
    visible |= completed & Q(audit__auditor=user)
    visible |= completed & Q(audit__auditor__line_manager=user)
    if user.is_viewer:
        visible |= completed & Q(audit__case__team__service_area__in=user.service_areas.all())
    return moderations.filter(visible)


def moderation_for_user(*, user: User, moderation_id: int) -> Moderation:
    """The moderation if the user may read it; 404 otherwise."""
    moderation = (
        moderations_visible_to(user)
        .select_related(
            "audit__case__team__service_area",
            "audit__auditor",
            "audit__tool",
            "audit__programme",
            "moderator",
            "draw",
        )
        .filter(pk=moderation_id)
        .first()
    )
    if moderation is None:
        raise Http404("No such moderation.")
    return moderation


SAMPLE_MANAGE_REFUSED = "Only a QA lead can change the moderation sample."


def sample_manage_allowed(*, user: User) -> bool:
    """Drawing the sample and adding or removing audits by hand is the QA lead's."""
    return signed_in_and_active(user) and user.is_qa_lead


CLAIM_MODERATORS_ONLY = "Only a moderator can claim an audit."


def moderates(*, user: User) -> bool:
    """An active moderator: only they claim audits."""
    return signed_in_and_active(user) and user.is_moderator


CLAIM_OWN_AUDIT_REFUSED = "You wrote this audit, so someone else must moderate it."


def claim_allowed(*, user: User, moderation: Moderation) -> bool:
    """A moderator claims any waiting audit except one they wrote."""
    return moderates(user=user) and moderation.audit.auditor_id != user.pk


MODERATE_REFUSED = "Only the moderator who claimed this audit can change its moderation."


def moderate_allowed(*, user: User, moderation: Moderation) -> bool:
    """Only the moderator who claimed it grades, reveals, completes or returns it."""
    return signed_in_and_active(user) and moderation.moderator_id == user.pk


RELEASE_REFUSED = "Only the moderator who claimed this audit or a QA lead can release it."


def release_allowed(*, user: User, moderation: Moderation) -> bool:
    """The claimant gives an audit back to the queue; a QA lead can free a stuck claim."""
    return moderate_allowed(user=user, moderation=moderation) or (
        signed_in_and_active(user) and user.is_qa_lead
    )


ACKNOWLEDGE_REFUSED = "Only the audit's auditor can acknowledge its moderation."


def acknowledge_allowed(*, user: User, moderation: Moderation) -> bool:
    return signed_in_and_active(user) and moderation.audit.auditor_id == user.pk


def moderation_add_allowed(*, user: User, audit: Audit) -> bool:
    return sample_manage_allowed(user=user)


def escalations_visible_to(user: User) -> QuerySet[Escalation]:
    """Escalations the user may read, by the same rule as what they belong to: the auditor's
    with its audit (audits_visible_to, so never while the audit is moderated blind), a
    moderator's with its moderation (moderations_visible_to, so a team colleague who may
    not read the moderation does not learn its outcome from the escalation)."""
    escalations = Escalation.objects.all()
    if not signed_in_and_active(user):
        return escalations.none()
    by_auditor = Q(raised_by_role=Escalation.RaisedBy.AUDITOR, audit__in=audits_visible_to(user))
    by_moderator = Q(
        raised_by_role=Escalation.RaisedBy.MODERATOR,
        moderation__in=moderations_visible_to(user),
    )
    return escalations.filter(by_auditor | by_moderator)


def escalation_for_user(*, user: User, escalation_id: int) -> Escalation:
    escalation = (
        escalations_visible_to(user)
        .select_related(
            "audit__case__team__service_area",
            "audit__auditor",
            "moderation",
            "raised_by",
            "responded_by",
        )
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None:
        raise Http404("No such escalation.")
    return escalation


RESPOND_REFUSED = "Only the service area's head of service or a QA lead can respond."


def respond_allowed(*, user: User, escalation: Escalation) -> bool:
    """The head of service for the case's area responds; a QA lead may record it for them."""
    if not signed_in_and_active(user):
        return False
    if user.is_qa_lead:
        return True
    area_id = escalation.audit.case.team.service_area_id
    return user.is_viewer and user.service_areas.filter(pk=area_id).exists()


SAMPLE_VISIBLE_REFUSED = "The moderation sample is for moderators and QA leads."


def programme_sample_visible(*, user: User, programme: Programme) -> bool:
    return signed_in_and_active(user) and (user.is_qa_lead or user.is_moderator)


HISTORY_REFUSED = "Only a QA lead can read the change history."


def history_allowed(*, user: User) -> bool:
    """The full change history of an audit is for QA leads: investigations and requests."""
    return signed_in_and_active(user) and user.is_qa_lead


QUEUE_REFUSED = "The moderation queue is for moderators and QA leads."


def queue_visible(*, user: User) -> bool:
    """The moderation queue is the moderators' and QA leads' working list."""
    return signed_in_and_active(user) and (user.is_qa_lead or user.is_moderator)


ESCALATION_LIST_REFUSED = "Escalations are for staff with a role in the service."


def escalation_list_visible(*, user: User) -> bool:
    """Anyone with a role has the list, showing exactly what escalations_visible_to gives
    them (as the API's list does)."""
    return has_any_role(user)


def escalations_in_menu(*, user: User) -> bool:
    """The header links Escalations for those who follow them: QA leads, heads of service
    and moderators. An auditor reaches their own from the audit."""
    return signed_in_and_active(user) and (user.is_qa_lead or user.is_viewer or user.is_moderator)


FEEDBACK_REFUSED = "Feedback is for staff with a role in the service."


def feedback_visible(*, user: User) -> bool:
    """Anyone with a role reads the feedback on the audits of theirs and of those they manage
    or whose area they lead (selectors.feedback_for_user)."""
    return has_any_role(user)


def feedback_in_menu(*, user: User) -> bool:
    """The header links My feedback for auditors: the feedback on their own audits."""
    return signed_in_and_active(user) and user.is_auditor


FEEDBACK_OVERVIEW_REFUSED = "Only a QA lead can see the feedback waiting across the service."


def feedback_overview_allowed(*, user: User) -> bool:
    """Feedback not yet acknowledged across the service: the QA lead chases it (who gave it to
    whom, since when), as no one else reads every moderation's outcome."""
    return signed_in_and_active(user) and user.is_qa_lead
