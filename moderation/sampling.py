"""Drawing a programme's moderation sample: rules first, then a seeded random remainder.

The plan is a pure function of the programme's submitted audits, the rules and the seed, so
the same seed draws the same sample again, and every choice carries the reason it was made.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from core.errors import DomainError
from core.grades import RANK
from core.models import Audit, Programme, User
from core.permissions import require
from moderation import permissions
from moderation.models import Moderation, SampleDraw
from moderation.services.sample import moderation_remove, moderation_sample

DRAWN_SELECTIONS = (
    Moderation.Selection.RULE_GOOD,
    Moderation.Selection.RULE_ESCALATION,
    Moderation.Selection.WIDENED,
    Moderation.Selection.RANDOM,
    Moderation.Selection.MINIMUM,
)


@dataclass(frozen=True)
class SampleRules:
    target: int | None = None
    percent: int | None = None
    include_good_or_better: bool = True
    include_escalations: bool = True
    widen_downgrades: int = 2
    widen_window: int = 3


@dataclass(frozen=True)
class Choice:
    audit_id: int
    selection: str
    note: str


@dataclass
class Plan:
    returned: int
    target: int
    already: int
    choices: list[Choice]


def rules_errors(rules: SampleRules) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (rules.target is None) == (rules.percent is None):
        errors["target"] = ["Enter either a number of audits or a percentage, not both."]
    elif rules.target is not None and rules.target < 1:
        errors["target"] = ["The number of audits must be 1 or more."]
    elif rules.percent is not None and not 1 <= rules.percent <= 100:
        errors["percent"] = ["The percentage must be between 1 and 100."]
    if rules.widen_window < 1 or not 1 <= rules.widen_downgrades <= rules.widen_window:
        errors["widen_downgrades"] = [
            "The number of downgrades must be between 1 and the number of audits looked at."
        ]
    return errors


def _target(rules: SampleRules, returned: int) -> int:
    if rules.percent is not None:
        return math.ceil(returned * rules.percent / 100)
    return rules.target or 0


def _quotas(target: int, per_area: dict[int, int]) -> dict[int, int]:
    """Split the target across areas in proportion to returns (largest remainder), min. 1."""
    total = sum(per_area.values())
    exact = {area: target * n / total for area, n in per_area.items()}
    quotas = {area: int(share) for area, share in exact.items()}
    by_remainder = sorted(per_area, key=lambda a: (-(exact[a] - quotas[a]), a))
    for area in by_remainder[: target - sum(quotas.values())]:
        quotas[area] += 1
    return {area: max(1, min(q, per_area[area])) for area, q in quotas.items()}


def widened_auditors(*, auditor_ids: set[int], rules: SampleRules) -> dict[int, int]:
    """Auditors whose overall judgement was downgraded in N of their last M moderations."""
    recent = (
        Moderation.objects.filter(
            status=Moderation.Status.COMPLETED, audit__auditor_id__in=auditor_ids
        )
        .order_by("audit__auditor_id", "-completed_at", "-pk")
        .values_list("audit__auditor_id", "audit__overall", "overall")
    )
    downgrades: dict[int, int] = defaultdict(int)
    seen: dict[int, int] = defaultdict(int)
    for auditor_id, before, after in recent:
        if seen[auditor_id] >= rules.widen_window:
            continue
        seen[auditor_id] += 1
        if RANK.get(after, 0) < RANK.get(before, 0):
            downgrades[auditor_id] += 1
    return {a: n for a, n in downgrades.items() if n >= rules.widen_downgrades}


def _rule_choice(
    audit: dict, rules: SampleRules, widened: dict[int, int]
) -> tuple[str, str] | None:
    """The rule that puts this audit in the sample, as (selection, note), or None: every
    escalation, every Good or better, and more of a widened auditor's audits."""
    if rules.include_escalations and audit["escalated"]:
        return Moderation.Selection.RULE_ESCALATION, "The auditor escalated this case."
    if rules.include_good_or_better and audit["overall"] in ("O", "G"):
        word = "Outstanding" if audit["overall"] == "O" else "Good"
        return Moderation.Selection.RULE_GOOD, f"The auditor judged it {word}."
    if audit["auditor_id"] in widened:
        n = widened[audit["auditor_id"]]
        return (
            Moderation.Selection.WIDENED,
            f"{n} of this auditor's last {rules.widen_window} moderated audits were "
            "downgraded, so more of their audits are moderated.",
        )
    return None


def draw_rules(draw: SampleDraw) -> SampleRules:
    """The rules a draw was made with."""
    return SampleRules(
        target=None if draw.target_percent else draw.target,
        percent=draw.target_percent,
        include_good_or_better=draw.include_good_or_better,
        include_escalations=draw.include_escalations,
        widen_downgrades=draw.widen_downgrades,
        widen_window=draw.widen_window,
    )


