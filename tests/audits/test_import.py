import datetime as dt
import io
import time

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Audit, Case, DomainGrade, Programme, ServiceArea, Team, User
from flows.importer import ImportFailed, audits_import, read_table
from moderation.models import Moderation
from tests.audits.import_rows import (
    CASE_FILE_DOMAINS,
    FOSTER_CARER_DOMAINS,
    audit_row,
    many_rows,
    moderated,
    to_csv,
    to_xlsx,
)
from tests.factories import CaseFactory, ProgrammeFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    """Rows in every table, history and auth included: the proof that nothing was written."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.db_table in tables
    }


def run(rows, *, actor=None, dry_run=False):
    return audits_import(rows=rows, actor=actor, dry_run=dry_run)


def failure_of(rows) -> list[tuple[int, str]]:
    with pytest.raises(ImportFailed) as caught:
        run(rows)
    return [(e.row, e.column) for e in caught.value.errors]


def from_file(content: bytes, name: str):
    return read_table(io.BytesIO(content), name)


# The happy path --------------------------------------------------------------------------


def test_csv_import_creates_a_submitted_audit_with_its_grades_and_history(qa_lead):
    rows = from_file(to_csv([audit_row(review="NA", overall="RI", plan="RI")]), "audits.csv")
    result = run(rows, actor=qa_lead)

    audit = Audit.objects.get()
    assert (audit.status, audit.source, audit.kind) == ("submitted", "import", "full")
    assert audit.month == dt.date(2025, 3, 1)
    assert audit.overall == "RI" and not audit.escalated
    assert audit.submitted_at.date() == dt.date(2025, 3, 20)
    assert audit.programme.month == dt.date(2025, 3, 1)
    assert audit.programme.tool == audit.tool and audit.tool.code == "case-file"
    assert (audit.programme.audit_target, audit.programme.moderation_target) == (0, 0)
    grades = dict(audit.grades.values_list("domain__code", "grade"))
    assert grades["review"] == "NA" and grades["plan"] == "RI" and grades["voice"] == "G"
    assert set(audit.grades.values_list("evidence", flat=True)) == {""}
    assert audit.history.get().history_user == qa_lead
    assert DomainGrade.history.filter(history_user=qa_lead).count() == len(CASE_FILE_DOMAINS)
    assert audit.imported_moderation is None
    assert (result.audits, result.cases, result.skipped) == (1, 1, 0)
    assert result.service_areas == ["Children in need"]
    assert result.people == ["auditor"]


def test_unknown_people_become_inactive_accounts_with_their_role(db):
    rows = [
        audit_row(auditor="Jo.Bloggs@Example.gov.uk"),
        moderated(audit_row(case_reference="LCS-2", auditor="jo.bloggs"), moderator="sam.qa"),
    ]
    result = run(rows)

    assert sorted(result.people) == ["jo.bloggs", "jo.bloggs2", "sam.qa"]
    from_mail = User.objects.get(email="Jo.Bloggs@Example.gov.uk")
    assert from_mail.username == "jo.bloggs2"  # the plain username keeps its own name
    for user in User.objects.all():
        assert not user.is_active and not user.has_usable_password()
    assert from_mail.is_auditor and from_mail.team.name == "CIN team 1"
    moderator = User.objects.get(username="sam.qa")
    assert moderator.is_moderator and not moderator.is_auditor and moderator.team is None


def test_existing_people_cases_and_programmes_are_used_as_they_are(auditor, team):
    case = CaseFactory(reference="LCS-9", team=team)
    programme = ProgrammeFactory(month=dt.date(2025, 3, 1), audit_target=40)
    result = run([audit_row(case_reference="lcs-9", auditor=auditor.email.upper())])

    audit = Audit.objects.get()
    assert (audit.case, audit.auditor, audit.programme) == (case, auditor, programme)
    assert result.cases == 0 and result.people == [] and result.programmes == []
    assert result.service_areas == [] and result.teams == []
    programme.refresh_from_db()
    assert programme.audit_target == 40


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("O", "O"),
        ("outstanding", "O"),
        ("GOOD", "G"),
        ("g", "G"),
        ("Requires Improvement", "RI"),
        ("requires improvement to be good", "RI"),
        ("ri", "RI"),
        ("INADEQUATE", "I"),
        ("i", "I"),
    ],
)
def test_grades_as_codes_or_words_in_any_case(written, stored):
    run([audit_row(overall=written, plan=written, review="n/a", voice=written.upper())])
    audit = Audit.objects.get()
    grades = dict(audit.grades.values_list("domain__code", "grade"))
    assert (audit.overall, grades["plan"], grades["voice"], grades["review"]) == (
        stored,
        stored,
        stored,
        "NA",
    )


def test_headers_match_whatever_their_case_and_spaces(db):
    row = {f"  {key.upper()} ": value for key, value in audit_row().items()}
    content = to_csv([row], bom=True)
    run(from_file(content, "AUDITS.CSV"))
    assert Audit.objects.count() == 1


def test_xlsx_with_dates_and_numbers_in_cells(db):
    row = audit_row(
        case_reference=2041873,
        month=dt.datetime(2025, 3, 1),  # noqa: DTZ001 - a spreadsheet cell, not a moment
        submitted_on=dt.date(2025, 3, 20),
        escalated="yes",
        overall="Inadequate",
    )
    rows = from_file(to_xlsx([row, {}]), "audits.xlsx")
    assert rows[0]["month"] == "2025-03" and rows[0]["case_reference"] == "2041873"
    run(rows)
    audit = Audit.objects.get()
    assert audit.case.reference == "2041873"
    assert audit.month == dt.date(2025, 3, 1)
    assert audit.escalated and audit.overall == "I"
    assert audit.submitted_at.date() == dt.date(2025, 3, 20)


def test_without_submitted_on_the_audit_counts_as_submitted_on_the_months_last_day(db):
    run([audit_row(submitted_on="", month="2024-02")])
    submitted = Audit.objects.get().submitted_at
    assert submitted.tzinfo is not None
    assert submitted.date() == dt.date(2024, 2, 29)


def test_foster_carer_rows_in_the_same_file_use_their_own_domains(db):
    foster = {
        **{k: v for k, v in audit_row().items() if k not in CASE_FILE_DOMAINS},
        "tool": "foster-carer",
        "case_reference": "FC-1",
        "service_area": "Fostering",
        "team": "Supervising social work team 1",
        "case_type": "Fostering household",
        **dict.fromkeys(FOSTER_CARER_DOMAINS, "RI"),
    }
    run([audit_row(case_type="cin"), foster])
    audit = Audit.objects.get(tool__code="foster-carer")
    assert audit.grades.count() == len(FOSTER_CARER_DOMAINS)
    assert audit.case.case_type == Case.CaseType.FOSTERING_HOUSEHOLD
    assert Case.objects.get(reference="LCS-2000001").case_type == Case.CaseType.CHILD_IN_NEED
    assert Programme.objects.count() == 2


def test_moderation_columns_become_a_moderation_and_are_kept_on_the_audit(db):
    row = moderated(audit_row(overall="G"), overall="Inadequate", grade="ri")
    row |= {"moderated_escalated": "Yes", "moderated_plan": "inadequate"}
    run([row])
    moderation = Moderation.objects.get()
    assert (moderation.status, moderation.overall, moderation.escalated) == ("completed", "I", True)
    assert moderation.grades.get(domain__code="plan").grade == "I"
    assert Audit.objects.get().imported_moderation == {
        "moderator": "moderator",
        "moderated_on": "2025-04-02",
        "overall": "I",
        "escalated": True,
        "grades": {code: "I" if code == "plan" else "RI" for code in CASE_FILE_DOMAINS},
    }
    assert User.objects.get(username="moderator").is_moderator


def test_unmoderated_rows_may_leave_moderation_columns_blank_or_no(db):
    row = moderated(audit_row())
    row = {key: "" if key.startswith("moderat") else value for key, value in row.items()}
    row["moderated_escalated"] = "no"
    run([row])
    assert Audit.objects.get().imported_moderation is None
    assert not Moderation.objects.exists()


# All or nothing --------------------------------------------------------------------------


def test_a_thousand_rows_with_one_bad_row_write_nothing_then_the_corrected_file_imports(
    qa_lead, capsys
):
    rows = many_rows(1000)
    good_value = rows[736]["plan"]
    rows[736]["plan"] = "Good-ish"
    before = table_counts()

    with pytest.raises(ImportFailed) as caught:
        run(from_file(to_csv(rows), "history.csv"), actor=qa_lead)

    assert [(e.row, e.column) for e in caught.value.errors] == [(738, "plan")]
    assert "Good-ish" in caught.value.errors[0].reason
    assert table_counts() == before

    rows[736]["plan"] = good_value
    content = to_csv(rows)
    started = time.perf_counter()
    result = run(from_file(content, "history.csv"), actor=qa_lead)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n1,000-row import took {elapsed:.2f} s")

    assert result.audits == Audit.objects.count() == 1000
    assert DomainGrade.objects.count() == 800 * len(CASE_FILE_DOMAINS) + 200 * len(
        FOSTER_CARER_DOMAINS
    )
    assert Audit.history.count() == 1000
    assert Audit.objects.exclude(imported_moderation=None).count() == 500
    assert Moderation.objects.filter(status="completed", source="import").count() == 500
    assert Programme.objects.count() == 40  # 20 months x 2 tools


def test_queries_do_not_grow_with_the_rows(db):
    def queries_for(count: int, offset: int) -> int:
        rows = [
            audit_row(case_reference=f"LCS-{offset + i}", auditor=f"m{i}") for i in range(count)
        ]
        with CaptureQueriesContext(connection) as queries:
            run(rows)
        return len(queries)

    queries_for(1, 0)  # the programme, area and team exist from here on
    assert queries_for(4, 100) == queries_for(12, 200)


def test_importing_the_same_file_twice_creates_nothing_new(db):
    content = to_csv(many_rows(60))
    run(from_file(content, "a.csv"))
    before = table_counts()

    again = run(from_file(content, "a.csv"))

    assert table_counts() == before
    assert (again.audits, again.skipped, again.cases, again.people) == (0, 60, 0, [])
    assert again.moderations == 0 and Moderation.objects.count() == 30


def test_dry_run_writes_nothing_and_reports_exactly_what_a_real_run_creates(db):
    rows = many_rows(30)
    before = table_counts()

    dry = run(rows, dry_run=True)

    assert table_counts() == before
    assert dry.dry_run and dry.audits == 30
    assert "manager.front1" in dry.people and "qa.officer1" in dry.people
    assert "Front door" in dry.service_areas
    real = run(rows)
    assert dry.moderations == real.moderations == Moderation.objects.count() == 15
    assert (dry.audits, dry.cases, dry.people, dry.teams, dry.programmes) == (
        real.audits,
        real.cases,
        real.people,
        real.teams,
        real.programmes,
    )


def test_missing_required_columns_are_reported_once_on_row_one(db):
    rows = [
        {k: v for k, v in audit_row(case_reference=f"LCS-{i}").items() if k not in ("team", "plan")}
        for i in range(5)
    ]
    with pytest.raises(ImportFailed) as caught:
        run(rows)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, "team")]

    rows = [{**row, "team": "CIN team 1"} for row in rows]
    assert failure_of(rows) == [(1, "plan")]


BAD_ROWS = [
    ("unknown tool", {"tool": "case-files"}, "tool"),
    ("bad month", {"month": "March"}, "month"),
    ("month not started", {"month": "2099-01"}, "month"),
    ("bad grade", {"plan": "Fine"}, "plan"),
    ("empty domain grade", {"voice": ""}, "voice"),
    ("NA not allowed", {"plan": "N/A"}, "plan"),
    ("NA overall", {"overall": "NA"}, "overall"),
    ("missing overall", {"overall": ""}, "overall"),
    ("missing case reference", {"case_reference": ""}, "case_reference"),
    ("missing auditor", {"auditor": "  "}, "auditor"),
    ("auditor is a name", {"auditor": "Jo Bloggs"}, "auditor"),
    ("escalated without Inadequate", {"escalated": "yes", "overall": "RI"}, "escalated"),
    ("escalated not yes or no", {"escalated": "maybe"}, "escalated"),
    ("bad date", {"submitted_on": "2025-02-30"}, "submitted_on"),
    ("future date", {"submitted_on": "2099-01-01"}, "submitted_on"),
    ("unknown case type", {"case_type": "adoption"}, "case_type"),
    ("formula in case reference", {"case_reference": "=HYPERLINK(1)"}, "case_reference"),
    ("formula in team", {"team": "+CIN team 1"}, "team"),
    ("formula in service area", {"service_area": "-1+2"}, "service_area"),
    ("formula in auditor", {"auditor": "@SUM(A1)"}, "auditor"),
    ("domain of another tool", {"approval": "G"}, "approval"),
]


@pytest.mark.parametrize(
    ("change", "column"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS]
)
def test_a_bad_value_names_its_row_and_column_and_writes_nothing(change, column):
    before = table_counts()
    rows = [audit_row(case_reference="LCS-1"), audit_row(**({"case_reference": "LCS-2"} | change))]
    assert failure_of(rows) == [(3, column)]
    assert table_counts() == before


def test_outstanding_is_refused_where_the_tool_does_not_offer_it(db):
    foster = {
        **{k: v for k, v in audit_row().items() if k not in CASE_FILE_DOMAINS},
        "tool": "foster-carer",
        "overall": "Outstanding",
        **dict.fromkeys(FOSTER_CARER_DOMAINS, "G"),
        "training": "O",
    }
    assert failure_of([foster]) == [(2, "overall"), (2, "training")]


def test_every_problem_of_every_row_is_listed(db):
    rows = [
        audit_row(case_reference="LCS-1", plan="x"),
        audit_row(case_reference="LCS-2"),
        audit_row(case_reference="LCS-3", month="13/2025", voice=""),
    ]
    assert failure_of(rows) == [(2, "plan"), (4, "month"), (4, "voice")]


def test_blank_rows_are_skipped_but_keep_the_row_numbers(db):
    rows = from_file(
        to_csv(
            [audit_row(case_reference="LCS-1"), {}, audit_row(case_reference="LCS-2", plan="?")]
        ),
        "a.csv",
    )
    assert failure_of(rows) == [(4, "plan")]


def test_the_same_audit_twice_in_the_file_is_refused(db):
    rows = [audit_row(), audit_row(case_reference="lcs-2000001")]
    with pytest.raises(ImportFailed) as caught:
        run(rows)
    error = caught.value.errors[0]
    assert (error.row, error.column) == (3, "case_reference") and "Row 2" in error.reason


def test_a_case_belongs_to_one_team_in_the_database_and_in_the_file(db):
    CaseFactory(reference="LCS-7", team=TeamFactory(name="CIN team 1"))  # another area's team
    rows = [
        audit_row(case_reference="LCS-7"),
        audit_row(case_reference="LCS-8", month="2025-01"),
        audit_row(case_reference="LCS-8", team="CIN team 2"),
    ]
    assert failure_of(rows) == [(2, "team"), (4, "team")]


def test_moderated_rows_need_a_moderator_and_a_moderated_overall(db):
    row = moderated(audit_row()) | {"moderator": "", "moderated_overall": ""}
    assert failure_of([row]) == [(2, "moderator"), (2, "moderated_overall")]


def test_moderation_grades_are_checked_like_the_auditors(db):
    row = moderated(audit_row()) | {
        "moderated_plan": "NA",
        "moderated_voice": "",
        "moderated_on": "yesterday",
        "moderated_escalated": "yes",
    }
    assert sorted(failure_of([row])) == [
        (2, "moderated_escalated"),
        (2, "moderated_on"),
        (2, "moderated_plan"),
        (2, "moderated_voice"),
    ]


def test_a_moderator_never_moderates_their_own_audit(auditor):
    row = moderated(audit_row(auditor="auditor"), moderator=auditor.email)
    assert failure_of([row]) == [(2, "moderator")]


# Files that are not what they claim ------------------------------------------------------


def test_non_utf8_csv_gets_a_clear_error():
    content = to_csv([audit_row(team="Équipe 1")]).decode().encode("cp1252")
    with pytest.raises(ImportFailed) as caught:
        from_file(content, "audits.csv")
    assert "not UTF-8" in caught.value.message and "CSV UTF-8" in caught.value.message


def test_binary_junk_named_xlsx_gets_a_clear_error():
    with pytest.raises(ImportFailed) as caught:
        from_file(b"\x00\x01PK\x03\x04 not really a workbook" * 20, "audits.xlsx")
    assert "Excel workbook" in caught.value.message


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"", "a.csv", "empty"),
        (b"a;b;c\n1;2;3\n", "a.csv", "semicolons"),
        (b"whatever", "a.xls", ".xls"),
        (b"whatever", "a.txt", "CSV"),
        (b"case_reference,team,Team\n", "a.csv", "same header"),
    ],
)
def test_other_unreadable_files(content, name, words):
    with pytest.raises(ImportFailed) as caught:
        from_file(content, name)
    assert words in caught.value.message


def test_a_file_with_headers_only_is_refused(db):
    with pytest.raises(ImportFailed) as caught:
        run(from_file(to_csv([], columns=list(audit_row())), "a.csv"))
    assert "no audits" in caught.value.message


# The upload page -------------------------------------------------------------------------


def upload(client, content: bytes, name: str = "audits.csv", dry_run: bool = False):
    data = {"file": SimpleUploadedFile(name, content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("import_audits"), data)


def test_page_is_for_qa_leads_only(client, qa_lead, auditor):
    url = reverse("import_audits")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(auditor)
    assert client.get(url).status_code == 403
    assert upload(client, to_csv([audit_row()])).status_code == 403
    assert Audit.objects.count() == 0
    client.force_login(qa_lead)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert '<label class="govuk-label govuk-label--m" for="id_file">' in html
    assert '<legend class="govuk-fieldset__legend' in html
    assert "<title>Import audits" in html


def test_a_good_upload_imports_and_shows_what_was_created(client, qa_lead):
    client.force_login(qa_lead)
    response = upload(client, to_csv([audit_row(), audit_row(case_reference="LCS-2")]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "2 audits imported" in html
    assert "Children in need" in html and "auditor" in html
    assert Audit.objects.filter(auditor__username="auditor").count() == 2
    assert Audit.history.filter(history_user=qa_lead).count() == 2


def test_a_dry_run_upload_writes_nothing(client, qa_lead):
    client.force_login(qa_lead)
    before = table_counts()
    response = upload(client, to_xlsx([audit_row()]), "a.xlsx", dry_run=True)
    html = response.content.decode()
    assert "Nothing was written" in html and "What the import would create" in html
    assert table_counts() == before


def test_a_bad_upload_lists_every_problem_and_imports_nothing(client, qa_lead):
    client.force_login(qa_lead)
    rows = [audit_row(case_reference=f"LCS-{i}", plan="x", voice="y") for i in range(150)]
    response = upload(client, to_csv(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Import audits" in html
    assert "govuk-error-summary" in html and 'href="#id_file"' in html
    assert "The first 200 of 300 problems" in html
    assert html.count('<td class="govuk-table__cell govuk-table__cell--numeric">') == 200
    assert Audit.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\x00\xff\xfe junk" * 50, "audits.xlsx", "not an Excel workbook"),
        ("team\nÉquipe".encode("cp1252"), "audits.csv", "not UTF-8"),
        (b"anything", "audits.pdf", "must be a CSV or an XLSX file"),
    ],
)
def test_unreadable_uploads_show_an_error_not_a_crash(client, qa_lead, content, name, message):
    client.force_login(qa_lead)
    response = upload(client, content, name)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_no_file_chosen(client, qa_lead):
    client.force_login(qa_lead)
    response = client.post(reverse("import_audits"), {})
    assert "Select a CSV or XLSX file." in response.content.decode()


# The management command ------------------------------------------------------------------


def test_command_imports_and_prints_a_summary(tmp_path, qa_lead):
    path = tmp_path / "history.xlsx"
    path.write_bytes(to_xlsx(many_rows(20)))
    out = io.StringIO()
    call_command("import_audits", str(path), "--actor", "qa_lead", stdout=out)
    assert "20 audits were imported." in out.getvalue()
    assert Audit.history.filter(history_user=qa_lead).count() == 20


def test_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "history.csv"
    path.write_bytes(to_csv(many_rows(20)))
    out = io.StringIO()
    call_command("import_audits", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and "20 audits would be imported." in out.getvalue()
    assert Audit.objects.count() == 0 and ServiceArea.objects.count() == 0


def test_command_lists_every_problem_and_exits_with_status_1(tmp_path):
    rows = many_rows(20)
    rows[3]["overall"] = "Superb"
    rows[9]["month"] = "2025-13"
    path = tmp_path / "history.csv"
    path.write_bytes(to_csv(rows))
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_audits", str(path), stderr=err)
    assert caught.value.returncode == 1
    assert "Nothing was imported" in str(caught.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("row 5, column overall: 'Superb'")
    assert lines[1].startswith("row 11, column month: '2025-13'")
    assert Audit.objects.count() == 0 and Team.objects.count() == 0


def test_command_refuses_a_missing_file_or_actor(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_audits", str(tmp_path / "nope.csv"))
    path = tmp_path / "a.csv"
    path.write_bytes(to_csv([audit_row()]))
    with pytest.raises(CommandError, match="No user"):
        call_command("import_audits", str(path), "--actor", "nobody")


def test_other_users_are_untouched(auditor):
    UserFactory(username="manager.front1", team=None, roles=["viewer"])
    run(many_rows(10))
    user = User.objects.get(username="manager.front1")
    assert user.is_active and user.team is None and not user.is_auditor
