"""The monthly report and trend APIs return their selectors' dicts without a serializer
(reporting/api.py says why): the JSON must be exactly what the documented serializers give."""

import datetime as dt
import json

from core.months import month_range
from reporting.api import MonthlyReportOutput, TrendOutput
from reporting.scope import ReportScope
from reporting.selectors.monthly import monthly_report
from reporting.selectors.ranges import range_filters_out
from reporting.selectors.trend import trend
from tests.reporting.test_trends import APRIL, data  # noqa: F401 (the module's data)


def as_json(value) -> object:
    return json.loads(json.dumps(value))


def test_the_monthly_report_is_its_serializers_shape(data, db, api_client, qa_lead):  # noqa: F811
    for scope in (
        ReportScope(month=APRIL),
        ReportScope(month=APRIL, team_id=data.teams["A1"].pk),
        ReportScope(month=dt.date(2019, 3, 1), tool_code="case-file"),
    ):
        report = monthly_report(scope=scope)
        assert as_json(report) == as_json(MonthlyReportOutput(report).data)
    api_client.force_login(qa_lead)
    response = api_client.get("/api/reports/monthly/", {"month": "2019-04"})
    expected = monthly_report(scope=ReportScope(month=APRIL))
    assert response.json() == as_json(MonthlyReportOutput(expected).data)


def test_the_trend_is_its_serializers_shape(data, db, api_client, qa_lead):  # noqa: F811
    months = month_range(dt.date(2018, 12, 1), APRIL)
    scope = ReportScope(month=APRIL)
    result = {**range_filters_out(scope, months), **trend(scope=scope, months=months)}
    assert as_json(result) == as_json(TrendOutput(result).data)
    api_client.force_login(qa_lead)
    response = api_client.get(
        "/api/reports/trends/", {"month_from": "2018-12", "month_to": "2019-04"}
    )
    assert response.json() == as_json(TrendOutput(result).data)
