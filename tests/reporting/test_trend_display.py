"""Issue 12 snag 19: trends' default range ends at the current month (no future months as
zeros); the current month is marked partial ("(to date)") in the tables and the charts (a
paler dashed bar, a hollow point on a dashed line); the line chart's labels never collide;
chart text is in the page's font, not the browser's serif."""

import datetime as dt
import re
from itertools import pairwise
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from core.months import format_month, months_before, range_words
from reporting import charts
from tests.factories import ProgrammeFactory, submitted_audit


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def test_the_default_range_ends_at_this_month_even_with_a_programme_opened_ahead(
    client, qa_lead, team, auditor
):
    this_month = _this_month()
    ProgrammeFactory(month=this_month, due_date=this_month + dt.timedelta(days=27))
    ahead = _next_month(_next_month(this_month))
    ProgrammeFactory(month=ahead, due_date=ahead + dt.timedelta(days=27))
    submitted_audit(auditor=auditor, case__team=team, month=this_month)
    client.force_login(qa_lead)
    response = client.get(reverse("reports:trends"))
    assert response.status_code == 200
    data = response.context["data"]
    assert data["month_to"] == format_month(this_month)
    assert data["month_from"] == format_month(months_before(this_month, 11))
    assert [m["month"] for m in data["months"]][-1] == format_month(this_month)
    assert format_month(ahead) not in response.content.decode()


def test_the_current_month_is_marked_to_date_in_tables_and_charts(client, qa_lead, team, auditor):
    this_month = _this_month()
    last_month = months_before(this_month, 1)
    for month in (last_month, this_month):
        ProgrammeFactory(month=month, due_date=month + dt.timedelta(days=27))
        submitted_audit(auditor=auditor, case__team=team, month=month)
    client.force_login(qa_lead)
    query = {"month_from": format_month(last_month), "month_to": format_month(this_month)}
    response = client.get(reverse("reports:trends"), query)
    html = response.content.decode()
    months = response.context["data"]["months"]
    assert [m["to_date"] for m in months] == [False, True]
    grades = response.context["tables"]["trend_grades"]
    assert [row["month"] for row in grades.rows] == [
        format_month(last_month),
        f"{format_month(this_month)} (to date)",
    ]
    bars, line = response.context["bar_chart"], response.context["line_chart"]
    assert "(to date)" in bars and "chart-seg--partial" in bars
    assert "chart-marker--partial" in line and "chart-line--partial" in line
    # Only the current month is drawn as partial: last month's bar is whole.
    assert bars.count("chart-axis--partial") == 1
    assert f"{format_month(this_month)} (to date)" in html
    api = client.get("/api/reports/trends/", query).json()
    assert [m["to_date"] for m in api["months"]] == [False, True]


def _texts(svg: str, css: str) -> list[tuple[float, float, str]]:
    pattern = rf'<text x="([\d.]+)" y="([\d.]+)" class="{css}"[^>]*>([^<]*)</text>'
    return [(float(x), float(y), text) for x, y, text in re.findall(pattern, svg)]


def test_line_chart_labels_never_collide():
    """Sep–Nov 2026 in the demo: the after-moderation line near 0 put its values on the month
    labels, and both lines' values on each other where they met."""
    labels = [format_month(dt.date(2025, 12, 1) + dt.timedelta(days=31 * i)) for i in range(12)]
    values = [{"before": 60.0, "after": 58.0 if i < 9 else 0.0} for i in range(12)]
    values[10] = {"before": 1.0, "after": 0.0}
    values[11] = {"before": 100.0, "after": 99.0}
    points = [
        charts.Point(label=label, values=v, partial=i == 11)
        for i, (label, v) in enumerate(zip(labels, values, strict=True))
    ]
    series = [
        charts.Series(key="before", label="Before moderation", css="kpi-before"),
        charts.Series(key="after", label="After moderation", css="kpi-after"),
    ]
    svg = charts.line_chart(chart_id="c", title="t", desc="d", points=points, series=series)
    values_drawn = _texts(svg, "chart-value")
    axis = _texts(svg, "chart-axis")
    assert len(values_drawn) == 24
    month_row = min(y for _, y, text in axis if not text.endswith("%"))
    for x in {x for x, _, _ in values_drawn}:
        ys = sorted(y for vx, y, _ in values_drawn if vx == x)
        assert all(b - a >= charts.LABEL_GAP for a, b in pairwise(ys)), (x, ys)
        assert ys[-1] < month_row - 10  # clear of the month names
        assert ys[0] > 22 + 8  # clear of the legend
    # The year is written once per year (the first month and January), not under every month.
    years = [text for _, _, text in axis if re.fullmatch(r"\d{4}", text)]
    assert years == ["2025", "2026"]


def test_chart_text_is_in_the_pages_font():
    svg = charts.line_chart(
        chart_id="c",
        title="t",
        desc="d",
        points=[charts.Point(label="2026-01", values={"k": 50.0})],
        series=[charts.Series(key="k", label="K", css="kpi-before")],
    )
    assert 'font-family="arial, sans-serif"' in svg
    css = (Path(__file__).resolve().parents[2] / "static/reporting/report.css").read_text()
    assert ".app-chart text { font-family: arial, sans-serif; }" in css
    assert "font-family: inherit" not in css


def test_a_range_heading_names_its_months_in_words():
    assert range_words("2024-12", "2026-11") == "December 2024 to November 2026"
    assert range_words("2019-04", "2019-04") == "April 2019"
    assert range_words("2019-04", "soon") == "2019-04 to soon"  # a bad month is shown as given
