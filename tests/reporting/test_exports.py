"""The monthly report as XLSX and CSV: tables, numbers, formula neutralising, downloads."""

import csv
import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from reporting import exports
from reporting.scope import ReportScope
from reporting.selectors import monthly_report
from tests.factories import TeamFactory, UserFactory, submitted_audit
from tests.reporting.test_monthly import MARCH, Builder, build

SHEETS = [
    "About",
    "Headline",
    "Compliance",
    "Domains, all audits",
    "Domains, moderated audits",
    "Before and after",
    "Transitions",
    "Comparisons by domain",
    "By service area and team",
    "Previous month",
]
EVIL = '=HYPERLINK("http://example.com/x","Click")'


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The hand-counted March 2019 of test_monthly.py, rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        b = Builder()
        build(b)
        yield b
        transaction.set_rollback(True)


@pytest.fixture
def report(data, db):
    return monthly_report(scope=ReportScope(month=MARCH))


def rows_of(sheet) -> list[list]:
    """A sheet's cell values, row by row (an empty text cell reads back as None)."""
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(report):
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, exports.filter_labels({}))))
    assert book.sheetnames == SHEETS
    headline = book["Headline"]
    assert [c.value for c in headline[1]] == [
        "Month",
        "Programme",
        "Measure",
        "Grade",
        "Count",
        "%",
    ]
    rows = {(r[2], r[3] or ""): r for r in rows_of(headline)[1:]}
    assert rows[("Audits targeted", "")][4] == 60
    assert rows[("Audits returned", "")][4:] == [51, 85.0]
    assert rows[("Overall judgement before moderation", "Good")][4:] == [17, 33.3]
    assert rows[("Moderations completed", "")][4:] == [30, 115.4]
    assert rows[("Audits rated RI or better", "")][5] == 80.4
    assert headline["F3"].number_format == "0.0" and isinstance(headline["E3"].value, int)

    compliance = rows_of(book["Compliance"])
    # Both definitions, named: 51 of the target of 60, and of the 55 assigned.
    assert compliance[1] == ["2019-03", "yes", 60, 51, 85.0, 55, 92.7, 26, 30, 115.4]
    assert compliance[2] == ["2019-02", "yes", 10, 8, 80.0, 9, 88.9, 4, 3, 75.0]

    review = next(r for r in rows_of(book["Domains, all audits"]) if r[1] == "review")
    # audits, then O, G, RI, I, N/A as count and %
    assert review[3:] == [46, 4, 8.7, 11, 23.9, 4, 8.7, 9, 19.6, 18, 39.1]
    moderated = next(r for r in rows_of(book["Domains, moderated audits"]) if r[1] == "review")
    assert moderated[3] == 28
    assert moderated[4:14:2] == [3, 6, 4, 4, 11]  # auditor: O G RI I NA
    assert moderated[14::2] == [1, 9, 5, 6, 7]  # moderator

    transitions = rows_of(book["Transitions"])
    assert transitions[0][1:] == [
        "Moderator: Outstanding",
        "Moderator: Good",
        "Moderator: Requires improvement",
        "Moderator: Inadequate",
        "Total",
    ]
    assert transitions[2] == ["Good", 0, 7, 4, 0, 11]
    assert transitions[5] == ["Total", 1, 10, 12, 7, 30]

    before_after = rows_of(book["Before and after"])
    assert before_after[-1] == ["Escalations", 2, None, 2, None]
    overall = rows_of(book["Comparisons by domain"])[1]
    assert overall[1:] == [
        "overall",
        "Overall judgement",
        30,
        18,
        60.0,
        2,
        6.7,
        10,
        33.3,
        0.566,
        30,
    ]
    by_area = rows_of(book["By service area and team"])
    assert by_area[0][:6] == [
        "Level",
        "Service area",
        "Team",
        "Audits assigned",
        "Returned",
        "Returned % of assigned",
    ]
    # The whole authority first, by the areas' definition: 51 returned of 55 assigned.
    assert by_area[1][:6] == ["Authority", None, None, 55, 51, 92.7]
    area_a = next(r for r in by_area if r[:3] == ["Service area", "Report area A", None])
    # Area A (test_monthly): 33 assigned, 30 returned; O 2, G 10, RI 11, I 7; 17 moderated.
    assert area_a[3:14] == [33, 30, 90.9, 2, 6.7, 10, 33.3, 11, 36.7, 7, 23.3]
    assert area_a[15] == 17
    team_a1 = next(r for r in by_area if r[:3] == ["Team", "Report area A", "A1"])
    assert team_a1[3:5] == [19, 17]
    previous = {(r[2], r[3] or ""): r for r in rows_of(book["Previous month"])[1:]}
    assert previous[("Audits returned", "")][0] == "2019-02"
    assert previous[("Audits returned", "")][4:] == [8, 80.0]


