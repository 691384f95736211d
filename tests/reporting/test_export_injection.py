"""Every spreadsheet export neutralises text a spreadsheet would run (issue 5, item 6).

Names come from users: a team, a service area or a domain title beginning with = + - @, a
tab or a carriage return (OWASP's list for CSV injection) must reach every XLSX and CSV as
literal text, prefixed with an apostrophe, and numbers (negative ones included) must stay
numbers. The data is imported (the importer refuses such names, so they are renamed after the
import, as a QA lead might in the admin) with moderations that disagree, so that the weighted
kappa is negative.

Export paths: reporting.exports (to_xlsx, table_csv, to_csv_zip), the report downloads
(/reports/monthly/download.xlsx and .csv, one table and the zip), `manage.py qa_report`
(xlsx and csv) and a published snapshot's stored XLSX (its download page). No export carries
case references or evidence text.
"""

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Domain, ServiceArea, Team
from flows.importer import audits_import
from reporting import exports, services
from reporting.models import ReportSnapshot
from reporting.scope import ReportScope
from reporting.selectors import monthly_report
from tests.audits.import_rows import audit_row, moderated

pytestmark = pytest.mark.django_db

MONTH = "2025-03"
MARCH = dt.date(2025, 3, 1)
FORMULAS = [
    '=HYPERLINK("http://evil.example/x","Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(params=FORMULAS, ids=["equals", "plus", "minus", "at", "tab", "return"])
def evil(request, qa_lead):
    """Two moderated audits whose team, service area and plan domain have formula names."""
    text = request.param
    rows = [
        moderated(audit_row(case_reference="LCS-1"), overall="I", grade="I"),
        moderated(
            audit_row(
                case_reference="LCS-2",
                overall="I",
                **{code: "I" for code in ("plan", "voice", "assessment")},
            ),
            overall="G",
            grade="G",
        ),
    ]
    audits_import(rows=rows, actor=qa_lead)
    team = Team.objects.get(name="CIN team 1")
    area = team.service_area
    Team.objects.filter(pk=team.pk).update(name=text)
    ServiceArea.objects.filter(pk=area.pk).update(name=text + " area")
    Domain.objects.filter(code="plan").update(title=text + " domain")
    return {"text": text, "team": team.pk, "area": area.pk}


NAMED = 8  # cells holding a hostile name in the whole report (see test_xlsx_export)


def scoped_report(evil):
    return monthly_report(
        scope=ReportScope(
            month=MARCH,
            service_area_ids=(evil["area"],),
            team_id=evil["team"],
        )
    )


def check_workbook(content: bytes, evil) -> int:
    """No formula cell, no text starting like a formula; the names as apostrophe-prefixed text.
    Returns how many cells held one of the names."""
    book = load_workbook(io.BytesIO(content))
    found = 0
    negatives = 0
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (sheet.title, cell.value)
                    # XML reads a carriage return back as a line feed; the apostrophe stays.
                    found += cell.value.startswith("'" + evil["text"].replace("\r", "\n"))
                elif isinstance(cell.value, int | float) and cell.value < 0:
                    negatives += 1
    book.close()
    assert negatives > 0, "the negative kappa should be a number cell"
    return found


def check_csv(text: str, evil) -> int:
    found = 0
    for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")):
        for value in row:
            if value.startswith(FORMULA_STARTS):
                # Only a number may start with "-", and it stays a plain number.
                assert value.startswith("-") and float(value) < 0, value
            found += value.startswith("'" + evil["text"])
    return found


def test_the_report_really_holds_a_negative_number(evil):
    report = scoped_report(evil)
    kappa = report["moderations"]["weighted_kappa"]
    assert isinstance(kappa, float) and kappa < 0
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, exports.filter_labels({}))))
    comparisons = [[c.value for c in row] for row in book["Comparisons by domain"].iter_rows()]
    overall = next(row for row in comparisons if row[1] == "overall")
    assert overall[10] == kappa and isinstance(overall[10], int | float)  # not text


