"""A moderator claims a waiting audit, or gives it back to the queue."""

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.errors import TransitionNotAllowed
from core.models import User
from core.permissions import require
from core.services.saving import set_history_author
from moderation import permissions
from moderation.models import ModeratedGrade, Moderation
from moderation.services.saving import change_status, lock_moderation


@transaction.atomic
def moderation_claim(*, actor: User, moderation: Moderation) -> Moderation:
    """Claim a waiting audit; of two moderators claiming at once, exactly one wins."""
    locked = lock_moderation(moderation)
    require(permissions.moderates(user=actor), permissions.CLAIM_MODERATORS_ONLY)
    require(
        permissions.claim_allowed(user=actor, moderation=locked),
        permissions.CLAIM_OWN_AUDIT_REFUSED,
    )
    if locked.status == Moderation.Status.CLAIMED:
        holder = locked.moderator
        who = "you" if locked.moderator_id == actor.pk else holder and holder.get_full_name()
        raise TransitionNotAllowed(f"This audit has already been claimed by {who or 'someone'}.")
    change_status(locked, Moderation.Status.CLAIMED, "This audit is no longer waiting.")
    give_to(locked, moderator=actor, actor=actor)
    return locked


def give_to(locked: Moderation, *, moderator: User, actor: User) -> None:
    """A waiting moderation becomes the moderator's (claimed by them, or given by a QA lead):
    blind as its tool or programme says now, with a blank grade per domain."""
    audit = locked.audit
    locked.status = Moderation.Status.CLAIMED
    locked.moderator = moderator
    locked.claimed_at = timezone.now()
    locked.blind = audit.tool.blind_moderation or bool(
        audit.programme and audit.programme.blind_moderation
    )
    locked.version += 1
    set_history_author(locked, actor).save()
    existing = set(locked.grades.values_list("domain_id", flat=True))
    # In one insert, with its history rows: a blank row per domain for the moderator to grade.
    bulk_create_with_history(
        [
            ModeratedGrade(moderation=locked, domain=domain)
            for domain in audit.tool.domains.all()
            if domain.pk not in existing
        ],
        ModeratedGrade,
        default_user=actor,
    )


@transaction.atomic
def moderation_release(*, actor: User, moderation: Moderation) -> Moderation:
    """Give a claimed audit back to the queue; the grades already entered are kept."""
    locked = lock_moderation(moderation)
    require(permissions.release_allowed(user=actor, moderation=locked), permissions.RELEASE_REFUSED)
    change_status(locked, Moderation.Status.SAMPLED, "Only a claimed audit can be released.")
    locked.moderator = None
    locked.claimed_at = None
    locked.version += 1
    set_history_author(locked, actor).save()
    return locked
