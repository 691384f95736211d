"""How long each piece of free text may be, in one table for every channel.

The services refuse anything longer (core/services/, moderation/services/), so the pages,
the API and the importer share one rule; page forms say the limit in each field's hint and
the API's serializers declare it. The history keeps a copy of every save, so an unbounded field
would grow the database without end. The limits are generous: several pages of writing each.
"""

# Per domain: the auditor's evidence, the moderator's rationale and reason for a revised grade.
EVIDENCE = 10_000
RATIONALE = 10_000
REVISION_REASON = 2_000
# The audit's findings and the moderator's feedback.
NARRATIVE = 20_000
FAMILY_FEEDBACK = 10_000
SUMMARY = 20_000
ESCALATION_REASON = 5_000
OVERALL_REVISION_REASON = 2_000
REWORK_COMMENT = 10_000
ESCALATION_RESPONSE = 10_000
ACTION_DESCRIPTION = 2_000

# Field name (as the services, forms and API name it) -> its limit.
TEXT_LIMITS = {
    "evidence": EVIDENCE,
    "rationale": RATIONALE,
    "revision_reason": REVISION_REASON,
    "working_well": NARRATIVE,
    "worried_about": NARRATIVE,
    "needs_to_happen": NARRATIVE,
    "family_feedback": FAMILY_FEEDBACK,
    "summary": SUMMARY,
    "escalation_reason": ESCALATION_REASON,
    "overall_revision_reason": OVERALL_REVISION_REASON,
    "rework_comment": REWORK_COMMENT,
    "response": ESCALATION_RESPONSE,
    "description": ACTION_DESCRIPTION,
}

LABELS = {
    "evidence": "The evidence",
    "rationale": "The rationale",
    "revision_reason": "The reason for changing the grade",
    "working_well": "What is working well",
    "worried_about": "What we are worried about",
    "needs_to_happen": "What needs to happen",
    "family_feedback": "What the child, parents or carers said",
    "summary": "The summary",
    "escalation_reason": "The reason for escalation",
    "overall_revision_reason": "The reason for changing the overall judgement",
    "rework_comment": "What needs rework",
    "response": "The management response",
    "description": "What needs to happen",
}


def text_length(value: str) -> int:
    # A browser counts a line break as one character against maxlength but sends it as two.
    return len(value.replace("\r\n", "\n").strip())


def too_long(kind: str, value: str | None, *, about: str = "") -> list[str]:
    """The message refusing a text of this kind that is over its limit, or none."""
    limit = TEXT_LIMITS[kind]
    if value is None or len(value) <= limit or text_length(value) <= limit:
        return []
    label = f"{LABELS[kind]} for {about}" if about else LABELS[kind]
    return [
        f"{label} is {text_length(value):,} characters long: it can be at most {limit:,} "
        "characters. Shorten it, or keep the detail in the case record."
    ]


def length_errors(texts: dict[str, tuple[str, str | None, str]]) -> dict[str, list[str]]:
    """For {error key: (kind, value, what it is about)}, the messages of those over the limit."""
    errors = {}
    for key, (kind, value, about) in texts.items():
        messages = too_long(kind, value, about=about)
        if messages:
            errors[key] = messages
    return errors


def hint(kind: str) -> str:
    return f"Up to {TEXT_LIMITS[kind]:,} characters."


def kind_of(field_name: str) -> str | None:
    """The kind of text a form field holds: evidence_plan is evidence, summary is summary."""
    if field_name in TEXT_LIMITS:
        return field_name
    prefixes = [kind for kind in TEXT_LIMITS if field_name.startswith(f"{kind}_")]
    return max(prefixes, key=len) if prefixes else None


def show_limits(form) -> None:
    """Say each free-text field's limit in its hint. No maxlength attribute: as GOV.UK advises
    (audits/templatetags/govuk.py), the server refuses with a message instead of the browser
    silently cutting off what was pasted."""
    for name, field in form.fields.items():
        kind = kind_of(name)
        if kind is None:
            continue
        field.help_text = f"{field.help_text} {hint(kind)}".strip()
