"""THE blind walk: during a blind moderation, every page and every API read a moderator can
reach says nothing of the auditor's grades or evidence.

The world: a blind programme; an auditor's audit graded Outstanding overall and in every
domain, with a marker string in its evidence, narrative and action; it is sampled, claimed by
moderator A, returned for rework and resubmitted, so revision 1 (returned) and revision 2
(claimed again by A, not revealed) both carry the hidden grades. It is the ONLY audit anywhere
graded Outstanding, and the only text containing the marker. Around it: a plain month with a
Good audit moderated to Inadequate (a moderator's escalation) and actions, and a published
snapshot of the blind month.

The walkers: moderator A (the claimant), moderator B, and a team manager who is also a
moderator (auditor + moderator, in the blind audit's team).

The routes: every GET page pattern of the URLconf (django.urls.get_resolver, through the page
matrix's page_patterns) and every GET operation of the OpenAPI schema (drf-spectacular, through
the API matrix's schema_operations), each path parameter filled with every object of the
world it can name; list routes also with filters that would single the audit out.

What is asserted of every response body (HTML, JSON, CSV, and each XLSX/zip member):
  * the marker string does not appear (evidence, narrative, action wording);
  * no selection reason naming a judgement ("judged it", "escalated this case");
  * JSON: no object value equal to "O" (an overall or a grade of the hidden audit: nothing
    else in the world is Outstanding; a tool's grade_scale, offered to all, is skipped),
    and no object key "O" / "outstanding" holding a non-zero count (a report cell counting
    the hidden audit);
  * HTML: no rendered grade "Outstanding" in a table cell, summary value, strong, p, li or
    span (form labels, options, hints and headers, which offer or name Outstanding on every
    page, are allowed);
  * tables (CSV, each XLSX sheet, and a report page's HTML tables): no non-zero count or
    percentage in a column or row labelled Outstanding / O (the labels are on every report).
Reports and published snapshots (finding 2) are walked by their own test: a moderator's
reports leave blind-pending audits out, and a snapshot counting one is refused to them.
"""

import csv
import datetime as dt
import io
import json
import re
import zipfile
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Audit, AuditTool
from core.services.actions import action_create
from flows import audits as audit_flows
from flows import moderation as moderation_flows
from moderation import sampling
from moderation.services.claims import moderation_claim
from reporting import services as report_services
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)
from tests.security.test_api_permission_matrix import schema_operations
from tests.security.test_page_permission_matrix import page_patterns

pytestmark = pytest.mark.django_db

MARKER = "ZQX-BLIND-7731"
BLIND_MONTH = dt.date(2026, 9, 1)
PLAIN_MONTH = dt.date(2026, 10, 1)
WALKERS = ("moderator_a", "moderator_b", "team_manager_moderator")


class BlindWorld:
    pass


