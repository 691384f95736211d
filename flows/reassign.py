"""Moving a person's work to others in one go: their audits and their moderations together,
all or none (someone left, or is off sick)."""

from django.db import transaction

from core.errors import DomainError
from core.models import User
from core.services.assignments import audits_reassign
from moderation.services.reassign import moderations_reassign

# Which field of the page each service's field is.
AUDIT_FIELDS = {"ids": "audits", "to": "auditor"}
MODERATION_FIELDS = {"ids": "moderations", "to": "moderator"}


@transaction.atomic
def work_reassign(
    *,
    actor: User,
    audit_ids: list[int],
    auditor: User | None,
    moderation_ids: list[int],
    moderator: User | None,
    reason: str,
) -> tuple[int, int]:
    """Reassign the chosen audits and moderations with one reason; every error at once."""
    if not audit_ids and not moderation_ids:
        raise DomainError(
            "Choose what to reassign.",
            field_errors={"audits": ["Choose at least one audit or moderation to reassign."]},
        )
    errors: dict[str, list[str]] = {}
    moved_audits = moved_moderations = 0
    if audit_ids:
        try:
            moved_audits = len(
                audits_reassign(actor=actor, audit_ids=audit_ids, to=auditor, reason=reason)
            )
        except DomainError as error:
            _merge(errors, error, AUDIT_FIELDS)
    if moderation_ids:
        try:
            moved_moderations = len(
                moderations_reassign(
                    actor=actor, moderation_ids=moderation_ids, to=moderator, reason=reason
                )
            )
        except DomainError as error:
            _merge(errors, error, MODERATION_FIELDS)
    if errors:
        # Raised inside the transaction, so a part already reassigned is not kept either.
        raise DomainError("The work could not be reassigned.", field_errors=errors)
    return moved_audits, moved_moderations


def _merge(errors: dict[str, list[str]], error: DomainError, fields: dict[str, str]) -> None:
    for name, messages in error.field_errors.items():
        kept = errors.setdefault(fields.get(name, name), [])
        kept += [message for message in messages if message not in kept]
