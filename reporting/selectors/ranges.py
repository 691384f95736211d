"""Reads over a range of months: which months, within which filters and access rules.

Every figure means what reporting.selectors.monthly says it means for one month; the trend,
calibration and re-audit modules beside this one add their own.

Range
    month_from .. month_to (YYYY-MM, inclusive), at most MAX_MONTHS months. By default the
    12 months ending with `month` (or with the current month). The filters service_area,
    team and tool and the access rules are the monthly report's.
"""

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

from core.errors import DomainError
from core.filters import MonthFilter
from core.models import Audit, User
from core.months import FIRST_MONTH, format_month, month_range, months_before
from reporting import permissions
from reporting.filters import ReportFilter
from reporting.scope import ReportScope, blind_left_out, report_scope

MAX_MONTHS = 60
DEFAULT_MONTHS = 12


class RangeReportFilter(ReportFilter):
    """The report's filters with a range of months instead of one month."""

    month = MonthFilter(
        field_name="month", required=False, help_text="The last month of the default range."
    )
    month_from = MonthFilter(field_name="month", lookup_expr="gte", help_text="YYYY-MM")
    month_to = MonthFilter(field_name="month", lookup_expr="lte", help_text="YYYY-MM")


def range_filters(filters: Mapping | None) -> dict:
    """Cleaned range filters with month_from and month_to filled in; DomainError if invalid."""
    # Any mapping works: a page's QueryDict, the API's query, a command's dict.
    filterset = RangeReportFilter(data=filters or {}, queryset=Audit.objects.none())  # type: ignore[arg-type]
    if not filterset.is_valid():
        errors = {name: list(messages) for name, messages in filterset.errors.items()}
        raise DomainError("Some filters are not valid.", field_errors=errors)
    cleaned = dict(filterset.form.cleaned_data)
    last = cleaned.get("month_to") or cleaned.get("month") or timezone.localdate().replace(day=1)
    first = cleaned.get("month_from") or max(months_before(last, DEFAULT_MONTHS - 1), FIRST_MONTH)
    if first > last:
        raise DomainError(
            "Some filters are not valid.",
            field_errors={"month_from": ["The first month must not be after the last month."]},
        )
    if len(month_range(first, last)) > MAX_MONTHS:
        raise DomainError(
            "Some filters are not valid.",
            field_errors={"month_from": [f"Choose a range of at most {MAX_MONTHS} months."]},
        )
    cleaned.update(month_from=first, month_to=last, month=last)
    return cleaned


def range_scope_for_user(user: User, filters: Mapping | None) -> tuple[ReportScope, list[dt.date]]:
    cleaned = range_filters(filters)
    areas = permissions.report_areas_for_user(
        user=user, service_area=cleaned.get("service_area"), team=cleaned.get("team")
    )
    scope = report_scope(cleaned=cleaned, areas=areas, user=user)
    return scope, month_range(cleaned["month_from"], cleaned["month_to"])


def range_filters_out(scope: ReportScope, months: list[dt.date]) -> dict:
    return {
        "month_from": format_month(months[0]),
        "month_to": format_month(months[-1]),
        "filters": {**scope.filters_out(), "blind_left_out": blind_left_out(scope, months)},
    }