def _build() -> BlindWorld:
    w = BlindWorld()
    area = ServiceAreaFactory(name="Walk: children in need")
    team = TeamFactory(service_area=area, name="Walk team")
    other_team = TeamFactory(service_area=area, name="Walk team two")
    w.qa_lead = UserFactory(username="walk_lead", team=None, roles=["qa_lead"])
    w.auditor = UserFactory(username="walk_auditor", team=team, roles=["auditor"])
    w.users = {
        "moderator_a": UserFactory(username="walk_mod_a", team=None, roles=["moderator"]),
        "moderator_b": UserFactory(username="walk_mod_b", team=None, roles=["moderator"]),
        "team_manager_moderator": UserFactory(
            username="walk_dual", team=team, roles=["auditor", "moderator"]
        ),
    }
    tool = AuditTool.objects.get(code="case-file", version=1)
    assert tool.offers_outstanding
    w.blind_programme = ProgrammeFactory(month=BLIND_MONTH, tool=tool, blind_moderation=True)
    w.programme = ProgrammeFactory(month=PLAIN_MONTH, tool=tool, blind_moderation=False)

    # The blind audit: Outstanding everywhere, the marker in every free text.
    first = AuditFactory(
        auditor=w.auditor,
        case__team=team,
        case__reference="LCS-WALK-1",
        programme=w.blind_programme,
        month=BLIND_MONTH,
    )
    content = complete_content(first.tool, grade="O", overall="O")
    content.grades = {code: ("O", f"{MARKER} evidence {code}") for code in content.grades}
    content.working_well = f"{MARKER} working well"
    content.worried_about = f"{MARKER} worried about"
    content.needs_to_happen = f"{MARKER} needs to happen"
    first = audit_flows.audit_submit(
        audit=first, actor=w.auditor, version=first.version, content=content
    )
    moderator_a = w.users["moderator_a"]
    # Drawn by the rules: "every Outstanding or Good judgement" is the reason stored.
    sampling.sample_draw(
        actor=w.qa_lead,
        programme=w.blind_programme,
        rules=sampling.SampleRules(target=1),
        seed=3,
    )
    returned = first.moderations.get()
    assert "judged it Outstanding" in returned.selection_note
    returned = moderation_claim(actor=moderator_a, moderation=returned)
    returned = moderation_flows.moderation_return_for_rework(
        actor=moderator_a, moderation=returned, version=returned.version, comment="Dates, please."
    )
    second = Audit.objects.get(revision_of=first)
    second = audit_flows.audit_submit(audit=second, actor=w.auditor, version=second.version)
    live = second.moderations.get(status="sampled")
    live = moderation_claim(actor=moderator_a, moderation=live)
    assert live.blind and live.auditor_grades_hidden()
    blind_action = action_create(
        audit=second,
        actor=w.auditor,
        description=f"{MARKER} action",
        owner="Social worker",
        due_date=dt.date(2026, 12, 1),
    )

    # The plain month: a colleague's Good audit moderated to Inadequate, escalated.
    plain = submitted_audit(auditor=w.auditor, case__team=other_team, programme=w.programme)
    done = moderation_claim(
        actor=w.users["moderator_b"], moderation=sampled_moderation(plain, w.qa_lead)
    )
    done = moderation_flows.moderation_complete(
        actor=w.users["moderator_b"],
        moderation=done,
        version=done.version,
        content=moderation_content(
            plain.tool, grade="I", overall="I", escalated=True, escalation_reason="Drift."
        ),
    )
    plain_action = action_create(
        audit=plain,
        actor=w.auditor,
        description="Plain action",
        owner="Social worker",
        due_date=dt.date(2026, 12, 1),
    )
    snapshot = report_services.snapshot_request(month=BLIND_MONTH, actor=w.qa_lead)
    assert report_services.snapshot_publish(snapshot_id=snapshot.pk)

    w.objects = {
        "audit": [first, second, plain],
        "moderation": [returned, live, done],
        "escalation": [plain.escalations.get()],
        "action": [blind_action, plain_action],
        "programme": [w.blind_programme, w.programme],
        "tool": [tool],
        "domain": list(tool.domains.all()[:1]),
        "snapshot": [snapshot],
        "case": [first.case, plain.case],
        "person": [w.auditor],
        "area": [area],
        "team": [team],
        "job": [],  # a background import's page is the QA lead's alone
    }
    w.hidden_audits = (first.pk, second.pk)
    return w


@pytest.fixture(scope="module")
def blind_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build()
        transaction.set_rollback(True)


# ------------------------------------------------------------------ the routes


def _kind_of(name: str, kwarg: str) -> str:
    if kwarg == "programme_id":
        return "programme"
    if kwarg in ("person_id", "area_id", "team_id", "job_id", "tool_id", "domain_id"):
        return kwarg.removesuffix("_id")
    if kwarg in ("audit_id", "action_id"):
        return kwarg.removesuffix("_id")
    if kwarg == "reference":
        return "case"
    if name.startswith("reports:"):
        return "snapshot"
    if name == "moderation:escalation":
        return "escalation"
    if name.startswith("moderation:"):
        return "moderation"
    raise AssertionError(f"{name}: which object is {kwarg}?")


def _is_report(route: str) -> bool:
    return route.startswith(("reports:", "reports_", "/reports", "/api/reports"))


PAGE_QUERIES = {
    "audit_list": [
        {},
        {"overall": "O"},
        {"month": "2026-09"},
        {"sampled": "yes"},
        {"current": "no"},
    ],
    "moderation:queue": [{}, {"programme": "{programme}"}],
    "action_list": [{}, {"month": "2026-09"}],
    "case_search": [{}, {"q": "LCS-WALK"}, {"q": "lcs-walk-1"}],
    "action_list_csv": [{}],
    "reports:monthly": [{"month": "2026-09"}, {"month": "2026-09", "team": "{team}"}],
    "reports:download_xlsx": [{"month": "2026-09"}],
    "reports:download_csv": [{"month": "2026-09"}],
}


