"""The arithmetic every report shares, over grade counts the database has already grouped.

Percentages are core.grades.percent: one decimal place, half up; a percentage of nothing is
None.

Distribution
    For each grade (or column) of a scale: n and n as a % of the whole.

Comparison (before against after over the same pairs: the auditor's grade and the
moderator's, or a first audit's and its re-audit's)
    transitions   every (from, to) pair with n > 0, in the order of the scale.
    agreed / agreement_pct   pairs where from = to, % of pairs.
    upgraded / downgraded (and _pct)   the after grade is better / worse on the scale
                  O > G > RI > I (core.grades.steps); N/A on one side only is neither.
    weighted_kappa  Cohen's kappa with linear weights over the four grades O, G, RI, I
                  (disagreement weight |i - j|), rounded to 3 places, half up, over
                  `kappa_pairs` pairs (pairs with N/A on either side are left out). None
                  when there are no pairs, or when the expected disagreement is 0 (every pair
                  in one grade on both sides: kappa is undefined then).

KPI
    ri_or_better_pct   audits whose overall judgement is O, G or RI (core.grades.RI_OR_BETTER),
                       % of those judged: the auditor's over the returned audits and, for
                       ri_or_better_pct_after_moderation, the moderator's over the moderated.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from core.grades import NOT_APPLICABLE, RI_OR_BETTER, SCALE, percent, steps

GRADES = SCALE  # best first, as on the scale
DOMAIN_COLUMNS = (*GRADES, NOT_APPLICABLE)
_POSITION = {grade: i for i, grade in enumerate(GRADES)}


# percent is pure arithmetic on two integers, and a report asks it the same few thousand
# questions (0 of n, ...) over and over: remembering the answers is not caching a report.
_percent = lru_cache(maxsize=16384)(percent)


def distribution(counts: Mapping[str, int], keys: Iterable[str], whole: int) -> dict:
    out = {}
    for key in keys:
        n = counts.get(key, 0)
        out[key] = {"n": n, "pct": _percent(n, whole)}
    return out


def ri_or_better_pct(counts: Mapping[str, int], whole: int) -> float | None:
    """The KPI "% rated RI or better": the counts of RI_OR_BETTER grades, % of whole."""
    return percent(sum(counts.get(grade, 0) for grade in RI_OR_BETTER), whole)


def kpi(*, before: Mapping[str, int], returned: int, after: Mapping[str, int], moderated: int):
    """The KPI block of a report: before moderation (the auditors' overall judgements of the
    returned audits) and after (the moderators', over the moderated audits)."""
    return {
        "ri_or_better_pct": ri_or_better_pct(before, returned),
        "ri_or_better_pct_after_moderation": ri_or_better_pct(after, moderated),
    }


def weighted_kappa(pairs: Mapping[tuple[str, str], int]) -> float | None:
    """Cohen's kappa with linear weights over O, G, RI, I; None when it is undefined."""
    graded = {(b, a): n for (b, a), n in pairs.items() if b in _POSITION and a in _POSITION}
    total = sum(graded.values())
    if not total:
        return None
    rows: Counter[str] = Counter()
    columns: Counter[str] = Counter()
    for (before, after), n in graded.items():
        rows[before] += n
        columns[after] += n
    # kappa = 1 - observed / expected with observed = disagreed / total and expected =
    # chance_disagreed / total²: in integers, (chance - disagreed * total) / chance.
    disagreed = sum(n * abs(_POSITION[b] - _POSITION[a]) for (b, a), n in graded.items())
    chance = sum(
        rows[b] * columns[a] * abs(_POSITION[b] - _POSITION[a]) for b in GRADES for a in GRADES
    )
    if chance == 0:
        return None
    kappa = Decimal(chance - disagreed * total) / Decimal(chance)
    return float(kappa.quantize(Decimal("0.001"), ROUND_HALF_UP))


def comparison(pairs: Mapping[tuple[str, str], int], order: tuple[str, ...]) -> dict:
    """Before against after over the same pairs: transitions, agreement, shifts and kappa."""
    total = sum(pairs.values())
    agreed = upgraded = downgraded = kappa_pairs = 0
    for (before, after), n in pairs.items():
        moved = steps(before, after)
        if before == after:
            agreed += n
        if moved is not None:
            kappa_pairs += n
            upgraded += n if moved > 0 else 0
            downgraded += n if moved < 0 else 0
    rank = {grade: i for i, grade in enumerate(order)}
    last = len(order)
    ordered = sorted(
        pairs.items(), key=lambda pair: (rank.get(pair[0][0], last), rank.get(pair[0][1], last))
    )
    return {
        "pairs": total,
        "transitions": [{"from": b, "to": a, "n": n} for (b, a), n in ordered if n],
        "agreed": agreed,
        "agreement_pct": percent(agreed, total),
        "upgraded": upgraded,
        "upgraded_pct": percent(upgraded, total),
        "downgraded": downgraded,
        "downgraded_pct": percent(downgraded, total),
        "weighted_kappa": weighted_kappa(pairs),
        "kappa_pairs": kappa_pairs,
    }