def test_csv_per_table_and_a_zip_of_all(report):
    headline = list(csv.reader(io.StringIO(exports.table_csv(report, "headline"))))
    assert headline[0] == ["Month", "Programme", "Measure", "Grade", "Count", "%"]
    assert ["2019-03", "yes", "Audits returned", "", "51", "85.0"] in headline
    targeted = next(r for r in headline if r[2] == "Audits targeted")
    assert targeted[5] == ""  # no percentage: an empty cell, not "None"
    archive = zipfile.ZipFile(io.BytesIO(exports.to_csv_zip(report)))
    assert archive.namelist() == [f"{name}.csv" for name in exports.TABLE_NAMES]
    compliance = archive.read("compliance.csv").decode("utf-8-sig").splitlines()
    assert compliance[1] == "2019-03,yes,60,51,85.0,55,92.7,26,30,115.4"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Plan", "Plan"),
        (-2, -2),
        (85.0, 85.0),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def test_a_team_named_like_a_formula_is_never_a_formula(db, qa_lead, team):
    evil = TeamFactory(service_area=team.service_area, name=EVIL)
    submitted_audit(case__team=evil, month=MARCH)
    report = monthly_report(scope=ReportScope(month=MARCH, team_id=evil.pk))
    labels = exports.filter_labels(report["filters"])
    assert labels["Team"] == EVIL
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, labels)))
    about = {row[0].value: row[1] for row in book["About"].iter_rows()}
    assert about["Team"].value == "'" + EVIL
    assert about["Team"].data_type == "s"  # text, not a formula
    assert not any(
        cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row
    )
    rows = list(csv.reader(io.StringIO(exports.table_csv(report, "about", labels))))
    assert ["Team", "'" + EVIL] in rows


# ---------------------------------------------------------------- downloads


def test_download_xlsx_for_a_qa_lead(data, db, client, django_assert_max_num_queries):
    client.force_login(data.qa_lead)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("reports:download_xlsx"), {"month": "2019-03"})
    assert reverse("reports:download_xlsx") == "/reports/monthly/download.xlsx"
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="qa-report-2019-03.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book["Compliance"]["D2"].value == 51


def test_download_csv_one_table_or_all(data, db, client):
    client.force_login(data.qa_lead)
    url = reverse("reports:download_csv")
    assert url == "/reports/monthly/download.csv"
    one = client.get(url, {"month": "2019-03", "table": "compliance", "tool": "case-file"})
    assert one.status_code == 200 and one["Content-Type"].startswith("text/csv")
    lines = one.content.decode("utf-8-sig").splitlines()
    assert lines[1] == "2019-03,yes,54,46,85.2,49,93.9,24,28,116.7"
    everything = client.get(url, {"month": "2019-03"})
    assert everything["Content-Type"] == "application/zip"
    assert "transitions.csv" in zipfile.ZipFile(io.BytesIO(everything.content)).namelist()