def page_routes(w: BlindWorld) -> list[tuple[str, str, dict]]:
    """(name for the report, url, query) for every GET of every page pattern."""
    routes = []
    for name, kwargs in sorted(page_patterns().items()):
        if name.startswith(("logout", "unnamed")):
            continue
        fillings: list[dict] = [{}]
        if name == "set_password":  # an invitation link: a made-up one shows nothing
            fillings = [{"uidb64": "made", "token": "up"}]
            kwargs = ()
        for kwarg in kwargs:
            kind = _kind_of(name, kwarg)
            fillings = [
                {**f, kwarg: obj.reference if kind == "case" else obj.pk}
                for f in fillings
                for obj in w.objects[kind]
            ]
        for filling in fillings:
            url = reverse(name, kwargs=filling)
            for query in PAGE_QUERIES.get(name, [{}]):
                routes.append((name, url, query))
    return routes


API_QUERIES = {
    "audits_list": [
        {"page_size": 200},
        {"overall": "O"},
        {"month": "2026-09"},
        {"moderated": "yes"},
        {"sampled": "yes"},
    ],
    "moderations_list": [{"page_size": 200}, {"selection": "rule_good"}],
    "reports_monthly": [{"month": "2026-09"}, {"month": "2026-09", "team": "{team}"}],
    "reports_trends": [{}, {"month_to": "2026-09"}],
    "reports_reaudits": [{}],
    "reports_calibration": [{}],
}


def _api_kind(operation: str) -> str:
    for prefix, kind in (
        ("audits_", "audit"),
        ("moderations_", "moderation"),
        ("escalations_", "escalation"),
        ("actions_", "action"),
        ("programmes_", "programme"),
        ("tools_", "tool"),
        ("reports_snapshots_", "snapshot"),
        ("cases_", "case"),
        ("history_import_", "job"),
    ):
        if operation.startswith(prefix):
            return kind
    raise AssertionError(f"{operation}: which object does its path name?")


def api_routes(w: BlindWorld) -> list[tuple[str, str, dict]]:
    routes = []
    for operation, (method, path) in sorted(schema_operations().items()):
        if method != "get":
            continue
        paths = [path]
        if "{id}" in path:
            paths = [path.replace("{id}", str(o.pk)) for o in w.objects[_api_kind(operation)]]
        default = [{"page_size": 200}] if operation.endswith("_list") else [{}]
        for filled in paths:
            for query in API_QUERIES.get(operation, default):
                routes.append((operation, filled, query))
    return routes


# ------------------------------------------------------------------ what a leak looks like

HTML_GRADE = re.compile(r"<(td|dd|strong|p|li|span)\b[^>]*>\s*Outstanding\b")
# The "Widened" note as the draw writes it ("2 of this auditor's last 3 moderated audits were
# downgraded"), not the schema's description of the rule, which names no one's audits.
JUDGEMENT_WORDS = ("judged it", "escalated this case", "of this auditor's last")


# The scale every tool offers (value "O", label "Outstanding") is not anyone's grade.
JSON_SCALES = ("grade_scale",)


