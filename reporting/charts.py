"""Charts drawn on the server as SVG: no script, so they print and work without JavaScript.

Each chart is an <svg role="img"> named by its <title> and <desc> (aria-labelledby), and the
page puts the same figures in a data table right after it. Grades are told apart by colour,
by pattern and by a label on every segment tall enough to hold one, never by colour alone;
colours and patterns are CSS classes in static/reporting/report.css (no inline styles, so a
Content Security Policy can forbid them).

A month without a programme is a gap: no bar and no point, labelled "No programme". The
current month, still under way, is partial: its bar is paler with a dashed outline, its point
hollow at the end of a dashed line, and its label says "(to date)".

Text is in the page's font (arial, sans-serif: the SVG's font-family, and report.css), and
the month labels never collide: the year is written under the first month and each January
only, and a value label that would run into the axis or another value moves clear of it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Plot geometry in SVG units; the SVG scales to the width of its container.
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 40, 58
FONT = "arial, sans-serif"  # the page's font (frontend/app.scss $govuk-font-family)
LABEL_GAP = 13  # value labels closer than this (12px text) would overlap
STEP, BAR = 56, 36
PLOT_HEIGHT = 200


@dataclass(frozen=True)
class Series:
    key: str  # a grade code, or a KPI's key
    label: str
    css: str  # the class suffix: chart-fill--<css>, chart-line--<css>


@dataclass(frozen=True)
class Point:
    label: str  # "2019-03"
    values: dict[str, float | None] | None  # None: a gap (no programme)
    partial: bool = False  # the current month, still under way: figures to date


def month_label(month: str) -> tuple[str, str]:
    """'2019-03' -> ('Mar', '2019')."""
    year, number = month.split("-")
    return MONTH_NAMES[int(number) - 1], year


def _frame(width: int, height: int, chart_id: str, title: str, desc: str, body) -> SafeString:
    return format_html(
        '<svg class="app-chart" role="img" aria-labelledby="{0}-title {0}-desc" '
        'viewBox="0 0 {1} {2}" width="{1}" height="{2}" preserveAspectRatio="xMinYMin meet" '
        'font-family="{7}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>{5}{6}</svg>',
        chart_id,
        width,
        height,
        title,
        desc,
        _patterns(chart_id),
        body,
        FONT,
    )


# Patterns per grade: with the colours and labels, a grade can be told apart in greyscale
# print and by people who do not see the colours. Ids are per chart (several on a page).
_PATTERN_MARKS = {
    "o": "",
    "g": '<path d="M0 6L6 0" class="chart-hatch"/>',
    "ri": '<circle cx="3" cy="3" r="1.2" class="chart-dot"/>',
    "i": '<path d="M0 0L6 6M6 0L0 6" class="chart-hatch"/>',
}


def _patterns(chart_id: str) -> SafeString:
    return mark_safe(
        "<defs>"
        + "".join(
            format_html(
                '<pattern id="{}-p-{}" width="6" height="6" patternUnits="userSpaceOnUse">'
                '<rect width="6" height="6" class="chart-base--{}"/>{}</pattern>',
                chart_id,
                css,
                css,
                mark_safe(marks),
            )
            for css, marks in _PATTERN_MARKS.items()
        )
        + "</defs>"
    )


def _n(value: float) -> str:
    """A coordinate to one decimal place (format_html escapes its arguments to text first)."""
    return f"{value:.1f}"


def _x(index: int) -> int:
    return LEFT + index * STEP + (STEP - BAR) // 2


def _y(value: float) -> float:
    return TOP + PLOT_HEIGHT * (1 - value / 100)


def _axes(points: Sequence[Point], width: int) -> SafeString:
    grid = format_html_join(
        "",
        '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" class="chart-grid"/>'
        '<text x="{3}" y="{4}" class="chart-axis" text-anchor="end">{5}%</text>',
        ((LEFT, width - RIGHT, _y(v), LEFT - 6, _y(v) + 4, v) for v in (0, 25, 50, 75, 100)),
    )
    labels = []
    for i, point in enumerate(points):
        name, year = month_label(point.label)
        centre = _x(i) + BAR // 2
        labels.append(
            format_html(
                '<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>',
                centre,
                TOP + PLOT_HEIGHT + 16,
                name,
            )
        )
        if i == 0 or name == MONTH_NAMES[0]:
            # The year once, under the first month and each January: twelve "2026"s in a
            # row crowded the axis.
            labels.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>',
                    centre,
                    TOP + PLOT_HEIGHT + 30,
                    year,
                )
            )
        if point.partial:
            labels.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-axis chart-axis--partial" '
                    'text-anchor="middle">(to date)</text>',
                    centre,
                    TOP + PLOT_HEIGHT + 44,
                )
            )
        if point.values is None:
            labels.append(
                format_html(
                    '<text x="{0}" y="{1}" class="chart-gap" text-anchor="middle" '
                    'transform="rotate(-90 {0} {1})">No programme</text>',
                    centre,
                    TOP + PLOT_HEIGHT / 2,
                )
            )
    return grid + mark_safe("".join(labels))


def _legend(series: Sequence[Series], *, kind: str, chart_id: str) -> SafeString:
    items, x = [], LEFT
    for s in series:
        if kind == "bar":
            swatch = format_html(
                '<rect x="{}" y="10" width="14" height="14" class="chart-seg" '
                'fill="url(#{}-p-{})"/>',
                x,
                chart_id,
                s.css,
            )
        else:
            swatch = format_html(
                '<line x1="{0}" x2="{1}" y1="17" y2="17" class="chart-line chart-line--{2}"/>{3}',
                x,
                x + 18,
                s.css,
                _marker(s.css, x + 9, 17),
            )
        items.append(
            swatch
            + format_html('<text x="{}" y="22" class="chart-legend">{}</text>', x + 22, s.label)
        )
        x += 30 + 7 * len(s.label)
    return mark_safe("".join(items))


def _width(points: Sequence[Point], series: Sequence[Series]) -> int:
    legend = LEFT + sum(30 + 7 * len(s.label) for s in series) + RIGHT
    return max(LEFT + STEP * len(points) + RIGHT, legend)


def stacked_bars(
    *, chart_id: str, title: str, desc: str, points: Sequence[Point], series: Sequence[Series]
) -> SafeString:
    """100% stacked bars, one per month, segments in the order of `series` from the top.

    `values` are percentages of the month's total (they add up to 100, up to rounding).
    """
    width = _width(points, series)
    height = TOP + PLOT_HEIGHT + BOTTOM
    bars = []
    for i, point in enumerate(points):
        if point.values is None:
            continue
        top = 0.0
        for s in series:
            value = point.values.get(s.key) or 0
            if value <= 0:
                continue
            y = TOP + PLOT_HEIGHT * top / 100
            h = PLOT_HEIGHT * value / 100
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="chart-seg{}" '
                    'fill="url(#{}-p-{})"><title>{}{}: {} {}%</title></rect>',
                    _x(i),
                    _n(y),
                    BAR,
                    _n(h),
                    " chart-seg--partial" if point.partial else "",
                    chart_id,
                    s.css,
                    point.label,
                    " (to date)" if point.partial else "",
                    s.label,
                    value,
                )
            )
            if h >= 14:
                bars.append(
                    format_html(
                        '<text x="{}" y="{}" class="chart-label" text-anchor="middle">{}</text>',
                        _x(i) + BAR // 2,
                        _n(y + h / 2 + 4),
                        round(value),
                    )
                )
            top += value
    body = (
        _legend(series, kind="bar", chart_id=chart_id)
        + _axes(points, width)
        + mark_safe("".join(bars))
    )
    return _frame(width, height, chart_id, title, desc, body)


def _marker(css: str, x: float, y: float, partial: bool = False) -> SafeString:
    hollow = " chart-marker--partial" if partial else ""
    if css.endswith("after"):
        return format_html(
            '<rect x="{}" y="{}" width="8" height="8" class="chart-marker chart-marker--{}{}"/>',
            _n(x - 4),
            _n(y - 4),
            css,
            hollow,
        )
    return format_html(
        '<circle cx="{}" cy="{}" r="4.5" class="chart-marker chart-marker--{}{}"/>',
        _n(x),
        _n(y),
        css,
        hollow,
    )


def _value_labels(wanted: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """Value labels of one month (x, wanted y, text), moved apart to LABEL_GAP and kept
    between the legend and the month labels."""
    top, bottom = TOP + 10, TOP + PLOT_HEIGHT - 4
    placed: list[tuple[float, float, str]] = []
    for x, y, text in sorted(wanted, key=lambda label: label[1]):
        y = min(max(y, top), bottom)
        if placed and y - placed[-1][1] < LABEL_GAP:
            y = placed[-1][1] + LABEL_GAP
        placed.append((x, y, text))
    overflow = placed[-1][1] - bottom if placed else 0
    if overflow > 0:  # pushed past the axis: move the whole stack up
        placed = [(x, y - overflow, text) for x, y, text in placed]
    return placed


def line_chart(
    *, chart_id: str, title: str, desc: str, points: Sequence[Point], series: Sequence[Series]
) -> SafeString:
    """Percentages by month, one line per series; a gap month breaks the line."""
    width = _width(points, series)
    height = TOP + PLOT_HEIGHT + BOTTOM
    parts = []
    labels: dict[int, list[tuple[float, float, str]]] = {}
    for s in series:
        runs: list[list[tuple[float, float, bool]]] = [[]]
        for i, point in enumerate(points):
            value = None if point.values is None else point.values.get(s.key)
            if value is None:
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append((_x(i) + BAR / 2, _y(value), point.partial))
            offset = -9 if s.css.endswith("before") else 17
            labels.setdefault(i, []).append(
                (_x(i) + BAR / 2, _y(value) + offset, str(round(value)))
            )
        for run in runs:
            # A partial month's point is joined by a dashed line: its figure is to date.
            full = [(x, y) for x, y, partial in run if not partial]
            if len(full) > 1:
                d = "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in full)
                parts.append(
                    format_html('<path d="{}" class="chart-line chart-line--{}"/>', d, s.css)
                )
            for previous, (x, y, partial) in zip([None, *run], run, strict=False):
                if partial and previous is not None:
                    parts.append(
                        format_html(
                            '<path d="M{} {} L{} {}" class="chart-line chart-line--{} '
                            'chart-line--partial"/>',
                            _n(previous[0]),
                            _n(previous[1]),
                            _n(x),
                            _n(y),
                            s.css,
                        )
                    )
                parts.append(_marker(s.css, x, y, partial))
    for month_labels in labels.values():
        for x, y, text in _value_labels(month_labels):
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text>',
                    _n(x),
                    _n(y),
                    text,
                )
            )
    body = (
        _legend(series, kind="line", chart_id=chart_id)
        + _axes(points, width)
        + mark_safe("".join(parts))
    )
    return _frame(width, height, chart_id, title, desc, body)
