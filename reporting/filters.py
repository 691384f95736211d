"""The report's filters: month (required), service area, team and tool code.

The same fields and parsing as audits.filters.AuditFilter, so a report's figures and the
drill-down list of audits read the same query string. Bound to an Audit queryset, `.qs` is
the month's audits in scope (every status): the starting point of a drill-down.
"""

import django_filters
from drf_spectacular.types import OpenApiTypes

from core.filters import MonthFilter, tool_code_choices, with_schema
from core.models import Audit, ServiceArea, Team


class ReportFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="month", required=True, help_text="The month, as YYYY-MM.")
    service_area = django_filters.ModelChoiceFilter(
        field_name="case__team__service_area", queryset=ServiceArea.objects.all()
    )
    team = django_filters.ModelChoiceFilter(
        field_name="case__team", queryset=Team.objects.select_related("service_area")
    )
    tool = with_schema(
        OpenApiTypes.STR,
        django_filters.ChoiceFilter(
            field_name="tool__code",
            choices=tool_code_choices,
            help_text="Tool code.",
            empty_label="All tools",
        ),
    )

    class Meta:
        model = Audit
        fields: list[str] = []  # all declared above
