"""Every page (every named URL pattern outside api/ and admin/) × every role × every object,
against policy.PAGES.

The URL patterns come from Django's resolver, so a new page without a row in the policy fails
test_every_page_is_in_the_policy. Each page and method is one test; inside it every role ×
object is a real request with a signed-in session, in a savepoint of its own. List pages must
name exactly the cases (by reference) of the rows the policy lets each role see.
"""

import io
import re
from collections import Counter
from functools import cache

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from tests.factories import action_due
from tests.security.matrix import run_row, target
from tests.security.policy import LOGIN, PAGES, ROLES, expected
from tests.security.world import reload

pytestmark = pytest.mark.django_db

FIGURES: Counter = Counter()
EXCLUDED = ("api/", "admin/", "static/", "media/")
# Under api/ but not operations of the schema (the API matrix's source): the schema itself and
# its reference page, which the policy lists with the pages.
API_PAGES = ("api/schema/", "api/docs/")


@cache
def page_patterns() -> dict[str, tuple[str, ...]]:
    """name (with namespace) -> the URL's keyword arguments, for every page pattern."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(EXCLUDED) and route not in API_PAGES:
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}{pattern.name}" if pattern.name else f"unnamed {route}"
                found[name] = tuple(pattern.pattern.converters)

    walk(get_resolver().url_patterns, "", "")
    return found


def _split(key: str) -> tuple[str, str]:
    name, method = key.rsplit(" ", 1)
    return name, method.lower()


# ------------------------------------------------------------------ building requests


def _url(world, name: str, target) -> str:
    kwargs = {}
    for kwarg in page_patterns()[name]:
        if kwarg == "programme_id":
            kwargs[kwarg] = world.programme.pk
        elif kwarg == "tool_id":
            kwargs[kwarg] = world.tool.pk
        elif kwarg == "domain_id":
            kwargs[kwarg] = world.tool.domains.order_by("position").first().pk
        elif kwarg in ("audit_id", "action_id", "pk") and target is not None:
            kwargs[kwarg] = target.pk
        elif kwarg == "reference" and target is not None:
            kwargs[kwarg] = target.reference
        elif kwarg == "pk" and name.startswith("reports:"):
            kwargs[kwarg] = world.snapshot.pk
        elif kwarg == "person_id":
            kwargs[kwarg] = world.writers["same_team"].pk
        elif kwarg == "area_id":
            kwargs[kwarg] = world.areas["area"].pk
        elif kwarg == "team_id":
            kwargs[kwarg] = world.teams["own"].pk
        elif kwarg == "job_id":
            kwargs[kwarg] = 999_999
        elif kwarg in ("uidb64", "token"):
            kwargs[kwarg] = "made-up"
        else:
            raise AssertionError(f"{name}: what is {kwarg}?")
    return reverse(name, kwargs=kwargs)


def _audit_form(w, role, audit):
    return {"version": reload(audit).version, "overall": "RI", "intent": "save"}


BODIES = {
    "logout": lambda w, r, t: {},
    "audit_edit": _audit_form,
    "action_add": lambda w, r, t: {
        "description": "Update the plan.",
        "owner": "Team manager",
        "due_date": action_due(page=True),
    },
    "audit_reaudit": lambda w, r, t: {},
    "action_status": lambda w, r, t: {"status": "done"},
    "programme_create": lambda w, r, t: {
        "month": "2027-01",
        "tool": w.tool.pk,
        "audit_target": 10,
        "moderation_target": 5,
        "due_date": "31/01/2027",
    },
    "programme_edit": lambda w, r, t: {
        "theme": "Voice of the child",
        "audit_target": 12,
        "moderation_target": 5,
        "due_date": "31/10/2026",
    },
    "programme_sample": lambda w, r, t: {},
    "tool_create": lambda w, r, t: {
        "code": "matrix-tool",
        "name": "Matrix tool",
        "audit_type": "themed",
        "offers_outstanding": "yes",
        "blind_moderation": "no",
    },
    "tool_import": lambda w, r, t: {},
    "tool_edit": lambda w, r, t: {"name": "Renamed"},
    "tool_publish": lambda w, r, t: {},
    "tool_new_version": lambda w, r, t: {},
    "tool_domain_add": lambda w, r, t: {"code": "extra", "title": "Extra"},
    "tool_domain_edit": lambda w, r, t: {"code": "extra", "title": "Extra"},
    "tool_domain_move": lambda w, r, t: {"direction": "down"},
    "tool_domain_remove": lambda w, r, t: {},
    "programme_add_case": lambda w, r, t: {
        "reference": t.reference,
        "auditor": w.users["auditor"].pk,
        "resample_reason": "",
    },
    "moderation:detail": lambda w, r, t: {
        "version": reload(t).version,
        "summary": "So far so good.",
        "intent": "save",
    },
    "moderation:claim": lambda w, r, t: {},
    "moderation:release": lambda w, r, t: {},
    "moderation:acknowledge": lambda w, r, t: {},
    "moderation:return": lambda w, r, t: {
        "version": reload(t).version,
        "rework_comment": "No evidence of visits.",
    },
    "moderation:remove": lambda w, r, t: {"reason": "Case closed."},
    "moderation:sample": lambda w, r, t: {
        "target": 1,
        "include_good_or_better": "on",
        "include_escalations": "on",
        "widen_downgrades": 2,
        "widen_window": 3,
        "seed": 7,
    },
    "moderation:sample_add": lambda w, r, t: {
        "reference": t.case.reference,
        "reason": "Complaint received.",
    },
    "moderation:escalation": lambda w, r, t: {"response": "Visit arranged for Monday."},
    "reports:snapshot_publish": lambda w, r, t: {"month": "2026-10"},
    "staff:person_new": lambda w, r, t: {"username": f"new_{r}", "roles": ["auditor"]},
    "staff:import": lambda w, r, t: {},
    "reassign": lambda w, r, t: {},
    "staff:person_edit": lambda w, r, t: {"first_name": "Renamed", "team": w.teams["own"].pk},
    "staff:person_roles": lambda w, r, t: {"roles": ["moderator"], "reason": "Moved to QA."},
    "staff:person_invite": lambda w, r, t: {},
    "staff:person_deactivate": lambda w, r, t: {"reason": "Left."},
    "staff:person_reactivate": lambda w, r, t: {},
    "staff:area_new": lambda w, r, t: {"name": f"New area {r}"},
    "staff:area_rename": lambda w, r, t: {"name": "Renamed area"},
    "staff:team_new": lambda w, r, t: {"service_area": w.areas["area"].pk, "name": "New team"},
    "staff:team_rename": lambda w, r, t: {"name": "Renamed team"},
    "set_password": lambda w, r, t: {"new_password1": "x", "new_password2": "x"},
}


def _query(world, name, rule, obj) -> dict:
    if name.startswith("import_template_"):
        return {"tool": world.tool.pk}
    if rule.target != "reports":
        return {}
    query = {"month": "2026-10"}
    if name == "reports:calibration_csv":
        query["table"] = "calibration_months_auditors"
    if obj == "same_team":
        query["team"] = world.teams["own"].pk
    elif obj == "other_area":
        query["service_area"] = world.areas["other_area"].pk
    return query


def send(client, world, key, rule, role, obj):
    name, method = _split(key)
    obj_target = target(world, rule, obj)
    url = _url(world, name, obj_target)
    if method == "get":
        return client.get(url, _query(world, name, rule, obj))
    return client.post(url, BODIES[name](world, role, obj_target))


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


def _reference(world, kind: str, name: str) -> str:
    obj = getattr(world, kind)[name]
    if kind == "audits":
        return obj.case.reference
    return obj.audit.case.reference  # moderations and escalations


def rows_seen(world, rule, response) -> set[str]:
    """The row objects whose case reference the page names."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheet" in response.get("Content-Type", ""):
        book = load_workbook(io.BytesIO(body), read_only=True)
        html = " ".join(
            str(value)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for value in row
        )
    else:
        html = body.decode()
    shown = set(re.findall(r"LCS-\d+", html))
    return {o for o in rule.row_objects if _reference(world, rule.target, o) in shown}