def test_xlsx_export(evil):
    report = scoped_report(evil)
    labels = exports.filter_labels(report["filters"])
    assert labels["Team"] == evil["text"]
    content = exports.to_xlsx(report, labels)
    # The team and area in "About", the domain title in three domain tables, and in "By
    # service area and team" the area's row and the team's (area and team): NAMED cells.
    assert check_workbook(content, evil) == NAMED
    about = load_workbook(io.BytesIO(content))["About"]
    values = {row[0].value: row[1].value for row in about.iter_rows()}
    text = evil["text"].replace("\r", "\n")
    assert values["Team"] == "'" + text
    assert values["Service areas"] == "'" + text + " area"


def test_csv_exports_one_table_and_the_zip(evil):
    report = scoped_report(evil)
    labels = exports.filter_labels(report["filters"])
    found = sum(
        check_csv(exports.table_csv(report, name, labels), evil) for name in exports.TABLE_NAMES
    )
    assert found == NAMED
    about = list(csv.reader(io.StringIO(exports.table_csv(report, "about", labels), newline="")))
    assert ["Team", "'" + evil["text"]] in about
    archive = zipfile.ZipFile(io.BytesIO(exports.to_csv_zip(report, labels)))
    zipped = sum(check_csv(archive.read(n).decode("utf-8-sig"), evil) for n in archive.namelist())
    assert zipped == NAMED
    comparisons = list(csv.reader(io.StringIO(exports.table_csv(report, "comparisons"))))
    overall = next(row for row in comparisons if row[1] == "overall")
    assert float(overall[10]) < 0 and not overall[10].startswith("'")


def test_download_pages(evil, client, qa_lead):
    client.force_login(qa_lead)
    query = {"month": MONTH, "service_area": evil["area"], "team": evil["team"]}
    xlsx = client.get(reverse("reports:download_xlsx"), query)
    assert xlsx.status_code == 200
    assert check_workbook(xlsx.content, evil) == NAMED
    one = client.get(reverse("reports:download_csv"), query | {"table": "about"})
    assert one.status_code == 200 and check_csv(one.content.decode("utf-8-sig"), evil) == 2
    everything = client.get(reverse("reports:download_csv"), query)
    archive = zipfile.ZipFile(io.BytesIO(everything.content))
    zipped = sum(check_csv(archive.read(n).decode("utf-8-sig"), evil) for n in archive.namelist())
    assert zipped == NAMED


def test_qa_report_command(evil, tmp_path, capsys):
    filters = ["--month", MONTH, "--service-area", str(evil["area"]), "--team", str(evil["team"])]
    path = tmp_path / "report.xlsx"
    call_command("qa_report", *filters, "--format", "xlsx", "--output", str(path))
    assert check_workbook(path.read_bytes(), evil) == NAMED
    call_command("qa_report", *filters, "--format", "csv", "--table", "about")
    assert check_csv(capsys.readouterr().out, evil) == 2
    archive_path = tmp_path / "report.zip"
    call_command("qa_report", *filters, "--format", "csv", "--output", str(archive_path))
    archive = zipfile.ZipFile(archive_path)
    zipped = sum(check_csv(archive.read(n).decode("utf-8-sig"), evil) for n in archive.namelist())
    assert zipped == NAMED


def test_published_snapshot_xlsx(evil, client, qa_lead):
    """A snapshot is authority-wide: the domain title reaches its three domain tables, and the
    area's and team's names their three cells of "By service area and team"."""
    snapshot = services.snapshot_request(month=MARCH, actor=qa_lead)
    assert services.snapshot_publish(snapshot_id=snapshot.pk)
    snapshot = ReportSnapshot.objects.get(pk=snapshot.pk)
    assert check_workbook(snapshot.xlsx_bytes(), evil) == 6
    client.force_login(qa_lead)
    response = client.get(reverse("reports:snapshot_download", args=[snapshot.pk]))
    assert response.status_code == 200
    assert check_workbook(response.content, evil) == 6
