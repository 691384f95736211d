"""Case proposals: which cases the QA lead could audit in a programme, and who could audit them.
(Not the moderation sample, which is moderation's: which submitted audits are moderated.)

Reads only. The proposals are spread across teams and case types, leave out cases audited in
the last 12 months (the rule core.services.audits.audit_create enforces for one case) and come
with an auditor from another team, so that nobody marks their own team's homework. The same
seed over the same data gives the same proposals, so a lead can show how they were drawn and
draw them again.
"""

import random
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from audits.selectors import auditor_choices
from core.models import Audit, Case, Programme, ServiceArea, User
from core.services.audits import audits_in_resample_window

FOSTER_CARER_TOOL = "foster-carer"


@dataclass(frozen=True)
class ProposedCase:
    case: Case
    auditor: User | None
    reason: str


def eligible_cases(*, programme: Programme, service_area: ServiceArea | None = None) -> QuerySet:
    """Cases of the tool's kind, not audited in the 12 months up to the month, not yet in it."""
    # Subqueries rather than exclude(audits__...): exclude() over a multi-valued relation
    # may match the two month bounds on two different audits.
    recent = audits_in_resample_window(month=programme.month).values("case_id")
    in_programme = Audit.objects.filter(programme=programme).values("case_id")
    cases = Case.objects.exclude(pk__in=recent).exclude(pk__in=in_programme)
    fostering = Q(case_type=Case.CaseType.FOSTERING_HOUSEHOLD)
    if programme.tool.code == FOSTER_CARER_TOOL:
        cases = cases.filter(fostering)
    else:
        cases = cases.exclude(fostering)
    if service_area is not None:
        cases = cases.filter(team__service_area=service_area)
    return cases.select_related("team__service_area").order_by("reference")


def programme_case_proposals(
    *, programme: Programme, size: int, seed: int, service_area: ServiceArea | None = None
) -> list[ProposedCase]:
    """Cases drawn round-robin across (team, case type), each with a proposed auditor."""
    if size <= 0:
        return []
    strata: dict[tuple[int, str], list[Case]] = defaultdict(list)
    for case in eligible_cases(programme=programme, service_area=service_area):
        strata[(case.team_id, case.case_type)].append(case)
    rng = random.Random(seed)
    # Start from a fixed order so that only the seed decides the shuffle.
    keys = sorted(strata)
    rng.shuffle(keys)
    for key in keys:
        rng.shuffle(strata[key])
    picks: list[tuple[Case, int, int]] = []  # case, its pick number, stratum size
    for round_number in range(max((len(rows) for rows in strata.values()), default=0)):
        for key in keys:
            rows = strata[key]
            if round_number < len(rows) and len(picks) < size:
                picks.append((rows[round_number], round_number + 1, len(rows)))
    return _with_auditors(programme, picks)


def _with_auditors(programme: Programme, picks: list[tuple[Case, int, int]]) -> list[ProposedCase]:
    auditors = list(auditor_choices())
    load: dict[int, int] = dict(
        Audit.objects.filter(programme=programme)
        .values("auditor_id")
        .annotate(n=Count("pk"))
        .values_list("auditor_id", "n")
    )
    sample = []
    for case, number, eligible in picks:
        auditor, note = _propose_auditor(case, auditors, load)
        if auditor is not None:
            load[auditor.pk] = load.get(auditor.pk, 0) + 1
        reason = (
            f"Spread: {case.team.name} · {case.get_case_type_display()}, "
            f"{number} of {eligible} eligible{note}"
        )
        sample.append(ProposedCase(case=case, auditor=auditor, reason=reason))
    return sample


def _propose_auditor(
    case: Case, auditors: list[User], load: dict[int, int]
) -> tuple[User | None, str]:
    """Least-loaded auditor, preferring another team of the case's service area."""
    area_id = case.team.service_area_id
    tiers = [
        [a for a in auditors if a.team_id != case.team_id and _area_of(a) == area_id],
        [a for a in auditors if a.team_id != case.team_id],
        auditors,
    ]
    for tier, candidates in enumerate(tiers):
        if candidates:
            chosen = min(candidates, key=lambda a: (load.get(a.pk, 0), a.username))
            note = "; no auditor outside the case's team" if tier == 2 else ""
            return chosen, note
    return None, "; no auditor available"


def _area_of(user: User) -> int | None:
    return user.team.service_area_id if user.team is not None else None
