"""{% count cell %}: a report table's Cell as HTML (reporting.tables.html.count_html)."""

from django import template

from reporting.tables.html import count_html

register = template.Library()


@register.simple_tag(name="count")
def count_tag(cell):
    return count_html(cell)
