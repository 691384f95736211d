"""Saving an audit locks the audit's row alone, never its tool's (PostgreSQL, two connections).

The report summary's refresh locks a team's row and then the tool's (reporting/summary.py:
always in that order). An audit save that also locked the tool's row (FOR UPDATE over a
select_related join locks every joined row) took the tool first, then, at submission, the team:
the other order. Under load an auditor submitting while a moderator completed an audit of the
same team deadlocked, and every auditor's draft save of that tool queued behind every other.
"""

import threading

import pytest
from django.db import connection, transaction

from core.services.audits import audit_save_draft, audit_submit_record
from flows.moderation import moderation_complete
from moderation.services.claims import moderation_claim
from reporting.summary import summary_refresh_audit
from tests.factories import (
    AuditFactory,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: row locks between two real connections.",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
# Long enough for the other connection's work when nothing blocks it (under a second, 10 s
# seen on a machine shared by five test suites); PostgreSQL finds the deadlock after
# deadlock_timeout (1 s) once both wait.
WAIT = 30


def test_a_submission_and_a_moderation_of_one_team_do_not_deadlock(auditor, qa_lead, moderator):
    audit = AuditFactory(auditor=auditor, case__team=auditor.team)
    claimed = moderation_claim(
        actor=moderator,
        moderation=sampled_moderation(
            submitted_audit(auditor=auditor, case__team=auditor.team), qa_lead
        ),
    )
    audit_locked, moderation_done = threading.Event(), threading.Event()
    outcomes: dict = {}

    def submit():
        # flows.audits.audit_submit, with the other connection's work between its two steps:
        # the audit locked and submitted, then (after) the figures of its team and tool.
        try:
            with transaction.atomic():
                submitted = audit_submit_record(
                    audit=audit,
                    actor=auditor,
                    version=audit.version,
                    content=complete_content(audit.tool),
                )
                audit_locked.set()
                outcomes["moderation finished meanwhile"] = moderation_done.wait(WAIT)
                summary_refresh_audit(audit=submitted)
            outcomes["submit"] = "ok"
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcomes["submit"] = repr(error)
        finally:
            audit_locked.set()
            connection.close()

    def complete():
        try:
            assert audit_locked.wait(WAIT)
            with transaction.atomic():
                # Committed, before the e-mails and tasks that follow a commit.
                transaction.on_commit(moderation_done.set)
                moderation_complete(
                    actor=moderator,
                    moderation=claimed,
                    version=claimed.version,
                    content=moderation_content(claimed.audit.tool),
                )
            outcomes["complete"] = "ok"
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcomes["complete"] = repr(error)
        finally:
            moderation_done.set()
            connection.close()

    threads = [threading.Thread(target=submit), threading.Thread(target=complete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * WAIT)
        assert not thread.is_alive(), "a thread hung: a lock was never released"

    assert outcomes == {
        "moderation finished meanwhile": True,
        "submit": "ok",
        "complete": "ok",
    }


def test_two_auditors_saving_drafts_of_one_tool_do_not_queue(auditor, same_team_auditor):
    first = AuditFactory(auditor=auditor, case__team=auditor.team)
    second = AuditFactory(auditor=same_team_auditor, case__team=auditor.team)
    assert first.tool_id == second.tool_id
    first_locked, second_saved = threading.Event(), threading.Event()
    outcomes: dict = {}

    def save_first():
        try:
            with transaction.atomic():
                audit_save_draft(
                    audit=first,
                    actor=auditor,
                    version=first.version,
                    content=complete_content(first.tool),
                )
                first_locked.set()
                outcomes["second saved meanwhile"] = second_saved.wait(WAIT)
        finally:
            first_locked.set()
            connection.close()

    def save_second():
        try:
            assert first_locked.wait(WAIT)
            audit_save_draft(
                audit=second,
                actor=same_team_auditor,
                version=second.version,
                content=complete_content(second.tool),
            )
            outcomes["second"] = "ok"
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcomes["second"] = repr(error)
        finally:
            second_saved.set()
            connection.close()

    threads = [threading.Thread(target=save_first), threading.Thread(target=save_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * WAIT)
        assert not thread.is_alive()

    assert outcomes == {"second saved meanwhile": True, "second": "ok"}
