"""Months, written once: the months the service takes, parsing and formatting YYYY-MM, month
arithmetic, ranges and financial quarters. A month is a date on its first day everywhere; it
becomes text only in a template, an export cell or a URL."""

import datetime as dt
import re

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


MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


MONTH_MESSAGE = "Enter a month as YYYY-MM, for example 2026-10."


MONTH_SCHEMA = {"type": "string", "pattern": MONTH_PATTERN, "example": "2026-10"}


def parse_month(value: str) -> dt.date:
    """'2026-10' -> 1 October 2026; ValueError (with the message to show) for anything else,
    including a month outside the months the service takes (month_bounds_error)."""
    if not isinstance(value, str) or not re.fullmatch(MONTH_PATTERN, value.strip()):
        raise ValueError(MONTH_MESSAGE)
    year, month = value.strip().split("-")
    parsed = dt.date(int(year), int(month), 1)
    out_of_range = month_bounds_error(parsed)
    if out_of_range:
        raise ValueError(out_of_range)
    return parsed


def format_month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def range_words(month_from: str, month_to: str) -> str:
    """'2024-12', '2026-11' -> 'December 2024 to November 2026'; one month once ('April
    2019'); anything that is not a month is shown as it is."""
    try:
        first, last = parse_month(month_from), parse_month(month_to)
    except ValueError:
        return f"{month_from} to {month_to}"
    if first == last:
        return f"{first:%B %Y}"
    return f"{first:%B %Y} to {last:%B %Y}"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def months_before(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def financial_quarter(month: dt.date) -> tuple[int, int]:
    """(the year the financial year starts, quarter 1-4): April-June 2019 is (2019, 1)."""
    start = month.year if month.month >= 4 else month.year - 1
    return start, ((month.month - 4) % 12) // 3 + 1


def quarter_label(start: int, quarter: int) -> str:
    return f"{start}-{(start + 1) % 100:02d} Q{quarter}"
