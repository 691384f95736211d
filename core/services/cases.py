"""Every write to cases."""

from django.db import transaction

from core.errors import DomainError
from core.models import Case, Team, User
from core.services.saving import insert_once
from core.validation import case_reference_error


@transaction.atomic
def case_create(*, actor: User, reference: str, team: Team, case_type: str) -> Case:
    """Record a case by its reference in the case-management system."""
    problem = case_reference_error(reference)
    if problem:
        raise DomainError(problem, field_errors={"reference": [problem]})
    if Case.objects.filter(reference__iexact=reference).exists():
        raise DomainError(
            "Case exists.", field_errors={"reference": ["This case reference already exists."]}
        )
    case = Case(reference=reference, team=team, case_type=case_type)
    insert_once(case, "reference", "This case reference already exists.")
    return case
