"""Tools, service areas, teams, cases and programmes: read by every role, configured by QA leads."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from audits import selectors
from audits.filters import CaseFilter, ProgrammeFilter, TeamFilter
from core import permissions
from core.api import (
    ApiViewSet,
    CaseReferenceField,
    MonthField,
    StrictInput,
    error_responses,
    list_errors,
    validated,
)
from core.models import Case, Programme, ServiceArea, Team
from core.services.cases import case_create
from core.services.programmes import programme_create, programme_update
from core.validation import TARGET_MAX

# ---------------------------------------------------------------- organisation


class ServiceAreaOutput(serializers.ModelSerializer):
    class Meta:
        model = ServiceArea
        fields = ["id", "name"]


class ServiceAreaViewSet(ApiViewSet):
    queryset = ServiceArea.objects.none()

    @extend_schema(responses={200: ServiceAreaOutput(many=True), **list_errors()})
    def list(self, request):
        return self.paginated(selectors.service_area_list(), ServiceAreaOutput)


class TeamOutput(serializers.ModelSerializer):
    service_area_name = serializers.CharField(source="service_area.name", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "service_area", "service_area_name"]


class TeamViewSet(ApiViewSet):
    queryset = Team.objects.none()
    filterset_class = TeamFilter  # documents the query parameters; the selector applies them

    @extend_schema(responses={200: TeamOutput(many=True), **list_errors()})
    def list(self, request):
        return self.paginated(selectors.team_list(filters=request.query_params), TeamOutput)


# ---------------------------------------------------------------- cases


class CaseOutput(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    service_area = serializers.IntegerField(source="team.service_area_id", read_only=True)
    service_area_name = serializers.CharField(source="team.service_area.name", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "case_type", "team", "team_name", "service_area"]
        fields += ["service_area_name"]


class CaseCreateInput(StrictInput):
    reference = CaseReferenceField(
        help_text="The reference in the case-management system. Never a name."
    )
    team = serializers.IntegerField(min_value=1, help_text="Team id.")
    case_type = serializers.ChoiceField(choices=Case.CaseType.choices)

    def validate_team(self, team_id: int) -> Team:
        team = selectors.team_get(team_id=team_id)
        if team is None:
            raise serializers.ValidationError("No team with this id.")
        return team


class CaseViewSet(ApiViewSet):
    """Cases by reference, scoped to what the user may read; QA leads record new ones."""

    queryset = Case.objects.none()
    filterset_class = CaseFilter
    form_serializers = {"POST": CaseCreateInput}

    @extend_schema(responses={200: CaseOutput(many=True), **list_errors()})
    def list(self, request):
        cases = selectors.case_list_for_user(user=request.user, filters=request.query_params)
        return self.paginated(cases, CaseOutput)

    @extend_schema(
        request=CaseCreateInput, responses={201: CaseOutput, **error_responses(400, 403)}
    )
    def create(self, request):
        permissions.require(
            permissions.configure_allowed(user=request.user), permissions.CONFIGURE_REFUSED
        )
        data = validated(CaseCreateInput, request)
        case = case_create(actor=request.user, **data)
        return Response(CaseOutput(case).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- programmes


class ProgrammeOutput(serializers.ModelSerializer):
    month = MonthField()
    tool = serializers.CharField(source="tool.code", read_only=True, help_text="Tool code.")
    tool_version = serializers.IntegerField(source="tool.version", read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "month", "tool", "tool_version", "theme", "audit_target"]
        fields += ["moderation_target", "due_date", "blind_moderation"]


BLIND_HELP = (
    "Moderators grade before the auditor's grades are shown. Applies to moderations not yet "
    "claimed; a claimed one keeps the setting it was claimed with."
)


class ProgrammeUpdateInput(StrictInput):
    theme = serializers.CharField(max_length=200, allow_blank=True, required=False)
    audit_target = serializers.IntegerField(min_value=0, max_value=TARGET_MAX, required=False)
    moderation_target = serializers.IntegerField(min_value=0, max_value=TARGET_MAX, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    blind_moderation = serializers.BooleanField(required=False, help_text=BLIND_HELP)


class ProgrammeCreateInput(ProgrammeUpdateInput):
    month = MonthField()
    blind_moderation = serializers.BooleanField(
        required=False, help_text=BLIND_HELP + " Left out: as the audit tool is set."
    )
    tool = serializers.CharField(
        max_length=50,
        help_text="Tool code; the programme uses its latest published version, unless "
        "tool_version names another published one.",
    )
    tool_version = serializers.IntegerField(
        min_value=1, required=False, help_text="A published version of the tool (optional)."
    )

    def validate(self, attrs):
        version = attrs.pop("tool_version", None)
        tool = selectors.tool_latest(code=attrs["tool"], version=version)
        if tool is None:
            field = "tool" if version is None else "tool_version"
            message = "No published tool with this code."
            if version is not None:
                message = f"The tool has no published version {version}."
            raise serializers.ValidationError({field: [message]})
        attrs["tool"] = tool
        return attrs


class ProgrammeViewSet(ApiViewSet):
    """Monthly audit programmes: theme, targets and due date, for those who plan, audit or
    moderate them (a head of service follows their areas in the reports). QA leads create and
    edit them."""

    queryset = Programme.objects.none()
    filterset_class = ProgrammeFilter
    form_serializers = {"POST": ProgrammeCreateInput, "PATCH": ProgrammeUpdateInput}

    @extend_schema(responses={200: ProgrammeOutput(many=True), **list_errors(403)})
    def list(self, request):
        permissions.require(
            permissions.programmes_visible(user=request.user), permissions.PROGRAMMES_REFUSED
        )
        programmes = selectors.programme_list(filters=request.query_params)
        return self.paginated(programmes, ProgrammeOutput)

    @extend_schema(responses={200: ProgrammeOutput, **error_responses(403, 404)})
    def retrieve(self, request, pk: int):
        programme = permissions.programme_for_user(user=request.user, programme_id=pk)
        return Response(ProgrammeOutput(programme).data)

    @extend_schema(
        request=ProgrammeCreateInput,
        responses={201: ProgrammeOutput, **error_responses(400, 403)},
    )
    def create(self, request):
        permissions.require(
            permissions.configure_allowed(user=request.user), permissions.CONFIGURE_REFUSED
        )
        data = validated(ProgrammeCreateInput, request)
        programme = programme_create(actor=request.user, **data)
        return Response(ProgrammeOutput(programme).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProgrammeUpdateInput,
        responses={200: ProgrammeOutput, **error_responses(400, 403, 404)},
    )
    def partial_update(self, request, pk: int):
        programme = permissions.programme_for_user(user=request.user, programme_id=pk, write=True)
        changes = validated(ProgrammeUpdateInput, request)
        programme = programme_update(programme=programme, actor=request.user, **changes)
        return Response(ProgrammeOutput(programme).data)
