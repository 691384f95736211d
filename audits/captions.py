"""What an audit list shows, in words: a report's drill-down link opens the list, and the list
says what was clicked ("17 audits: March 2019, moderated, auditor's judgement Good,
moderator's judgement Requires improvement") and shows the grade that was counted.

Issue 12 snag 17. Only valid filters are described (an invalid one is in the error summary).
"""

from collections.abc import Callable
from typing import Any

from django.utils.formats import date_format

from audits.filters import MODERATION_CHANGES, AuditFilter
from core.filters import NOBODY
from core.grades import NAMES as GRADE_NAMES

YES_NO_WORDS: dict[str, tuple[str, str]] = {
    # field: (the words for yes, the words for no)
    "current": ("current submissions", "submissions returned for rework"),
    "escalated": ("escalated by the auditor", "not escalated by the auditor"),
    "sampled": ("in the moderation sample", "not in the moderation sample"),
    "moderated": ("moderated", "not moderated"),
    "moderated_escalated": ("escalated by the moderator", "not escalated by the moderator"),
    "reaudit": ("re-audits", "first audits (not re-audits)"),
}
CHANGE_WORDS = {
    "same": "the moderator agreed",
    "upgraded": "upgraded by the moderator",
    "downgraded": "downgraded by the moderator",
}
assert set(CHANGE_WORDS) == {value for value, _ in MODERATION_CHANGES}


def _month(value) -> str:
    return date_format(value, "F Y")


def _grade(prefix: str) -> Callable[[Any], str]:
    return lambda value: f"{prefix} {GRADE_NAMES.get(value, value)}"


PHRASES: dict[str, Callable[[Any], str]] = {
    "month": _month,
    "month_from": lambda value: f"from {_month(value)}",
    "month_to": lambda value: f"to {_month(value)}",
    "service_area": lambda value: str(value),
    "team": lambda value: f"team {value}",
    "auditor": lambda value: (
        "unassigned" if value == NOBODY else f"audited by {value.get_full_name() or value.username}"
    ),
    "programme": lambda value: f"programme for {value}",
    "overall": _grade("auditor's judgement"),
    "domain_grade": _grade("auditor's grade for the domain"),
    "moderated_overall": _grade("moderator's judgement"),
    "moderated_domain_grade": _grade("moderator's grade for the domain"),
    "moderation_change": lambda value: CHANGE_WORDS[value],
    "first_overall": _grade("earlier audit's judgement"),
}


def filter_description(audit_filter: AuditFilter) -> str:
    """The valid filters in words, in the form's order; "" when none is set."""
    form = audit_filter.form
    if not form.is_bound:
        return ""
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    words = []
    months = ["month", "month_from", "month_to"]
    names = months + [name for name in form.fields if name not in months]
    for name in names:
        field = form.fields[name]
        value = cleaned.get(name)
        if value in (None, "") or name in form.errors or name == "sort":
            continue  # the order says nothing of which audits are listed
        if name in YES_NO_WORDS:
            words.append(YES_NO_WORDS[name][0 if value == "yes" else 1])
        elif name in PHRASES:
            words.append(PHRASES[name](value))
        else:  # a choice: its label (tool, status, domain)
            label = dict(getattr(field, "choices", ())).get(value, value)
            words.append(f"status {label}" if name == "status" else str(label))
    return ", ".join(words)


def counted_columns(audit_filter: AuditFilter) -> list[tuple[str, str]]:
    """The grades a drill-down counted, as extra columns (attribute, heading): the domain's
    grade when a domain is chosen, the moderator's when moderation is in the filter."""
    form = audit_filter.form
    if not form.is_bound or not form.is_valid():
        return []
    cleaned = form.cleaned_data
    moderation = (
        any(
            cleaned.get(name)
            for name in (
                "moderated_overall",
                "moderated_escalated",
                "moderated_domain_grade",
                "moderation_change",
            )
        )
        or cleaned.get("moderated") == "yes"
    )
    columns = []
    if cleaned.get("domain"):
        columns.append(("counted_domain_grade", "Auditor's grade for the domain"))
        if moderation:
            columns.append(("counted_moderated_domain_grade", "Moderator's grade for the domain"))
    if moderation:
        columns.append(("counted_moderated_overall", "Moderator's judgement"))
    return columns


# Hints for people on the audit list page; the filters' own help texts (tool:code, yes/no)
# are written for the API's readers and stay in the OpenAPI schema.
PAGE_HINTS = {
    "tool": "",
    "auditor": "",
    "programme": "",
    "month": "",
    "month_from": "For example 2026-04.",
    "month_to": "For example 2027-03.",
    "current": "Leave out, or list only, submissions a moderator sent back for rework.",
    "domain": "Audits that graded this domain; a domain from an earlier version of the tool "
    "counts as the domain that continues it.",
    "sampled": "Chosen for moderation (waiting, claimed or moderated).",
    "moderated": "A moderator has completed a moderation.",
    "reaudit": "An audit of a case that was audited before.",
    "first_overall": "For a re-audit: the judgement of the audit before it.",
}


def apply_page_hints(form) -> None:
    for name, hint in PAGE_HINTS.items():
        if name in form.fields:
            form.fields[name].help_text = hint
