"""A made-up history file in the import format, for benchmarks and tests of large imports.

Seeded, so the same arguments make the same file. Case references are HIST-nnnnnnn, people are
made-up usernames; grades follow the tool version's rules (N/A only where it is allowed).
"""

import random

from django.utils import timezone

from core.models import AuditTool
from core.months import months_before
from flows.importer.format import columns_for

AREAS = ["Front door", "Children in need", "Child protection", "Children in care"]
TEAMS_PER_AREA = 3
AUDITORS = 40
MODERATORS = 8
GRADES = ["G", "G", "RI", "RI", "RI", "I"]


def history_rows(
    *, rows: int, moderated_fraction: float, tool: AuditTool, seed: int = 1, months: int = 24
) -> tuple[list[str], list[list[str]]]:
    """(columns, rows): `rows` audits over `months` months ending last month, one case each."""
    rng = random.Random(seed)
    domains = list(tool.domains.order_by("position"))
    columns = columns_for(d.code for d in domains)
    scale = (["O"] if tool.offers_outstanding else []) + GRADES
    this_month = timezone.localdate().replace(day=1)
    out = []
    for n in range(rows):
        area = AREAS[n % len(AREAS)]
        team = f"{area} team {n // len(AREAS) % TEAMS_PER_AREA + 1}"
        auditor = n % AUDITORS
        month = months_before(this_month, 1 + n % months)
        values = {
            "case_reference": f"HIST-{n + 1:07d}",
            "service_area": area,
            "team": team,
            "tool": tool.code,
            "tool_version": str(tool.version),
            "month": f"{month:%Y-%m}",
            "auditor": f"hist.manager{auditor}@example.gov.uk",
            "overall": rng.choice(scale),
            "escalated": "no",
            "submitted_on": f"{month.replace(day=20):%Y-%m-%d}",
            "case_type": "",
        }
        for domain in domains:
            na = domain.na_allowed and rng.random() < 0.15
            values[domain.code] = "NA" if na else rng.choice(scale)
        if rng.random() < moderated_fraction:
            values["moderator"] = f"hist.qa{n % MODERATORS}@example.gov.uk"
            values["moderated_on"] = f"{month.replace(day=27):%Y-%m-%d}"
            values["moderated_overall"] = rng.choice(scale)
            values["moderated_escalated"] = "no"
            for domain in domains:
                grade = values[domain.code]
                values[f"moderated_{domain.code}"] = grade if grade == "NA" else rng.choice(scale)
        out.append([values.get(column, "") for column in columns])
    return columns, out
