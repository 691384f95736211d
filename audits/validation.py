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


# ---------------------------------------------------------------- months

# Every month the service takes (filters, programmes, imports). Fixed rather than "now plus a
# few years" so a bookmarked report or a test gives the same answer whatever the date. No
# electronic audit record predates 2000, and 2100 is far enough ahead for any plan while keeping
# month arithmetic (the previous month, a 12-month range, the month after) inside the dates
# Python and PostgreSQL hold: 9999-12 and 0001-01 were what broke it.
FIRST_MONTH = dt.date(2000, 1, 1)
LAST_MONTH = dt.date(2100, 12, 1)
MONTH_RANGE_MESSAGE = (
    f"Enter a month from {FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}, for example 2026-10."
)


def month_bounds_error(month: dt.date) -> str | None:
    """The message if month (any day of it) is outside the months the service takes."""
    if month.replace(day=1) < FIRST_MONTH or month.replace(day=1) > LAST_MONTH:
        return MONTH_RANGE_MESSAGE
    return None


# ---------------------------------------------------------------- programme targets

# Targets are counts of audits in a month: far below this, and far below PostgreSQL's 2^31.
TARGET_MAX = 100_000