def sample_on_arrival(*, audit: Audit) -> Moderation | None:
    """An audit submitted after its programme's sample was drawn meets that draw's rules at
    once (every escalation, every Good or better, a widened auditor's), so the cases that
    must be moderated never wait for a redraw. The random share waits for the next draw: the
    sample page counts what is waiting. A reworked revision is requeued by its own rule
    (moderation_requeue_rework); an audit already in the sample is left alone."""
    if audit.programme_id is None or audit.revision_of_id is not None:
        return None
    draw = SampleDraw.objects.filter(programme_id=audit.programme_id).select_related("drawn_by")
    latest = draw.order_by("-drawn_at", "-pk").first()
    if latest is None:
        return None
    if Moderation.objects.filter(audit=audit, status__in=Moderation.LIVE_STATUSES).exists():
        return None
    rules = draw_rules(latest)
    # A submitted audit always has its auditor (audit_unassigned_only_while_open).
    assert audit.auditor_id is not None
    widened = widened_auditors(auditor_ids={audit.auditor_id}, rules=rules)
    values = {
        "escalated": audit.escalated,
        "overall": audit.overall,
        "auditor_id": audit.auditor_id,
    }
    rule = _rule_choice(values, rules, widened)
    if rule is None:
        return None
    selection, note = rule
    # Recorded as the draw's: the QA lead who set the rules, not the auditor who submitted.
    return moderation_sample(
        actor=latest.drawn_by,
        audit=audit,
        selection=selection,
        note=f"{note} Sampled as it arrived, by the rules of the draw of "
        f"{latest.drawn_at:%-d %B %Y}.",
        draw=latest,
    )


def sample_plan(*, programme: Programme, rules: SampleRules, seed: int) -> Plan:
    """Which submitted audits to moderate, and why; the same inputs give the same plan."""
    submitted = list(
        Audit.objects.filter(programme=programme, status=Audit.Status.SUBMITTED)
        .annotate(
            area_id=F("case__team__service_area_id"), area=F("case__team__service_area__name")
        )
        .order_by("pk")
        .values("pk", "area_id", "area", "overall", "escalated", "auditor_id")
    )
    live = set(
        Moderation.objects.filter(
            audit__programme=programme, status__in=Moderation.LIVE_STATUSES
        ).values_list("audit_id", flat=True)
    )
    target = _target(rules, len(submitted))
    plan = Plan(returned=len(submitted), target=target, already=len(live), choices=[])
    if not submitted:
        return plan
    widened = widened_auditors(auditor_ids={a["auditor_id"] for a in submitted}, rules=rules)
    chosen: set[int] = set(live)
    per_area_taken: dict[int, int] = defaultdict(int)
    for audit in submitted:
        if audit["pk"] in live:
            per_area_taken[audit["area_id"]] += 1

    def choose(audit, selection, note):
        chosen.add(audit["pk"])
        per_area_taken[audit["area_id"]] += 1
        plan.choices.append(Choice(audit["pk"], selection, note))

    for audit in submitted:
        if audit["pk"] in chosen:
            continue
        rule = _rule_choice(audit, rules, widened)
        if rule is not None:
            choose(audit, *rule)

    per_area: defaultdict[int, int] = defaultdict(int)
    names = {}
    for audit in submitted:
        per_area[audit["area_id"]] += 1
        names[audit["area_id"]] = audit["area"]
    proportional = _quotas(target, per_area) if target else {a: 1 for a in per_area}
    rng = random.Random(seed)
    for area_id in sorted(per_area, key=lambda a: (names[a], a)):
        pool = [a for a in submitted if a["area_id"] == area_id and a["pk"] not in chosen]
        need = max(0, proportional[area_id] - per_area_taken[area_id])
        exact_share = target * per_area[area_id] / len(submitted)
        for audit in rng.sample(pool, min(need, len(pool))):
            if exact_share >= 0.5:
                choose(
                    audit,
                    Moderation.Selection.RANDOM,
                    f"{names[area_id]} returned {per_area[area_id]} of {len(submitted)} audits, "
                    f"so {proportional[area_id]} of the {target} to moderate are drawn there.",
                )
            else:
                choose(
                    audit,
                    Moderation.Selection.MINIMUM,
                    f"{names[area_id]} returned {per_area[area_id]} audits; every service area "
                    "with returns has at least one moderated.",
                )
    return plan


@transaction.atomic
def sample_draw(*, actor: User, programme: Programme, rules: SampleRules, seed: int) -> SampleDraw:
    """Draw (or redraw) the sample: unclaimed picks of earlier draws make way for the new one."""
    require(permissions.sample_manage_allowed(user=actor), permissions.SAMPLE_MANAGE_REFUSED)
    errors = rules_errors(rules)
    if errors:
        raise DomainError("The sample rules are not valid.", field_errors=errors)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)

    earlier = Moderation.objects.filter(
        audit__programme=programme,
        status=Moderation.Status.SAMPLED,
        selection__in=DRAWN_SELECTIONS,
    )
    for moderation in earlier:
        moderation_remove(actor=actor, moderation=moderation, reason="Replaced by a new draw.")
    plan = sample_plan(programme=programme, rules=rules, seed=seed)
    draw = SampleDraw.objects.create(
        programme=programme,
        seed=seed,
        target=plan.target,
        target_percent=rules.percent,
        include_good_or_better=rules.include_good_or_better,
        include_escalations=rules.include_escalations,
        widen_downgrades=rules.widen_downgrades,
        widen_window=rules.widen_window,
        returned=plan.returned,
        drawn_by=actor,
    )
    audits = Audit.objects.select_related("case").in_bulk([c.audit_id for c in plan.choices])
    for choice in plan.choices:
        moderation_sample(
            actor=actor,
            audit=audits[choice.audit_id],
            selection=choice.selection,
            note=choice.note,
            draw=draw,
        )
    return draw
