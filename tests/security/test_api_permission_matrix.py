"""Every API operation in the OpenAPI schema × every role × every object, against policy.API.

The operations come from drf-spectacular's schema, so a new endpoint without a row in the
policy fails test_every_operation_is_in_the_policy. Each operation is one test; inside it every
role × object is a real request (a signed-in session, as the browser and the docs page use)
in a savepoint of its own. Lists must show each role exactly the rows the policy allows.
"""

from collections import Counter
from functools import cache

import pytest
from django.core.cache import cache as django_cache
from drf_spectacular.generators import SchemaGenerator

from tests.factories import action_due
from tests.security.matrix import run_row, target
from tests.security.policy import API, ROLES, expected
from tests.security.world import PASSWORD, Clients, reload

pytestmark = pytest.mark.django_db

FIGURES: Counter = Counter()
COVERED: set[str] = set()


@cache
def schema_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) for every operation the schema documents."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]: (method, path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


# ------------------------------------------------------------------ building requests


def _path_id(world, operation, target) -> int:
    if target is not None:
        return target.pk
    if operation.startswith("programmes_"):
        return world.programme.pk
    if operation.startswith("tools_"):
        return world.tool.pk
    if operation.startswith("reports_snapshots_"):
        return world.snapshot.pk
    if operation.startswith("history_import_"):
        return 999_999  # no such job: the QA lead's 404, everyone else's 403 before any lookup
    raise AssertionError(f"{operation}: which object does its path name?")


def _moderation_content(moderation) -> dict:
    moderation = reload(moderation)
    grades = {
        d.code: {"grade": "G", "rationale": "Agree."} for d in moderation.audit.tool.domains.all()
    }
    return {"version": moderation.version, "overall": "G", "summary": "Clear.", "grades": grades}


def _submission(audit) -> dict:
    audit = reload(audit)
    grades = {d.code: {"grade": "G", "evidence": "Seen."} for d in audit.tool.domains.all()}
    return {"version": audit.version, "overall": "G", "grades": grades}


def _token_body(world, role, target):
    user = world.users[role]
    if user is None:
        return {"username": "sec_auditor", "password": "not-the-password"}
    return {"username": user.username, "password": PASSWORD}


BODIES = {
    "token_create": _token_body,
    "cases_create": lambda w, r, t: {
        "reference": "LCS-SEC-NEW",
        "team": w.teams["own"].pk,
        "case_type": "cin",
    },
    "programmes_create": lambda w, r, t: {"month": "2027-01", "tool": "case-file"},
    "tools_create": lambda w, r, t: {
        "code": "matrix-tool",
        "name": "Matrix tool",
        "domains": [
            {
                "code": "plan",
                "title": "Plan",
                "descriptors": {"O": "O.", "G": "G.", "RI": "RI.", "I": "I."},
            }
        ],
    },
    "tools_versions_create": lambda w, r, t: {
        "domains": [
            {
                "code": "plan",
                "title": "Plan",
                "descriptors": {"O": "O.", "G": "G.", "RI": "RI.", "I": "I."},
            }
        ]
    },
    "programmes_partial_update": lambda w, r, t: {"audit_target": 12},
    "programmes_sample_create": lambda w, r, t: {"target": 1, "seed": 7},
    "audits_create": lambda w, r, t: {
        "case": t.reference,
        "auditor": w.users["auditor"].username,
        "tool": "case-file",
    },
    "audits_partial_update": lambda w, r, t: {"version": reload(t).version, "overall": "RI"},
    "audits_submit_create": lambda w, r, t: _submission(t),
    "audits_reaudit_create": lambda w, r, t: {},
    # To whom it is already assigned: the QA lead's 200 changes nothing for the next row.
    "audits_reassign_create": lambda w, r, t: {
        "ids": [w.audits["own/draft"].pk],
        "to": w.users["auditor"].username,
        "reason": "Off sick.",
    },
    "moderations_reassign_create": lambda w, r, t: {
        "ids": [w.moderations["own/waiting"].pk],
        "to": None,
        "reason": "Off sick.",
    },
    "actions_create": lambda w, r, t: {
        "audit": t.pk,
        "description": "Update the plan.",
        "owner": "Team manager",
        "due_date": action_due(),
    },
    "actions_partial_update": lambda w, r, t: {"status": "done"},
    "moderations_create": lambda w, r, t: {"audit": t.pk, "reason": "Complaint received."},
    "moderations_remove_create": lambda w, r, t: {"reason": "Case closed."},
    "moderations_partial_update": lambda w, r, t: {
        "version": reload(t).version,
        "summary": "So far so good.",
    },
    "moderations_claim_create": lambda w, r, t: {},
    "moderations_release_create": lambda w, r, t: {},
    "moderations_acknowledge_create": lambda w, r, t: {},
    "moderations_reveal_create": lambda w, r, t: _moderation_content(t),
    "moderations_complete_create": lambda w, r, t: _moderation_content(t),
    "moderations_return_create": lambda w, r, t: {
        "version": reload(t).version,
        "comment": "No evidence of visits.",
    },
    "escalations_respond_create": lambda w, r, t: {"response": "Visit arranged for Monday."},
    "reports_snapshots_publish": lambda w, r, t: {"month": "2026-10"},
    "history_import_create": lambda w, r, t: {"rows": [], "dry_run": True},
    "staff_import_create": lambda w, r, t: {
        "rows": [{"username": f"hr_{r}", "name": "New Starter", "roles": "auditor"}]
    },
}


