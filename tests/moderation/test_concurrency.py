"""Real races on PostgreSQL: two connections at once, exactly one winner, nothing lost.

Each race runs two threads, each with its own database connection, released together by a
barrier, and is repeated so that both orders of arrival are exercised. SQLite serialises
writers for the whole database, so these only mean something on PostgreSQL (as CI runs).
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from core.errors import StaleVersion, TransitionNotAllowed
from core.models import User
from flows.moderation import moderation_complete
from moderation.models import Moderation
from moderation.services.claims import moderation_claim
from moderation.services.moderating import ModerationContent, moderation_save_draft
from tests.factories import UserFactory, moderation_content, sampled_moderation, submitted_audit

RUNS = 20

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: row locks between two real connections.",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(*calls):
    """Run each call in its own thread and connection, all released at once.

    Returns what each call returned or raised, in the order given.
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a racing thread hung: a lock was never released"
    return outcomes


def kinds(outcomes) -> Counter:
    return Counter(type(o).__name__ for o in outcomes)


def fresh_moderation(auditor, qa_lead) -> Moderation:
    return sampled_moderation(submitted_audit(auditor=auditor, case__team=auditor.team), qa_lead)


def test_two_moderators_claiming_at_once_one_wins(auditor, qa_lead, moderator):
    rival = UserFactory(username="rival", team=None, roles=["moderator"])
    winners = Counter()
    for _ in range(RUNS):
        moderation = fresh_moderation(auditor, qa_lead)

        def claim(user_id, moderation_id=moderation.pk):
            return moderation_claim(
                actor=User.objects.get(pk=user_id),
                moderation=Moderation.objects.get(pk=moderation_id),
            )

        outcomes = race(lambda: claim(moderator.pk), lambda: claim(rival.pk))

        assert kinds(outcomes) == Counter({"Moderation": 1, "TransitionNotAllowed": 1}), outcomes
        winner = next(o for o in outcomes if isinstance(o, Moderation))
        loser = next(o for o in outcomes if isinstance(o, TransitionNotAllowed))
        assert "already been claimed" in str(loser)
        moderation.refresh_from_db()
        assert moderation.status == Moderation.Status.CLAIMED
        assert moderation.moderator_id == winner.moderator_id
        assert moderation.version == 2
        # One blank grade per domain, made once by the winner.
        assert moderation.grades.count() == moderation.audit.tool.domains.count()
        winners[winner.moderator_id] += 1
    assert sum(winners.values()) == RUNS


def test_two_tabs_completing_the_same_version_complete_once(auditor, qa_lead, moderator):
    for _ in range(RUNS):
        claimed = moderation_claim(actor=moderator, moderation=fresh_moderation(auditor, qa_lead))
        tool = claimed.audit.tool

        def complete(grade, claimed=claimed, tool=tool):
            content = moderation_content(tool, grade=grade, overall=grade)
            content.summary = f"Everything is {grade}."
            return moderation_complete(
                actor=User.objects.get(pk=moderator.pk),
                moderation=Moderation.objects.get(pk=claimed.pk),
                version=claimed.version,
                content=content,
            )

        outcomes = race(lambda: complete("RI"), lambda: complete("I"))

        winners = [o for o in outcomes if isinstance(o, Moderation)]
        losers = [o for o in outcomes if not isinstance(o, Moderation)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert isinstance(losers[0], StaleVersion | TransitionNotAllowed), losers
        won = winners[0].overall
        claimed.refresh_from_db()
        assert claimed.status == Moderation.Status.COMPLETED
        assert (claimed.overall, claimed.summary) == (won, f"Everything is {won}.")
        assert set(claimed.grades.values_list("grade", flat=True)) == {won}
        assert Moderation.objects.filter(audit=claimed.audit).count() == 1
    assert Moderation.objects.filter(status=Moderation.Status.COMPLETED).count() == RUNS


def test_two_draft_saves_of_the_same_version_lose_no_update(auditor, qa_lead, moderator):
    for _ in range(RUNS):
        claimed = moderation_claim(actor=moderator, moderation=fresh_moderation(auditor, qa_lead))

        def save(summary, claimed=claimed):
            return moderation_save_draft(
                actor=User.objects.get(pk=moderator.pk),
                moderation=Moderation.objects.get(pk=claimed.pk),
                version=claimed.version,
                content=ModerationContent(summary=summary, grades={"plan": ("RI", summary, "")}),
            )

        outcomes = race(lambda: save("First tab."), lambda: save("Second tab."))

        assert kinds(outcomes) == Counter({"Moderation": 1, "StaleVersion": 1}), outcomes
        winner = next(o for o in outcomes if isinstance(o, Moderation))
        claimed.refresh_from_db()
        # The saved draft is wholly the winner's: its summary and its rationale, one version on.
        assert claimed.summary == winner.summary
        assert claimed.grades.get(domain__code="plan").rationale == winner.summary
        assert claimed.version == winner.version == 3
        # The loser is told to reload, so it can redo its change on the winner's version.
        again = moderation_save_draft(
            actor=moderator,
            moderation=claimed,
            version=claimed.version,
            content=ModerationContent(summary="Merged by hand."),
        )
        assert again.version == 4


def test_each_racing_thread_used_its_own_connection():
    """The guard on the harness: without separate connections the races above prove nothing."""
    seen = []

    def backend_pid():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            seen.append(cursor.fetchone()[0])

    race(backend_pid, backend_pid)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        mine = cursor.fetchone()[0]
    assert len(set(seen)) == 2 and mine not in seen
