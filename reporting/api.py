"""The report API: GET /api/reports/monthly/ returns the monthly QA report as JSON.

Thin, like audits/api: the query string goes to the selector (which validates it and asks
reporting.permissions), the plain data it returns goes out through the output serializers,
which also describe the response in the OpenAPI schema.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audits.api.common import ApiViewSet, HasRole, error_responses
from audits.filters import MONTH_SCHEMA

from . import selectors


class ReportCountOutput(serializers.Serializer):
    n = serializers.IntegerField()
    pct = serializers.FloatField(allow_null=True, help_text="% to one decimal; null if of 0.")


def _grade_fields(keys) -> dict:
    return {key: ReportCountOutput() for key in keys}


OverallOutput = type(
    "ReportOverallDistributionOutput", (serializers.Serializer,), _grade_fields(selectors.GRADES)
)
DomainGradesOutput = type(
    "ReportDomainDistributionOutput",
    (serializers.Serializer,),
    _grade_fields(selectors.DOMAIN_COLUMNS),
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


class MonthlyReportOutput(ReportMonthOutput):
    """The monthly QA report; reporting/selectors.py defines every figure."""

    filters = ReportFiltersOutput()
    domains = ReportDomainOutput(many=True)
    previous_month = ReportMonthOutput()


class MonthlyReportView(APIView):
    """The monthly QA report for a month, filterable by service area, team and tool, with the
    previous month beside it. QA leads and moderators read every area; heads of service their
    own areas only."""

    authentication_classes = ApiViewSet.authentication_classes
    permission_classes = [HasRole]

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
        report = selectors.monthly_report_for_user(user=request.user, filters=request.query_params)
        return Response(MonthlyReportOutput(report).data)
