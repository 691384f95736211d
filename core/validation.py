"""The input rules every channel shares: the model field, services, API serializers, page forms
and the importer all check case references, months and programme targets here, so a value one
channel refuses is refused by all of them.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

# ---------------------------------------------------------------- case references

# A case reference goes into e-mail subjects, file names, exports and URLs: plain letters
# (ASCII, as case-management systems issue them), digits and / _ . - only, so no line break,
# space, quote or formula character can ride along with it.
CASE_REFERENCE_MAX_LENGTH = 40
_CASE_REFERENCE_BODY = rf"[A-Za-z0-9/_.\-]{{1,{CASE_REFERENCE_MAX_LENGTH}}}"
CASE_REFERENCE_PATTERN = rf"\A{_CASE_REFERENCE_BODY}\Z"
CASE_REFERENCE_JSON_PATTERN = f"^{_CASE_REFERENCE_BODY}$"  # the same, for the API schema
CASE_REFERENCE_MESSAGE = (
    f"A case reference has 1 to {CASE_REFERENCE_MAX_LENGTH} characters: letters, digits "
    "and / _ . - only (no spaces), for example LCS-100123."
)
validate_case_reference = RegexValidator(
    CASE_REFERENCE_PATTERN, CASE_REFERENCE_MESSAGE, code="invalid_case_reference"
)


def case_reference_error(value: object) -> str | None:
    """The message if value is not a valid case reference, else None."""
    if not isinstance(value, str):
        return CASE_REFERENCE_MESSAGE
    try:
        validate_case_reference(value)
    except ValidationError:
        return CASE_REFERENCE_MESSAGE
    return None


def is_case_reference(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(CASE_REFERENCE_PATTERN, value) is not None


# ---------------------------------------------------------------- programme targets

# Targets are counts of audits in a month: far below this, and far below PostgreSQL's 2^31.
TARGET_MAX = 100_000


# ---------------------------------------------------------------- action due dates

ACTION_DUE_PAST = "Enter a due date of today or later."


def action_due_date_error(due: dt.date, *, today: dt.date) -> str | None:
    """A new action's due date, on the pages and the API: today or later. (The importer and
    the demo record past actions as they were, through the same service.)"""
    return ACTION_DUE_PAST if due < today else None
