"""How moderation services lock a moderation, change its state, insert one and queue
its e-mail once the change is committed."""

import logging

from django.db import IntegrityError, transaction
from kombu.exceptions import OperationalError as BrokerUnavailable

from core.errors import StaleVersion, TransitionNotAllowed
from core.models import Audit, User
from core.services.saving import set_history_author
from moderation.models import Moderation


def lock_moderation(moderation: Moderation, version: int | None = None) -> Moderation:
    # Not select_related("moderator"): when a rival's update is waited for, PostgreSQL gives
    # the locked row's new moderator_id but the joined user as it was (none), so read it after.
    locked = (
        Moderation.objects.select_for_update(of=("self",))
        .select_related("audit__tool", "audit__programme", "audit__auditor")
        .get(pk=moderation.pk)
    )
    if version is not None and locked.version != version:
        raise StaleVersion(
            "This moderation was saved by someone else (or in another tab) since you opened "
            "it. Reload it to see the latest version, then make your changes again."
        )
    return locked


def change_status(locked: Moderation, to: str, message: str) -> None:
    if not locked.can_transition(to):
        raise TransitionNotAllowed(message)
    locked.status = to


logger = logging.getLogger(__name__)


def _send_task(task, *args) -> None:
    try:
        task.delay(*args)
    except BrokerUnavailable as error:
        # The change is committed; the e-mail is not lost: the beat task
        # send_unsent_notifications sends what has no OutboxEmail yet.
        logger.warning("Task %s%r not queued (broker unavailable): %s", task.name, args, error)


def queue_on_commit(task, *args) -> None:
    transaction.on_commit(lambda: _send_task(task, *args))


def _already_in_sample(audit: Audit) -> TransitionNotAllowed:
    return TransitionNotAllowed(f"Case {audit.case.reference} is already in the moderation sample.")


def check_sample_entry(audit: Audit) -> None:
    """An audit enters the moderation sample once submitted, and while no live moderation has it."""
    if audit.status != Audit.Status.SUBMITTED:
        raise TransitionNotAllowed("Only a submitted audit can be moderated.")
    if audit.moderations.filter(status__in=Moderation.LIVE_STATUSES).exists():
        raise _already_in_sample(audit)


def insert_moderation(moderation: Moderation, actor: User | None) -> Moderation:
    """Insert, turning a lost race on 'one live moderation per audit' into a clear error."""
    try:
        with transaction.atomic():
            set_history_author(moderation, actor).save()
    except IntegrityError as error:
        raise _already_in_sample(moderation.audit) from error
    return moderation