def _query(world, operation, rule, obj) -> dict:
    if rule.target == "reports":
        query = {"month": "2026-10"} if operation == "reports_monthly" else {}
        if obj == "same_team":
            query["team"] = world.teams["own"].pk
        elif obj == "other_area":
            query["service_area"] = world.areas["other_area"].pk
        return query
    if operation.endswith("_list"):
        return {"page_size": 200}
    return {}


def send(client, world, operation, rule, role, obj):
    method, path = schema_operations()[operation]
    obj_target = target(world, rule, obj)
    if "{id}" in path:
        path = path.replace("{id}", str(_path_id(world, operation, obj_target)))
    if "{code}" in path:
        path = path.replace("{code}", world.tool.code)
    if method == "get":
        return client.get(path, _query(world, operation, rule, obj))
    if operation == "token_create":
        django_cache.clear()  # the token throttle counts per address in the cache
    body = BODIES[operation](world, role, obj_target)
    return getattr(client, method)(path, body, format="json")


def rows_seen(world, rule, response) -> set[str]:
    names = world.names(rule.target)
    return {
        names.get(row["id"], f"unexpected row {row['id']}") for row in response.json()["results"]
    }


# ------------------------------------------------------------------ the tests


def test_every_operation_is_in_the_policy():
    """Coverage: the policy has a row for every operation in the schema, and no stale rows."""
    documented = set(schema_operations())
    missing = sorted(documented - set(API))
    stale = sorted(set(API) - documented)
    assert not missing, f"operations without a policy: {missing}"
    assert not stale, f"policy rows for operations the schema no longer has: {stale}"
    for operation, (method, path) in schema_operations().items():
        rule = API[operation]
        if "{id}" not in path and method != "post":
            assert rule.objects == ("-",) or rule.target == "reports", operation
        if method != "get":
            assert operation in BODIES, f"{operation}: no request body"
        for role in ROLES:
            for obj in rule.objects:
                expected(rule, role, obj)  # every cell has an outcome


@pytest.mark.parametrize("operation", sorted(API))
def test_operation(operation, world):
    mismatches, leaks = run_row(
        world,
        API,
        operation,
        send=send,
        rows_seen=rows_seen,
        outcome=lambda response: response.status_code,
        figures=FIGURES,
    )
    COVERED.add(operation)
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("operation", ["reports_monthly", "reports_trends", "reports_reaudits"])
def test_a_head_of_service_report_counts_only_their_areas(operation, world):
    """A report has no rows to leak, so its figures are compared instead: a head of service's
    report without a filter is exactly the QA lead's report of that head's service area."""
    _method, path = schema_operations()[operation]
    month = {"month": "2026-10"} if operation == "reports_monthly" else {}
    clients = Clients(world)
    for role, area in (("viewer", "area"), ("other_viewer", "other_area")):
        own = clients[role].get(path, month)
        lead = clients["qa_lead"].get(path, {**month, "service_area": world.areas[area].pk})
        everything = clients["qa_lead"].get(path, month)
        assert own.status_code == lead.status_code == everything.status_code == 200
        assert own.json() == lead.json(), role
        assert own.json() != everything.json(), "the world should give each area its own figures"
        FIGURES["report_scopes"] += 1


def test_figures():
    """The matrix's figures, printed for the record (pytest -rP shows them)."""
    documented = set(schema_operations())
    ran = COVERED & documented
    print(
        f"API permission matrix: operations {len(documented)}, covered by the policy "
        f"{len(documented & set(API))} ({100 * len(documented & set(API)) // len(documented)}%), "
        f"run {len(ran)}; cells {FIGURES['cells']}; mismatches {FIGURES['mismatches']}; "
        f"unauthorised 2xx {FIGURES['unauthorised_2xx']}; rows leaked {FIGURES['rows_leaked']}; "
        f"head-of-service report scopes checked {FIGURES['report_scopes']}"
    )
    assert documented <= set(API)
    assert FIGURES["unauthorised_2xx"] == 0
    assert FIGURES["rows_leaked"] == 0
    assert FIGURES["mismatches"] == 0
