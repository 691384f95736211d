"""The report API: GET /api/reports/monthly/ returns the monthly QA report as JSON.

Thin, like audits/api: the query string goes to the selector (which validates it and asks
reporting.permissions), the plain data it returns goes out through the output serializers,
which also describe the response in the OpenAPI schema.

The monthly report and the trend are the exception: their selectors already return plain
JSON data in exactly their serializers' shape, and walking thousands of nested fields
through DRF took longer than computing the figures at national scale (manage.py
bench_reports). So those two views return the selector's dict as it is; the serializers
still describe it in the schema, and tests/reporting/test_api_output.py pins that the dict
and the serializer's output are the same.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import EmptyQueryRefused, HasRole, error_responses
from core.months import MONTH_SCHEMA
from reporting.selectors import calibration, monthly, reaudits, trend
from reporting.selectors.figures import DOMAIN_COLUMNS, GRADES


class ReportCountOutput(serializers.Serializer):
    n = serializers.IntegerField()
    pct = serializers.FloatField(allow_null=True, help_text="% to one decimal; null if of 0.")


def _grade_fields(keys) -> dict:
    return {key: ReportCountOutput() for key in keys}


OverallOutput = type(
    "ReportOverallDistributionOutput", (serializers.Serializer,), _grade_fields(GRADES)
)
DomainGradesOutput = type(
    "ReportDomainDistributionOutput",
    (serializers.Serializer,),
    _grade_fields(DOMAIN_COLUMNS),
)
# "from" is a Python keyword, so this serializer is built from a dict of its fields.
TransitionOutput = type(
    "ReportTransitionOutput",
    (serializers.Serializer,),
    {
        "from": serializers.CharField(help_text="The auditor's grade."),
        "to": serializers.CharField(help_text="The moderator's grade."),
        "n": serializers.IntegerField(),
    },
)


class ReportComparisonFields(serializers.Serializer):
    pairs = serializers.IntegerField()
    transitions = TransitionOutput(many=True)
    agreed = serializers.IntegerField()
    agreement_pct = serializers.FloatField(allow_null=True)
    upgraded = serializers.IntegerField()
    upgraded_pct = serializers.FloatField(allow_null=True)
    downgraded = serializers.IntegerField()
    downgraded_pct = serializers.FloatField(allow_null=True)
    weighted_kappa = serializers.FloatField(
        allow_null=True, help_text="Cohen's kappa, linear weights; null when undefined."
    )
    kappa_pairs = serializers.IntegerField()


class ReportAuditsOutput(serializers.Serializer):
    target = serializers.IntegerField()
    target_source = serializers.ChoiceField(choices=["programme", "assigned"])
    assigned = serializers.IntegerField()
    returned = serializers.IntegerField()
    returned_pct = serializers.FloatField(allow_null=True)
    overall = OverallOutput()
    escalations = serializers.IntegerField()


class ReportModerationsOutput(ReportComparisonFields):
    target = serializers.IntegerField()
    target_source = serializers.ChoiceField(choices=["programme", "live_moderations"])
    live = serializers.IntegerField()
    completed = serializers.IntegerField()
    completed_pct = serializers.FloatField(allow_null=True)
    before = OverallOutput()
    after = OverallOutput()
    escalations_before = serializers.IntegerField()
    escalations_after = serializers.IntegerField()


class ReportKpiOutput(serializers.Serializer):
    ri_or_better_pct = serializers.FloatField(allow_null=True)
    ri_or_better_pct_after_moderation = serializers.FloatField(allow_null=True)


class ReportMonthOutput(serializers.Serializer):
    month = serializers.CharField()
    has_programme = serializers.BooleanField()
    audits = ReportAuditsOutput()
    moderations = ReportModerationsOutput()
    kpi = ReportKpiOutput()


class ReportDomainOutput(ReportComparisonFields):
    code = serializers.CharField()
    title = serializers.CharField()
    tool = serializers.CharField(help_text="Tool code.")
    audits = serializers.IntegerField()
    all = DomainGradesOutput()
    moderated = serializers.IntegerField()
    moderated_before = DomainGradesOutput()
    moderated_after = DomainGradesOutput()


class ReportFiltersOutput(serializers.Serializer):
    service_areas = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="The service areas counted; null for every area.",
    )
    team = serializers.IntegerField(allow_null=True)
    tool = serializers.CharField(allow_null=True)
    blind_left_out = serializers.IntegerField(
        help_text="Audits in scope left out of this report because they wait for blind "
        "moderation and the reader may moderate: no moderator may learn their grades. "
        "0 for everyone else, whose reports count every audit."
    )
    team_manager = serializers.BooleanField(
        help_text="A team manager's report of their own team: its moderation figures count "
        "only the moderations they may read (of their own audits and of those of the people "
        "they line-manage), and the audits assigned are a count, not a list."
    )


class ReportPartOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    audits = ReportAuditsOutput()
    moderations = ReportModerationsOutput()
    kpi = ReportKpiOutput()


class ReportAreaOutput(ReportPartOutput):
    teams = ReportPartOutput(many=True, help_text="The area's teams with audits, by name.")


class MonthlyReportOutput(ReportMonthOutput):
    """The monthly QA report; reporting.selectors.monthly defines every figure."""

    filters = ReportFiltersOutput()
    domains = ReportDomainOutput(many=True)
    by_area = ReportAreaOutput(
        many=True,
        help_text="The month's figures per service area and its teams, each as its own scope.",
    )
    previous_month = ReportMonthOutput()


class MonthlyReportView(EmptyQueryRefused, APIView):
    """The monthly QA report for a month, filterable by service area, team and tool, with the
    previous month beside it. QA leads and moderators read every area; heads of service their
    own areas only."""

    permission_classes = [HasRole]
    query_parameters = ("month", "service_area", "team", "tool")

    @extend_schema(
        operation_id="reports_monthly",
        parameters=[
            OpenApiParameter("month", MONTH_SCHEMA, required=True, description="YYYY-MM"),
            OpenApiParameter("service_area", OpenApiTypes.INT, description="Service area id."),
            OpenApiParameter("team", OpenApiTypes.INT, description="Team id."),
            OpenApiParameter("tool", OpenApiTypes.STR, description="Tool code."),
        ],
        responses={200: MonthlyReportOutput, **error_responses(400, 403)},
    )
    def get(self, request):
        report = monthly.monthly_report_for_user(user=request.user, filters=request.query_params)
        return Response(report)  # MonthlyReportOutput's shape already (see the docstring)


# ---------------------------------------------------------------- trends, calibration, re-audits
# reporting.selectors.trend, calibration and reaudits define every figure below.

RANGE_PARAMETERS = [
    OpenApiParameter("month_from", MONTH_SCHEMA, description="YYYY-MM; default month_to - 11."),
    OpenApiParameter("month_to", MONTH_SCHEMA, description="YYYY-MM; default month or now."),
    OpenApiParameter("month", MONTH_SCHEMA, description="The last month of the default range."),
    OpenApiParameter("service_area", OpenApiTypes.INT, description="Service area id."),
    OpenApiParameter("team", OpenApiTypes.INT, description="Team id."),
    OpenApiParameter("tool", OpenApiTypes.STR, description="Tool code."),
]


class ReportRangeFields(serializers.Serializer):
    month_from = serializers.CharField()
    month_to = serializers.CharField()
    filters = ReportFiltersOutput()


class TrendDomainOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    tool = serializers.CharField()
    audits = serializers.IntegerField()
    all = DomainGradesOutput()
    moderated = serializers.IntegerField()
    moderated_after = DomainGradesOutput()


class TrendFigures(serializers.Serializer):
    audits = serializers.IntegerField(allow_null=True, help_text="Null in a gap month.")
    moderated = serializers.IntegerField(allow_null=True)
    before = OverallOutput(allow_null=True)
    after = OverallOutput(allow_null=True)
    kpi = ReportKpiOutput()
    domains = TrendDomainOutput(many=True, allow_null=True)


class TrendMonthOutput(TrendFigures):
    month = serializers.CharField()
    has_programme = serializers.BooleanField()
    to_date = serializers.BooleanField(
        help_text="The current month, still under way: its figures are to date."
    )


class TrendQuarterOutput(TrendFigures):
    quarter = serializers.CharField(help_text='Financial-year quarter, e.g. "2019-20 Q1".')
    months = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField(help_text="False when the range cuts the quarter.")
    has_programme = serializers.BooleanField()
    months_with_programme = serializers.IntegerField()
    ri_or_better_change = serializers.FloatField(
        allow_null=True, help_text="Percentage points since the previous quarter."
    )


class TrendDomainNameOutput(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    tool = serializers.CharField()
    notes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Where the domain began or ended across tool versions, in words, oldest "
        "first (a split, merge, rename, new or retired domain); empty if it never changed.",
    )


class TrendOutput(ReportRangeFields):
    domains = TrendDomainNameOutput(many=True)
    months = TrendMonthOutput(many=True)
    quarters = TrendQuarterOutput(many=True)


class CalibrationFigures(serializers.Serializer):
    moderated = serializers.IntegerField()
    agreed = serializers.IntegerField()
    agreement_pct = serializers.FloatField(allow_null=True)
    mean_shift = serializers.FloatField(
        allow_null=True, help_text="Moderator minus auditor, in grade steps, 2 places."
    )
    upgraded = serializers.IntegerField()
    downgraded = serializers.IntegerField()
    domain_pairs = serializers.IntegerField()
    domain_agreed = serializers.IntegerField()
    domain_agreement_pct = serializers.FloatField(allow_null=True)


class CalibrationAuditorName(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()


class CalibrationTeamName(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CalibrationAuditorOutput(CalibrationFigures):
    auditor = CalibrationAuditorName()


class CalibrationTeamOutput(CalibrationFigures):
    team = CalibrationTeamName()


class CalibrationAgreement(serializers.Serializer):
    moderated = serializers.IntegerField(help_text="Completed moderations of the audits.")
    agreed = serializers.IntegerField(help_text="Of those, the moderator kept the judgement.")
    agreement_pct = serializers.FloatField(
        allow_null=True, help_text="agreed / moderated, %, one place; null when none."
    )


class CalibrationMonth(CalibrationAgreement):
    month = serializers.CharField(help_text="YYYY-MM: the audits' month.")


class CalibrationAuditorByMonth(serializers.Serializer):
    auditor = CalibrationAuditorName()
    months = CalibrationMonth(many=True)
    total = CalibrationAgreement()


class CalibrationTeamByMonth(serializers.Serializer):
    team = CalibrationTeamName()
    months = CalibrationMonth(many=True)
    total = CalibrationAgreement()


class CalibrationByMonth(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM, in order.")
    auditors = CalibrationAuditorByMonth(many=True)
    teams = CalibrationTeamByMonth(many=True)


class CalibrationOutput(ReportRangeFields):
    auditors = CalibrationAuditorOutput(many=True)
    teams = CalibrationTeamOutput(many=True)
    total = CalibrationFigures()
    by_month = CalibrationByMonth(
        help_text="Agreement on the overall judgement per auditor and per team, month by month."
    )


def _reaudit_fields(keys) -> dict:
    return {
        "pairs": serializers.IntegerField(),
        "first": type(f"ReaudFirst{len(keys)}", (serializers.Serializer,), _grade_fields(keys))(),
        "reaudit": type(f"ReaudAgain{len(keys)}", (serializers.Serializer,), _grade_fields(keys))(),
        "transitions": TransitionOutput(many=True),
        "improved": serializers.IntegerField(),
        "improved_pct": serializers.FloatField(allow_null=True),
        "same": serializers.IntegerField(),
        "same_pct": serializers.FloatField(allow_null=True),
        "worse": serializers.IntegerField(),
        "worse_pct": serializers.FloatField(allow_null=True),
        "not_comparable": serializers.IntegerField(help_text="N/A on one side only."),
    }


ReauditOverallOutput = type(
    "ReauditOverallOutput", (serializers.Serializer,), _reaudit_fields(GRADES)
)
ReauditDomainOutput = type(
    "ReauditDomainOutput",
    (serializers.Serializer,),
    {
        "code": serializers.CharField(),
        "title": serializers.CharField(),
        "tool": serializers.CharField(),
        **_reaudit_fields(DOMAIN_COLUMNS),
    },
)


class ReauditOutput(ReportRangeFields):
    cohort = serializers.IntegerField(help_text="Re-audits submitted in the range.")
    overall = ReauditOverallOutput()
    domains = ReauditDomainOutput(many=True)


class _RangeReportView(EmptyQueryRefused, APIView):
    permission_classes = [HasRole]
    query_parameters = tuple(parameter.name for parameter in RANGE_PARAMETERS)


class TrendReportView(_RangeReportView):
    """Month-by-month and financial-quarter trends; months without a programme are gaps."""

    @extend_schema(
        operation_id="reports_trends",
        parameters=RANGE_PARAMETERS,
        responses={200: TrendOutput, **error_responses(400, 403)},
    )
    def get(self, request):
        data = trend.trend_for_user(user=request.user, filters=request.query_params)
        return Response(data)  # TrendOutput's shape already (see the docstring)


class CalibrationReportView(_RangeReportView):
    """Auditor calibration per auditor and per team, for the range and month by month. QA
    leads; heads of service (their areas); team managers (their team, the moderations they
    may read)."""

    @extend_schema(
        operation_id="reports_calibration",
        parameters=RANGE_PARAMETERS,
        responses={200: CalibrationOutput, **error_responses(400, 403)},
    )
    def get(self, request):
        data = calibration.calibration_for_user(user=request.user, filters=request.query_params)
        return Response(CalibrationOutput(data).data)


class ReauditReportView(_RangeReportView):
    """The re-audit cohort of a range: first judgements against the re-audits'."""

    @extend_schema(
        operation_id="reports_reaudits",
        parameters=RANGE_PARAMETERS,
        responses={200: ReauditOutput, **error_responses(400, 403)},
    )
    def get(self, request):
        data = reaudits.reaudits_for_user(user=request.user, filters=request.query_params)
        return Response(ReauditOutput(data).data)
