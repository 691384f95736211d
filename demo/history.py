"""The demo authority's past audits, as rows in the import format: cases are known only by
made-up references (never a child's name or date of birth)."""

import calendar
import datetime as dt
import random

from core.grades import RANK
from core.models import AuditTool
from core.months import months_before
from core.services.tools import tool_version_create
from core.tool_definitions import DomainSpec, ToolSpec, definition_of
from demo.moderation import DOMAIN_SHIFTS, OVERALL_SHIFTS, shifted
from demo.organisation import DEMO_AUDITOR, DEMO_AUDITOR_TEAM, FOSTERING_AREA, DemoOrganisation

NO_PROGRAMME_MONTHS = (8, 12)  # many authorities run no audits in August and December


# The last months are moderated through the services (slow: every grade has its history);
# earlier ones come in through the import's moderated_* columns, as real history would.
SERVICE_MONTHS = 4


RANK_GRADE = {rank: grade for grade, rank in RANK.items()}


# How often a domain that allows N/A does not apply to the case.
NA_CHANCE = {"earlier_intervention": 0.25, "review": 0.15, "impact_family": 0.08}


def history_months(today: dt.date, months: int) -> list[dt.date]:
    """The months with a programme: `months` calendar months before this one, less gaps."""
    current = today.replace(day=1)
    window = [months_before(current, n) for n in range(months, 0, -1)]
    return [m for m in window if m.month not in NO_PROGRAMME_MONTHS]


def _tool_domains() -> dict[str, tuple[AuditTool, list[tuple[str, bool]]]]:
    # Each tool's first version: the history is drawn against it whatever came later (the
    # case-file tool's version 2 adds its new domain's grades: grade_permanence), so the
    # same seed draws the same rows before and after seeding.
    tools: dict[str, tuple[AuditTool, list[tuple[str, bool]]]] = {}
    for tool in AuditTool.objects.order_by("code", "version").prefetch_related("domains"):
        tools.setdefault(tool.code, (tool, [(d.code, d.na_allowed) for d in tool.domains.all()]))
    return tools


def _shift(rng: random.Random, rank: int, down: float, up: float, top: int) -> int:
    roll = rng.random()
    if roll < down:
        rank -= 1
    elif roll < down + up:
        rank += 1
    return max(1, min(top, rank))


def _month_judgements(rng: random.Random, total: int, progress: float) -> list[int]:
    """A month's overall judgements as ranks (4 = O), in random order.

    Practice improves slowly: Good or better rises from about 25% to 45% over the period.
    Drawn as a month's shares with a little jitter, so the trend shows through the noise.
    """
    good_or_better = round(total * (0.25 + 0.20 * progress) + rng.gauss(0, 1.2))
    inadequate = round(total * (0.18 - 0.08 * progress) + rng.gauss(0, 1.0))
    outstanding = sum(rng.random() < 0.12 for _ in range(good_or_better))
    ranks = [4] * outstanding + [3] * (good_or_better - outstanding) + [1] * max(0, inadequate)
    ranks += [2] * (total - len(ranks))
    rng.shuffle(ranks)
    return ranks


def draw_grades(rng, overall: int, domains, top: int) -> dict[str, str]:
    grades = {}
    for code, na_allowed in domains:
        if na_allowed and rng.random() < NA_CHANCE.get(code, 0.1):
            grades[code] = "NA"
            continue
        rank = _shift(rng, overall, down=0.15, up=0.12, top=top)
        if code == "voice":  # the domain audits most often find weakest
            rank = _shift(rng, rank, down=0.12, up=0.0, top=top)
        grades[code] = RANK_GRADE[rank]
    return grades


def _moderation(rng, row: dict, domains, org: DemoOrganisation, top: int, today) -> dict:
    """Moderation done before the service, as the import's moderated_* columns."""
    overall = RANK[row["overall"]]
    moderated = shifted(rng, overall, OVERALL_SHIFTS, top)
    submitted = dt.date.fromisoformat(row["submitted_on"])
    moderated_on = min(today, submitted + dt.timedelta(days=rng.randint(3, 21)))
    escalate = moderated == 1 and (row["escalated"] == "yes" or rng.random() < 0.15)
    values = {
        "moderator": rng.choice(org.moderators),
        "moderated_on": moderated_on.isoformat(),
        "moderated_overall": RANK_GRADE[moderated],
        "moderated_escalated": "yes" if escalate else "no",
    }
    for code, _na_allowed in domains:
        grade = row[code]
        if grade != "NA":
            grade = RANK_GRADE[shifted(rng, RANK[grade], DOMAIN_SHIFTS, top)]
        values[f"moderated_{code}"] = grade
    return values


def _moderate_half(rng, rows: list[dict], tools, org: DemoOrganisation, today) -> None:
    """About half of each area's returns, at least one, as the QA team then sampled them."""
    by_area: dict[str, list[dict]] = {}
    for row in rows:
        by_area.setdefault(row["service_area"], []).append(row)
    for area in sorted(by_area):
        returned = by_area[area]
        for row in rng.sample(returned, max(1, round(len(returned) / 2))):
            tool, domains = tools[row["tool"]]
            top = 4 if tool.offers_outstanding else 3
            row |= _moderation(rng, row, domains, org, top, today)


