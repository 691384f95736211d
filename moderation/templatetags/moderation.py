"""Words for grades and moderation outcomes on the moderation pages."""

import datetime as dt

from django import template

from core.grades import DomainGradeChoice

register = template.Library()


@register.filter
def grade_label(code: str | None) -> str:
    """'Requires improvement to be good' for 'RI'; 'Not graded' for a blank grade."""
    if not code:
        return "Not graded"
    try:
        return DomainGradeChoice(code).label
    except ValueError:
        return code


@register.simple_tag
def outcome_label(outcome: str | None, steps: int | None) -> str:
    """'Downgraded by 1 grade', 'Agreed', 'Changed'; '–' until both grades are given."""
    if not outcome:
        return "–"
    if outcome in ("upgraded", "downgraded"):
        return f"{outcome.capitalize()} by {steps} grade{'' if steps == 1 else 's'}"
    return outcome.capitalize()


@register.filter
def waited(duration: dt.timedelta | None) -> str:
    """How long an audit has waited in the queue, in whole days: '6 days'."""
    if duration is None:
        return "–"
    days = duration.days
    if days < 1:
        return "Less than a day"
    return f"{days} day{'' if days == 1 else 's'}"
