"""One table model, every format: each figure of each table is in the XLSX, the CSV, the
JSON and the HTML, so no format can lose one (issue 14 item 3; issue 12 snag 18 lost
"Escalations after moderation" from the spreadsheets' headline)."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db import transaction
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from openpyxl import load_workbook

from reporting import exports
from reporting.scope import ReportScope
from reporting.selectors import monthly_report
from reporting.tables.html import drill_href, whole_table
from reporting.tables.model import Kind
from reporting.tables.monthly import domain_matrices, report_tables
from tests.reporting.test_monthly import MARCH, Builder, build


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        b = Builder()
        build(b)
        yield b
        transaction.set_rollback(True)


@pytest.fixture
def report(data, db):
    return monthly_report(scope=ReportScope(month=MARCH))


class Cells(HTMLParser):
    """Each table's rows as the text of their cells (th and td), and every link."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self._cell, self._href = {}, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables[attrs.get("id") or len(self.tables)] = self._rows = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a":
            self._href, self._text = attrs["href"], []

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None

    def handle_data(self, text):
        if self._cell is not None:
            self._cell.append(text)
        if self._href is not None:
            self._text.append(text)


def flat_text(value) -> str:
    return "" if value is None else str(value)


def page_text(column, value) -> str:
    if column.kind is Kind.TEXT:
        return value or "–"
    if column.kind is Kind.PCT or value.n is None:
        return "–" if value.pct is None else f"{floatformat(value.pct, 1)}%"
    if column.kind is Kind.NUMBER:
        return floatformat(value.n, 3)
    return str(value.n) + ("" if value.pct is None else f" ({floatformat(value.pct, 1)}%)")


def test_every_figure_of_every_table_is_in_every_format(report):
    labels = exports.filter_labels(report["filters"])
    tables = report_tables(report, labels)
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, labels)))
    documents = {t["key"]: t for t in json.loads(exports.to_json(report, labels))["tables"]}
    figures = 0
    for table in tables:
        sheet = [[cell.value for cell in row] for row in book[table.title].iter_rows()]
        rows = list(csv.reader(io.StringIO(exports.table_csv(report, table.key, labels))))
        parsed = Cells()
        parsed.feed(
            render_to_string("reporting/includes/table.html", {"table": whole_table(table)})
        )
        html = parsed.tables[f"table-{table.key}"]
        assert sheet[0] == rows[0] == table.header
        assert html[0] == [c.heading for c in table.columns]
        assert len(sheet) == len(rows) == len(html) == len(table.rows) + 1
        for i, row in enumerate(table.rows, start=1):
            flat = 0
            for j, column in enumerate(table.columns):
                value = row.values[column.key]
                width = len(column.flat_headings)
                expected = (
                    [value]
                    if column.kind is Kind.TEXT
                    else [value.pct]
                    if column.kind is Kind.PCT
                    else [value.n, value.pct]
                    if column.kind is Kind.COUNT_PCT
                    else [value.n]
                )
                xlsx = [None if v == "" else v for v in expected]
                assert sheet[i][flat : flat + width] == xlsx, (table.key, i, column.key)
                assert rows[i][flat : flat + width] == [flat_text(v) for v in expected]
                assert html[i][j] == page_text(column, value), (table.key, i, column.key)
                stored = documents[table.key]["rows"][i - 1][column.key]
                if column.kind is Kind.TEXT:
                    assert stored == value
                else:
                    assert (stored["n"], stored["pct"]) == (value.n, value.pct)
                    figures += 1
                flat += width
    assert figures > 400


def test_every_link_on_the_monthly_page_is_a_figure_of_a_table(data, report, client):
    """The page lays out the same cells: each count it links is a cell's count and filter
    (the per-domain transition matrices are the page's own tables)."""
    client.force_login(data.qa_lead)
    response = client.get("/reports/monthly/", {"month": "2019-03"})
    parsed = Cells()
    parsed.feed(response.content.decode())
    cells = {
        (drill_href(cell.filter), str(cell.n))
        for table in [*response.context["tables"].values(), *domain_matrices(report)]
        for _row, _column, cell in table.cells()
        if cell.drillable
    }
    links = [(href, text) for href, text in parsed.links if href.startswith("/audits/?")]
    assert len(links) > 300
    assert {link for link in links if link not in cells} == set()


def test_the_headline_has_escalations_after_moderation_in_every_format(data, report, client):
    """Issue 12, snag 18: the page's headline had it, the XLSX and CSV headline had lost it.
    Both are now one table: the page's headline is its rows, the spreadsheets' too."""
    n = report["moderations"]["escalations_after"]
    headline = next(t for t in report_tables(report) if t.key == "headline")
    row = headline.row("escalations_after")
    assert row["measure"] == row.label == "Escalations after moderation"
    assert row["count"].n == n
    rows = list(csv.reader(io.StringIO(exports.table_csv(report, "headline"))))
    assert ["2019-03", "yes", "Escalations after moderation", "", str(n), ""] in rows
    book = load_workbook(io.BytesIO(exports.to_xlsx(report)))
    xlsx = [[c.value for c in r] for r in book["Headline"].iter_rows()]
    assert ["2019-03", "yes", "Escalations after moderation", None, n, None] in xlsx
    client.force_login(data.qa_lead)
    response = client.get("/reports/monthly/", {"month": "2019-03"})
    page = response.context["page"]["headline"]
    assert [r.header for r in page.rows] == [r.label for r in headline.rows]
    parsed = Cells()
    parsed.feed(response.content.decode())
    body = next(rows for rows in parsed.tables.values() if rows and rows[0][0] == "Figure")
    assert [
        "Escalations after moderation",
        str(n),
        str(report["previous_month"]["moderations"]["escalations_after"]),
    ] in body


def test_the_json_download_and_command_give_the_tables(data, report, client, capsys):
    client.force_login(data.qa_lead)
    response = client.get("/reports/monthly/download.json", {"month": "2019-03"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert 'filename="qa-report-2019-03.json"' in response["Content-Disposition"]
    document = json.loads(response.content)
    assert [t["key"] for t in document["tables"]] == list(exports.TABLE_NAMES)
    headline = {r["measure"]: r["count"] for r in document["tables"][1]["rows"]}
    assert headline["Audits returned"] == {
        "n": 51,
        "pct": 85.0,
        "filter": {"month": "2019-03", "status": "submitted"},
    }
    call_command("qa_report", "--month", "2019-03", "--format", "tables")
    assert json.loads(capsys.readouterr().out) == document
