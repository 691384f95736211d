"""{% count cell %}: a report table's Cell as HTML (reporting.tables.html.count_html);
{% count cell pct=False %} leaves its percentage out."""

from django import template

from core.months import range_words
from reporting.tables.html import count_html

register = template.Library()


@register.simple_tag(name="count")
def count_tag(cell, pct=True):
    return count_html(cell, pct=pct)


@register.simple_tag(name="range_words")
def range_words_tag(month_from: str, month_to: str) -> str:
    """A report's months in words, for its heading: 'December 2024 to November 2026'."""
    return range_words(month_from, month_to)