def _json_leaks(value, path="") -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}"
            if key in JSON_SCALES:
                continue
            if item == "O":
                found.append(f'{here} == "O"')
            if str(key).lower() in ("o", "outstanding") and _nonzero(item):
                found.append(f"{here} counts Outstanding: {item!r}")
            found += _json_leaks(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _json_leaks(item, f"{path}[{i}]")
    return found


def _nonzero(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, dict):
        return any(_nonzero(v) for k, v in value.items() if k in ("n", "count", "number"))
    return False


NUMBER = re.compile(r"[\d.,%()\s–-]+")


def _counts(text: str) -> bool:
    """A cell holding a non-zero count or percentage."""
    text = text.strip()
    return bool(text) and bool(NUMBER.fullmatch(text)) and bool(re.search(r"[1-9]", text))


def _is_outstanding(text: str) -> bool:
    return text.strip() in ("O", "Outstanding")


def _table_leaks(rows: list[list[str]]) -> list[str]:
    """A table of counts with Outstanding as a column or a row: no non-zero count in it.
    (The labels themselves are on every report, whatever it counts.)"""
    found = []
    columns: set[int] = set()
    for r, row in enumerate(rows):
        labelled = any(_is_outstanding(cell) for cell in row[:1])
        for c, cell in enumerate(row):
            if _is_outstanding(cell):
                columns.add(c)
            elif (labelled or c in columns) and _counts(cell):
                found.append(f"row {r} cell {c} counts Outstanding: {cell.strip()!r}")
    return found


class _HtmlTables(HTMLParser):
    """The tables of an HTML page as rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _html_tables(text: str) -> list[list[list[str]]]:
    parser = _HtmlTables()
    parser.feed(text)
    return parser.tables


def _xlsx_tables(data: bytes) -> list[list[list[str]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return [
        [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    ]


def body_leaks(response, *, report: bool = False) -> list[str]:
    """Every sign of the hidden audit in one response body (and its archive members)."""
    data = (
        response.content
        if not getattr(response, "streaming", False)
        else b"".join(response.streaming_content)
    )
    kind = response.get("Content-Type", "")
    texts: list[str] = []
    tables: list[list[list[str]]] = []
    if data[:2] == b"PK":  # XLSX, or a zip of CSV files: search every member
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                texts.append(archive.read(member).decode("utf-8", "replace"))
                if member.endswith(".csv"):
                    tables.append(list(csv.reader(io.StringIO(texts[-1]))))
        if "spreadsheet" in kind or data.find(b"xl/") > 0:
            tables += _xlsx_tables(data)
    else:
        texts.append(data.decode("utf-8", "replace"))
    found = []
    for text in texts:
        if MARKER in text:
            found.append("the evidence marker")
        found += [f"selection reason {w!r}" for w in JUDGEMENT_WORDS if w in text]
    if "json" in kind:
        found += _json_leaks(json.loads(data or b"null"))
    elif "html" in kind and report:
        # A report labels its rows and columns Outstanding whatever it counts: the counts.
        tables += _html_tables(texts[0])
    elif "html" in kind:
        found += [
            f"rendered grade <{m.group(1)}>Outstanding" for m in HTML_GRADE.finditer(texts[0])
        ]
    elif "csv" in kind:
        tables.append(list(csv.reader(io.StringIO(texts[0]))))
    for table in tables:
        found += _table_leaks(table)
    return found


def _fill(query: dict, w: BlindWorld) -> dict:
    team = w.auditor.team_id
    return {
        k: str(v).replace("{team}", str(team)).replace("{programme}", str(w.blind_programme.pk))
        for k, v in query.items()
    }


def walk(w: BlindWorld, walker: str, *, reports: bool) -> dict[str, list[str]]:
    client = APIClient()
    client.force_login(w.users[walker])
    leaks: dict[str, list[str]] = {}
    routes = page_routes(w) + api_routes(w)
    walked = 0
    for name, url, query in routes:
        if _is_report(name) != reports:
            continue
        walked += 1
        with transaction.atomic():
            response = client.get(url, _fill(query, w))
            if 300 <= response.status_code < 400 or response.status_code >= 500:
                found = [] if response.status_code < 500 else ["answered 500"]
            else:
                found = body_leaks(response, report=reports)
            transaction.set_rollback(True)
        if found:
            leaks[f"{name} {url}?{query}"] = sorted(set(found))
    assert walked > (5 if reports else 40), "the walk found too few routes to mean anything"
    return leaks


# ------------------------------------------------------------------ the tests


def test_the_world_is_one_a_leak_would_show_in(blind_world):
    """The check is meaningful: the QA lead, who is no moderator, does read the grades, the
    marker and the Outstanding label through the same routes."""
    client = APIClient()
    client.force_login(blind_world.qa_lead)
    second = blind_world.objects["audit"][1]
    response = client.get(f"/api/audits/{second.pk}/")
    assert response.status_code == 200
    assert any('== "O"' in leak for leak in body_leaks(response))
    assert "the evidence marker" in body_leaks(response)
    page = client.get(f"/audits/{second.pk}/")
    assert any("Outstanding" in leak for leak in body_leaks(page))
    assert Audit.objects.filter(overall="O").count() == 2  # revisions 1 and 2, nothing else


@pytest.mark.parametrize("walker", WALKERS)
def test_no_page_or_api_read_tells_a_moderator_the_hidden_grades(blind_world, walker):
    leaks = walk(blind_world, walker, reports=False)
    assert not leaks, "\n".join(f"{route}: {found}" for route, found in leaks.items())


@pytest.mark.parametrize("walker", WALKERS)
def test_no_report_or_snapshot_tells_a_moderator_the_hidden_grades(blind_world, walker):
    leaks = walk(blind_world, walker, reports=True)
    assert not leaks, "\n".join(f"{route}: {found}" for route, found in leaks.items())
