"""Issue 5, item 7: two people saving the same draft with the same version, 200 times.

Each round two API clients (the same auditor in two tabs; the same moderator in two tabs)
PATCH the same draft with the version they both read, released together by a barrier, each
in its own thread with its own PostgreSQL connection. Every round must end with exactly one
200 and one refusal (409 or 412), and the draft in the database must be wholly the winner's
write, one version on: a lost update is any round where that is not so.
"""

import time

import pytest
from django.db import connection

from core.models import Audit
from moderation.models import Moderation
from moderation.services.claims import moderation_claim
from tests.factories import sampled_moderation, submitted_audit
from tests.reliability.helpers import tab
from tests.reliability.racing import Race

ROUNDS = 200
REFUSED = {409, 412}

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.races,  # a long group: `pytest -m races`
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: row locks between two real connections (SQLite serialises "
        "every writer, so nothing would race).",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def tally(rounds: list[dict]) -> dict:
    return {
        "rounds": len(rounds),
        "successes": sum(r["successes"] for r in rounds),
        "refusals": sum(r["refusals"] for r in rounds),
        "lost_updates": sum(r["lost"] for r in rounds),
        "other": sum(r["other"] for r in rounds),
    }


def judge(responses, stored, expected_by_tab, version_before, version_after) -> dict:
    """One round: who won, and whether the database holds exactly the winner's write."""
    codes = [r.status_code if hasattr(r, "status_code") else r for r in responses]
    winners = [i for i, code in enumerate(codes) if code == 200]
    # A refusal tells the loser what happened and what to do.
    refusals = sum(
        1
        for r, code in zip(responses, codes, strict=True)
        if code in REFUSED and "Reload" in r.json()["detail"]
    )
    lost = 0
    if len(winners) != 1:
        lost = 1  # both "won": one write silently replaced the other
    elif stored != expected_by_tab[winners[0]] or version_after != version_before + 1:
        lost = 1
    return {
        "codes": codes,
        "successes": len(winners),
        "refusals": refusals,
        "lost": lost,
        "other": len(codes) - len(winners) - refusals,
    }


def check(figures: dict, failures: list, label: str) -> None:
    print(f"\n{label}: {figures}")
    assert failures == [], failures[:5]
    assert figures == {
        "rounds": ROUNDS,
        "successes": ROUNDS,
        "refusals": ROUNDS,
        "lost_updates": 0,
        "other": 0,
    }


def race_draft_saves(tabs, url, body, stored_draft, written) -> tuple:
    """ROUNDS rounds of both tabs PATCHing `url` with the version they both read. `body(round,
    version, tab name)` is a tab's write, `stored_draft()` the draft's (content, version) and
    `written(body)` the content a winning write leaves. Returns the tally, the failing rounds,
    both racers' backend pids and the seconds taken."""

    def save(index):
        def call(data):
            return tabs[index].patch(url, data[index], format="json")

        return call

    rounds, failures = [], []
    started = time.monotonic()
    with Race(save(0), save(1)) as race:
        for round_no in range(ROUNDS):
            _, version = stored_draft()
            bodies = [body(round_no, version, "A"), body(round_no, version, "B")]
            responses = race.run(bodies)
            stored, version_after = stored_draft()
            expected = [written(b) for b in bodies]
            outcome = judge(responses, stored, expected, version, version_after)
            rounds.append(outcome)
            if outcome["lost"] or outcome["other"] or outcome["refusals"] != 1:
                failures.append((round_no, outcome["codes"], stored))
        pids = race.backend_pids
    return tally(rounds), failures, pids, time.monotonic() - started


def test_two_tabs_saving_the_same_audit_draft_lose_no_update(auditor, audit):
    url = f"/api/audits/{audit.pk}/"
    tabs = [tab(auditor), tab(auditor)]

    def body(round_no: int, version: int, name: str) -> dict:
        return {
            "version": version,
            "overall": "RI" if name == "A" else "I",
            "worried_about": f"Round {round_no}: tab {name}.",
            "grades": {"plan": {"grade": "RI" if name == "A" else "I", "evidence": name}},
        }

    def stored_draft() -> tuple:
        fresh = Audit.objects.get(pk=audit.pk)
        plan = fresh.grades.get(domain__code="plan")
        return (fresh.overall, fresh.worried_about, plan.grade, plan.evidence), fresh.version

    def written(b: dict) -> tuple:
        plan = b["grades"]["plan"]
        return (b["overall"], b["worried_about"], plan["grade"], plan["evidence"])

    figures, failures, pids, elapsed = race_draft_saves(tabs, url, body, stored_draft, written)

    # The harness itself: two connections, neither of them this test's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        mine = cursor.fetchone()[0]
    assert len(set(pids)) == 2 and mine not in pids, pids
    check(figures, failures, f"audit draft saves ({elapsed:.1f} s)")
    final = Audit.objects.get(pk=audit.pk)
    assert final.version == 1 + ROUNDS  # one save per round, none lost, none doubled
    assert final.status == Audit.Status.IN_PROGRESS
    assert final.history.count() == 1 + ROUNDS  # created, then one entry per winning save


def test_two_tabs_saving_the_same_moderation_draft_lose_no_update(auditor, qa_lead, moderator):
    moderation = moderation_claim(
        actor=moderator,
        moderation=sampled_moderation(
            submitted_audit(auditor=auditor, case__team=auditor.team), qa_lead
        ),
    )
    url = f"/api/moderations/{moderation.pk}/"
    tabs = [tab(moderator), tab(moderator)]
    claimed_version = moderation.version

    def body(round_no: int, version: int, name: str) -> dict:
        grade = "RI" if name == "A" else "I"
        return {
            "version": version,
            "overall": grade,
            "summary": f"Round {round_no}: tab {name}.",
            "grades": {"plan": {"grade": grade, "rationale": f"Round {round_no} {name}."}},
        }

    def stored_draft() -> tuple:
        fresh = Moderation.objects.get(pk=moderation.pk)
        plan = fresh.grades.get(domain__code="plan")
        return (fresh.overall, fresh.summary, plan.grade, plan.rationale), fresh.version

    def written(b: dict) -> tuple:
        plan = b["grades"]["plan"]
        return (b["overall"], b["summary"], plan["grade"], plan["rationale"])

    figures, failures, _pids, elapsed = race_draft_saves(tabs, url, body, stored_draft, written)

    check(figures, failures, f"moderation draft saves ({elapsed:.1f} s)")
    final = Moderation.objects.get(pk=moderation.pk)
    assert final.version == claimed_version + ROUNDS
    assert final.status == Moderation.Status.CLAIMED
