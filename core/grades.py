"""The grade scale, written once: its order, how far a grade moved, which grades a tool
allows, the grades that count as "RI or better", and the one way a count becomes a percentage.

Pure Python over the two choice lists (no queries), so models, services, forms, moderation and
reports all read the same rule.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.db import models


class Grade(models.TextChoices):
    """Ofsted's four-point scale, best first."""

    OUTSTANDING = "O", "Outstanding"
    GOOD = "G", "Good"
    REQUIRES_IMPROVEMENT = "RI", "Requires improvement to be good"
    INADEQUATE = "I", "Inadequate"


class DomainGradeChoice(models.TextChoices):
    """A domain's grade: the scale, or not applicable to this case."""

    OUTSTANDING = "O", "Outstanding"
    GOOD = "G", "Good"
    REQUIRES_IMPROVEMENT = "RI", "Requires improvement to be good"
    INADEQUATE = "I", "Inadequate"
    NOT_APPLICABLE = "NA", "N/A"


SCALE: tuple[str, ...] = tuple(Grade.values)  # best first: O, G, RI, I
NOT_APPLICABLE = DomainGradeChoice.NOT_APPLICABLE.value
# Steps on the scale, so that moderation and reports can count "moved by two grades".
RANK: dict[str, int] = {grade: len(SCALE) - i for i, grade in enumerate(SCALE)}
# The KPI "% rated RI or better": every grade from Requires improvement up.
RI_OR_BETTER: tuple[str, ...] = SCALE[: SCALE.index(Grade.REQUIRES_IMPROVEMENT) + 1]
NAMES: dict[str, str] = dict(DomainGradeChoice.choices)
# Reports' column heads: Requires improvement without "to be good".
SHORT_NAMES: dict[str, str] = {**NAMES, Grade.REQUIRES_IMPROVEMENT.value: "Requires improvement"}


def steps(before: str, after: str) -> int | None:
    """Grades moved from before to after (positive up, negative down); None off the scale."""
    if before not in RANK or after not in RANK:
        return None
    return RANK[after] - RANK[before]


def grade_shift(before: str, after: str) -> tuple[str, int]:
    """How a moderator's grade moved from the auditor's: agreed, upgraded or downgraded, by n."""
    moved = steps(before, after)
    if moved is None:
        return ("agreed" if before == after else "changed", 0)
    if moved == 0:
        return ("agreed", 0)
    return ("upgraded" if moved > 0 else "downgraded", abs(moved))


def grade_choices(*, offers_outstanding: bool, na_allowed: bool = False) -> list[tuple[str, str]]:
    """The grades a form offers: the scale (without Outstanding if the tool has none), N/A
    only where the domain allows it."""
    choices = [(v, label) for v, label in Grade.choices if v != "O" or offers_outstanding]
    if na_allowed:
        choices.append((NOT_APPLICABLE, DomainGradeChoice.NOT_APPLICABLE.label))
    return choices


class _GradedTool(Protocol):
    """What the rule reads of a tool (core.models.AuditTool; this module sits below models)."""

    @property
    def offers_outstanding(self) -> bool: ...


class _GradedDomain(Protocol):
    """What the rule reads of a domain (core.models.Domain)."""

    @property
    def na_allowed(self) -> bool: ...

    @property
    def title(self) -> str: ...


def grade_value_errors(
    *,
    tool: _GradedTool,
    domains: Mapping[str, _GradedDomain],
    grades: Mapping[str, str],
    overall: str | None,
) -> dict[str, list[str]]:
    """Which given grades the tool does not allow, by field: a domain it lacks, a value that is
    no grade, N/A where the domain forbids it, Outstanding where the tool does not offer it.
    The same for the auditor's and the moderator's grades, on pages, API and import."""
    errors: dict[str, list[str]] = {}
    for code, grade in grades.items():
        domain = domains.get(code)
        if domain is None:
            errors[f"grade_{code}"] = [f"'{code}' is not a domain of {tool}."]
        elif grade and grade not in DomainGradeChoice.values:
            errors[f"grade_{code}"] = [f"'{grade}' is not a grade."]
        elif grade == NOT_APPLICABLE and not domain.na_allowed:
            errors[f"grade_{code}"] = [f"{domain.title} cannot be N/A in this tool."]
        elif grade == Grade.OUTSTANDING and not tool.offers_outstanding:
            errors[f"grade_{code}"] = ["This tool does not offer Outstanding."]
    if overall and overall not in Grade.values:
        errors["overall"] = [f"'{overall}' is not a grade."]
    elif overall == Grade.OUTSTANDING and not tool.offers_outstanding:
        errors["overall"] = ["This tool does not offer Outstanding."]
    return errors


def percent(part: int, whole: int) -> float | None:
    """part of whole as a percentage to one decimal place, half up (47 of 55 is 85.5); None
    when nothing was expected. The one rounding every page, export and API figure uses."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))