def history_rows(
    *,
    rng: random.Random,
    organisation: DemoOrganisation,
    today: dt.date,
    months: int,
    service_months: int = SERVICE_MONTHS,
) -> list[dict[str, str]]:
    """Past audits in the import format: about 50 a month, a few of foster carers.

    Months before the last `service_months` carry their moderation in the moderated_*
    columns; the later ones are moderated through the services (demo_moderation.py).
    """
    tools = _tool_domains()
    references: set[str] = set()
    case_teams = [t for t in organisation.teams if t.area != FOSTERING_AREA]
    fostering_teams = [t for t in organisation.teams if t.area == FOSTERING_AREA]
    current = today.replace(day=1)
    rows = []
    for index, back in enumerate(range(months, 0, -1)):
        month = months_before(current, back)
        if month.month in NO_PROGRAMME_MONTHS:
            continue
        month_rows = []
        progress = index / max(1, months - 1)
        total = rng.randint(44, 56)
        fostering = rng.randint(2, 4)
        judgements = _month_judgements(rng, total, progress)
        for n in range(total):
            if n < fostering:
                team, code = rng.choice(fostering_teams), "foster-carer"
            else:
                team, code = rng.choice(case_teams), "case-file"
            tool, domains = tools[code]
            top = 4 if tool.offers_outstanding else 3
            reference = new_reference(rng, references)
            last_day = calendar.monthrange(month.year, month.month)[1]
            submitted = min(month.replace(day=rng.randint(3, last_day)), today)
            overall = min(top, judgements[n])
            row = {
                "case_reference": reference,
                "service_area": team.area,
                "team": team.name,
                "case_type": team.case_type,
                "tool": code,
                "month": f"{month:%Y-%m}",
                "auditor": team.next_auditor(),
                "overall": RANK_GRADE[overall],
                "escalated": "yes" if overall == 1 and rng.random() < 0.25 else "no",
                "submitted_on": submitted.isoformat(),
            }
            row |= draw_grades(rng, overall, domains, top)
            month_rows.append(row)
        if back > service_months:
            _moderate_half(rng, month_rows, tools, organisation, today)
        rows += month_rows
    _give_demo_auditor_last_month(rows, organisation)
    return rows


def _give_demo_auditor_last_month(rows: list[dict[str, str]], organisation: DemoOrganisation):
    """The demo auditor returned an audit in the latest month, whatever the date.

    Their feedback waiting to be read comes from a recent moderation of their own audit;
    taking turns alone leaves some months without one.
    """
    if not rows:
        return
    latest = [row for row in rows if row["month"] == rows[-1]["month"]]
    if any(row["auditor"] == DEMO_AUDITOR for row in latest):
        return
    team = organisation.team(*DEMO_AUDITOR_TEAM)
    row = next(row for row in latest if row["tool"] == "case-file")
    row |= {
        "service_area": team.area,
        "team": team.name,
        "case_type": team.case_type,
        "auditor": DEMO_AUDITOR,
    }


def new_reference(rng: random.Random, taken: set[str]) -> str:
    while True:
        reference = f"LCS-{rng.randint(1_000_000, 9_999_999)}"
        if reference not in taken:
            taken.add(reference)
            return reference


# The case-file tool's second version, for the last months of history: it splits "Plan (and
# permanence planning)" in two, so the demo's trends run across versions.
V2_MONTHS = 5
PERMANENCE = "permanence"


def case_file_v2(*, actor) -> AuditTool:
    """Version 2 of the case-file tool, published: plan split into Plan and Permanence and
    contingency planning (both continue the old plan); every other domain as it was."""
    v1 = AuditTool.objects.filter(code="case-file").latest("version")
    old = definition_of(v1)
    domains = []
    for d in old.domains:
        if d.code != "plan":
            domains.append(d)
            continue
        domains.append(
            DomainSpec(
                code="plan",
                title="Plan",
                guidance="Is there a SMART plan that addresses the assessed needs, with "
                "timescales, owners and contingency?",
                descriptors=d.descriptors,
                continues=("plan",),
            )
        )
        domains.append(
            DomainSpec(
                code=PERMANENCE,
                title="Permanence and contingency planning",
                guidance="Is permanence for the child considered from the start, with a "
                "parallel or contingency plan where return home may not be possible?",
                descriptors={
                    "O": "Permanence is secured without delay and the child understands it.",
                    "G": "A permanence plan is agreed at the second review, with contingency.",
                    "RI": "Permanence is discussed but not planned; contingency is unclear.",
                    "I": "No permanence planning: the child drifts.",
                },
                continues=("plan",),
            )
        )
    spec = ToolSpec(**{**old.__dict__, "domains": domains})
    return tool_version_create(actor=actor, tool=v1, spec=spec, publish=True)


def split_rows(rows: list[dict[str, str]], today: dt.date) -> tuple[list, list]:
    """The history before version 2 of the case-file tool, and the last V2_MONTHS months."""
    cut = months_before(today.replace(day=1), V2_MONTHS)
    first = [row for row in rows if row["month"] < f"{cut:%Y-%m}"]
    return first, [row for row in rows if row["month"] >= f"{cut:%Y-%m}"]


def grade_permanence(rng: random.Random, rows: list[dict[str, str]]) -> None:
    """The new domain's grades on version 2's case-file rows: near the plan's grade (the
    auditor's and, where moderated, the moderator's)."""
    for row in rows:
        if row["tool"] != "case-file":
            continue
        for prefix in ("", "moderated_"):
            plan = row.get(f"{prefix}plan")
            if not plan or plan == "NA":
                continue
            rank = _shift(rng, RANK[plan], down=0.2, up=0.08, top=4)
            row[f"{prefix}{PERMANENCE}"] = RANK_GRADE[rank]