def test_a_viewer_downloads_their_own_areas_only(data, db, client):
    viewer = UserFactory(username="export_viewer", team=None, roles=["viewer"])
    viewer.service_areas.add(data.area_a)
    client.force_login(viewer)
    response = client.get(reverse("reports:download_csv"), {"month": "2019-03", "table": "about"})
    assert response.status_code == 200
    assert "Service areas,Report area A" in response.content.decode("utf-8-sig")
    compliance = client.get(
        reverse("reports:download_csv"), {"month": "2019-03", "table": "compliance"}
    )
    assert compliance.content.decode("utf-8-sig").splitlines()[1].startswith("2019-03,yes,33,30,")
    other = client.get(
        reverse("reports:download_xlsx"), {"month": "2019-03", "service_area": data.area_b.pk}
    )
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("role", "in_a_team", "expected"),
    # A team manager downloads their own team's report; an auditor in no team has none.
    [("moderator", False, 200), ("auditor", True, 200), ("auditor", False, 403)],
)
def test_who_may_download(data, db, client, role, in_a_team, expected):
    team = {} if in_a_team else {"team": None}
    client.force_login(UserFactory(username=f"export_{role}_{in_a_team}", roles=[role], **team))
    for name in ("download_xlsx", "download_csv"):
        assert client.get(reverse(f"reports:{name}"), {"month": "2019-03"}).status_code == expected


def test_anonymous_download_goes_to_sign_in(db, client):
    response = client.get(reverse("reports:download_xlsx"), {"month": "2019-03"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2019-13"}, "YYYY-MM"),
        ({}, "This field is required"),
        ({"month": "2019-03", "team": "999999"}, "Select a valid choice"),
        ({"month": "2019-03", "table": "nope"}, "There is no table called"),
    ],
)
def test_bad_filters_get_a_400_page_with_an_error_summary(db, qa_lead, client, query, message):
    client.force_login(qa_lead)
    response = client.get(reverse("reports:download_csv"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html


# ---------------------------------------------------------------- command


def test_command_writes_xlsx_and_csv(data, db, tmp_path, capsys):
    xlsx = tmp_path / "report.xlsx"
    call_command("qa_report", "--month", "2019-03", "--format", "xlsx", "--output", str(xlsx))
    assert load_workbook(xlsx).sheetnames == SHEETS
    call_command("qa_report", "--month", "2019-03", "--format", "csv", "--table", "compliance")
    assert "2019-03,yes,60,51,85.0,55,92.7,26,30,115.4" in capsys.readouterr().out
    archive = tmp_path / "report.zip"
    call_command("qa_report", "--month", "2019-03", "--format", "csv", "--output", str(archive))
    assert len(zipfile.ZipFile(archive).namelist()) == len(exports.TABLE_NAMES)
    with pytest.raises(CommandError, match="--output"):
        call_command("qa_report", "--month", "2019-03", "--format", "xlsx")
    with pytest.raises(CommandError, match="--table"):
        call_command("qa_report", "--month", "2019-03", "--table", "headline")


def test_the_headline_export_has_every_figure_of_the_page_headline(report):
    """Issue 12, snag 18: the page's headline shows "Escalations after moderation"; the XLSX
    and CSV headline lost it. One row per figure of the page, in the page's order."""
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, exports.filter_labels({}))))
    rows = [(r[2], r[3] or "", r[4]) for r in rows_of(book["Headline"])[1:]]
    measures = [measure for measure, _grade, _n in rows]
    assert len(rows) == 16  # the page: 2 + 4 + 1 + 2 + 4 + 1 + 2
    after = measures.index("Escalations after moderation")
    assert measures[after - 1] == "Overall judgement after moderation"
    assert rows[after][2] == report["moderations"]["escalations_after"]
    headline = list(csv.reader(io.StringIO(exports.table_csv(report, "headline"))))
    assert [r[2] for r in headline[1:]] == measures


def test_a_filtered_download_is_named_after_its_filters(report):
    """Issue 12, snag 18: filtered and unfiltered downloads had the same file name, so a
    second download overwrote (or sat as "(1)" beside) the first."""
    whole = exports.file_stem(report)
    assert whole == "qa-report-2019-03"
    filtered = {**report, "filters": {**report["filters"], "service_areas": [3], "team": 7}}
    assert exports.file_stem(filtered) == "qa-report-2019-03-area-3-team-7"
    tool = {**report, "filters": {**report["filters"], "tool": "case-file"}}
    assert exports.file_stem(tool) == "qa-report-2019-03-case-file"
