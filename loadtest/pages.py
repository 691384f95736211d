"""What the load test reads from the pages and sends back, as a browser would.

Kept apart from the locustfile (importing locust patches the standard library with gevent),
so tests/loadtest/ can check it against the real templates and forms.
"""

import random
import re

VERSION_RE = re.compile(r'name="version" value="(\d+)"')
GRADE_FIELD_RE = re.compile(r'name="grade_([a-z0-9_]+)"')
AUDIT_LINK_RE = re.compile(r'href="/audits/(\d+)/"')
EVIDENCE = "Seen in the chronology, the plan and the last two supervision records."
FINDINGS = {
    "working_well": "The child is seen alone and their views shape the plan.",
    "worried_about": "Two actions from the last review have no owner.",
    "needs_to_happen": "The team manager to add owners and dates at the next supervision.",
}


def audit_form_read(html: str) -> tuple[int | None, list[str]]:
    """The audit form's version and its domain codes, in the form's order."""
    match = VERSION_RE.search(html)
    if match is None:
        return None, []
    return int(match.group(1)), list(dict.fromkeys(GRADE_FIELD_RE.findall(html)))


def audit_form_fields(
    *, csrf: str, version: int, domains: list[str], graded: list[str], submit: bool
) -> dict[str, str]:
    """The whole form, as posted: graded domains get G or RI with evidence, the rest blank."""
    fields = {
        "csrfmiddlewaretoken": csrf,
        "version": str(version),
        "overall": "G" if submit else "",
    }
    for code in domains:
        grade = random.choice(["G", "RI"]) if code in graded else ""
        fields[f"grade_{code}"] = grade
        fields[f"evidence_{code}"] = EVIDENCE if grade else ""
    if submit:
        fields |= FINDINGS | {"intent": "submit"}
    return fields


def audit_links(html: str, limit: int = 50) -> list[str]:
    return AUDIT_LINK_RE.findall(html)[:limit]