# ------------------------------------------------------------------ the tests


def test_every_page_is_in_the_policy():
    """Coverage: every page pattern has at least one row in the policy, and no stale rows."""
    pages = set(page_patterns())
    in_policy = {_split(key)[0] for key in PAGES}
    missing = sorted(pages - in_policy)
    stale = sorted(in_policy - pages)
    assert not missing, f"pages without a policy: {missing}"
    assert not stale, f"policy rows for pages that no longer exist: {stale}"
    for key, rule in PAGES.items():
        name, method = _split(key)
        if method == "post":
            assert name in BODIES, f"{key}: no form data"
        for role in ROLES:
            for obj in rule.objects:
                expected(rule, role, obj)  # every cell has an outcome


@pytest.mark.parametrize("key", list(PAGES))
def test_page(key, world):
    mismatches, leaks = run_row(
        world, PAGES, key, send=send, rows_seen=rows_seen, outcome=outcome, figures=FIGURES
    )
    FIGURES["pages"] += 1
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, "\n".join(leaks)


def test_figures():
    """The matrix's figures, printed for the record (pytest -rP shows them)."""
    pages = set(page_patterns())
    covered = pages & {_split(key)[0] for key in PAGES}
    print(
        f"Page permission matrix: page patterns {len(pages)}, covered by the policy "
        f"{len(covered)} ({100 * len(covered) // len(pages)}%), page×method rows run "
        f"{FIGURES['pages']} of {len(PAGES)}; cells {FIGURES['cells']}; mismatches "
        f"{FIGURES['mismatches']}; unauthorised 2xx {FIGURES['unauthorised_2xx']}; "
        f"rows leaked {FIGURES['rows_leaked']}"
    )
    assert covered == pages
    assert FIGURES["unauthorised_2xx"] == 0
    assert FIGURES["rows_leaked"] == 0
    assert FIGURES["mismatches"] == 0
