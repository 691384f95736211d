"""Issue 5, item 10: the database connection dropped in the middle of submitting an audit.

A hook on the request's connection (connection.execute_wrapper) waits for a chosen statement
of the submission, then has a second connection end the request's PostgreSQL backend
(pg_terminate_backend) before that statement runs, so the submission loses its connection
half-way through its transaction. Then: nothing partial is written (the audit is still the
draft it was, grades, history and report figures unchanged), the auditor gets a clear 503
(a page with their answers kept, or a JSON error) rather than a 500, and submitting again
succeeds.
"""

import contextlib

import pytest
from django.db import connection
from django.urls import reverse

from core.errors import DATABASE_UNAVAILABLE
from core.models import Audit
from core.services.audits import AuditContent, audit_save_draft
from moderation.models import Escalation
from reporting.models import ReportSummary
from tests.reliability.helpers import submit_body, submit_form, tab

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Needs PostgreSQL: ends a server backend with pg_terminate_backend.",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _is_submission(params) -> bool:
    return params is not None and Audit.Status.SUBMITTED.value in list(params)


# Where the connection is lost: each a statement inside the submission's transaction.
KILL_POINTS = {
    "saving the last changes": lambda sql, params: sql.startswith('UPDATE "audits_domaingrade"'),
    "changing the status": lambda sql, params: (
        sql.startswith('UPDATE "audits_audit"') and _is_submission(params)
    ),
    "recording the history": lambda sql, params: (
        sql.startswith('INSERT INTO "audits_historicalaudit"') and _is_submission(params)
    ),
    "raising the escalation": lambda sql, params: sql.startswith(
        'INSERT INTO "moderation_escalation"'
    ),
    "updating the report figures": lambda sql, params: '"reporting_reportsummary"' in sql,
}


def terminate_backend(pid: int) -> None:
    """End a backend from another connection, and wait until it has gone."""
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


@contextlib.contextmanager
def connection_lost_at(point: str):
    """Yield a list that records the killed backend's pid once the point was reached."""
    matches = KILL_POINTS[point]
    killed: list[int] = []

    def hook(execute, sql, params, many, context):
        if not killed and matches(sql, params):
            pid = context["connection"].connection.info.backend_pid
            terminate_backend(pid)
            killed.append(pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        yield killed


@pytest.fixture
def draft(auditor, team):
    """An audit in progress: a draft saved once (version 2), Inadequate, not yet complete."""
    from tests.factories import AuditFactory

    audit = AuditFactory(auditor=auditor, case__team=team)
    return audit_save_draft(
        audit=audit,
        actor=auditor,
        version=audit.version,
        content=AuditContent(
            overall="I",
            worried_about="Saved before the submission.",
            grades={"plan": ("RI", "Saved plan evidence.")},
        ),
    )


def state(audit: Audit) -> dict:
    """Everything a submission writes, as stored now."""
    fresh = Audit.objects.get(pk=audit.pk)
    return {
        "audit": (fresh.status, fresh.version, fresh.overall, fresh.worried_about),
        "submitted_at": fresh.submitted_at,
        "grades": sorted(fresh.grades.values_list("domain__code", "grade", "evidence")),
        "audit_history": fresh.history.count(),
        "grade_history": sum(g.history.count() for g in fresh.grades.all()),
        "escalations": Escalation.objects.filter(audit=fresh).count(),
        "report_rows": ReportSummary.objects.count(),
    }


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_page_submission_that_loses_its_connection_keeps_the_draft(client, auditor, draft, point):
    client.force_login(auditor)
    url = reverse("audit_edit", args=[draft.pk])
    before = state(draft)
    assert before["audit"][0] == Audit.Status.IN_PROGRESS

    with connection_lost_at(point) as killed:
        response = client.post(url, submit_form(draft))

    assert killed, f"the submission never reached {point!r}"
    assert response.status_code == 503
    html = response.content.decode()
    assert DATABASE_UNAVAILABLE.split(":")[0] in html
    assert "your draft is safe" in html
    assert "Typed evidence for plan." in html  # what they typed is still in the form
    assert state(draft) == before  # nothing of the failed submission was written

    retry = client.post(url, submit_form(draft))
    assert retry.status_code == 302, retry.content.decode()[:2000]
    after = state(draft)
    assert after["audit"][0] == Audit.Status.SUBMITTED
    assert after["audit"][1] == before["audit"][1] + 2  # the last changes, then the submission
    assert after["escalations"] == 1
    assert {grade for _code, grade, _evidence in after["grades"]} == {"I"}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_an_api_submission_that_loses_its_connection_is_a_clear_503(auditor, draft, point):
    client = tab(auditor)
    url = f"/api/audits/{draft.pk}/submit/"
    before = state(draft)

    with connection_lost_at(point) as killed:
        response = client.post(url, submit_body(draft), format="json")

    assert killed, f"the submission never reached {point!r}"
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert state(draft) == before

    retry = client.post(url, submit_body(draft), format="json")
    assert retry.status_code == 200, retry.json()
    assert retry.json()["status"] == Audit.Status.SUBMITTED
    assert state(draft)["escalations"] == 1


def test_the_hook_really_ends_the_backend(auditor, draft):
    """The guard on the harness: the request's backend is gone, and a new one serves the rest."""
    client = tab(auditor)
    with connection_lost_at("changing the status") as killed:
        client.post(f"/api/audits/{draft.pk}/submit/", submit_body(draft), format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", killed)
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != killed[0]
