"""{% count cell %}: a report table's Cell as HTML (reporting.tables.html.count_html);
{% count cell pct=False %} leaves its percentage out."""

from django import template

from reporting.tables.html import count_html

register = template.Library()


@register.simple_tag(name="count")
def count_tag(cell, pct=True):
    return count_html(cell, pct=pct)
