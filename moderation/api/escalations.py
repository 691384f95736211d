"""Escalations: Inadequate – escalation, and the head of service's management response."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import limits
from core.api import ApiViewSet, StrictInput, error_responses, list_errors, validated
from core.services.access_log import audit_read_record
from moderation import permissions, selectors
from moderation.filters import EscalationFilter
from moderation.models import Escalation
from moderation.services.escalations import escalation_respond


class EscalationOutput(serializers.ModelSerializer):
    case = serializers.CharField(source="audit.case.reference", read_only=True)
    service_area = serializers.IntegerField(
        source="audit.case.team.service_area_id", read_only=True
    )
    service_area_name = serializers.CharField(
        source="audit.case.team.service_area.name", read_only=True
    )
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    responded_by = serializers.CharField(
        source="responded_by.username", read_only=True, allow_null=True, default=None
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = ["id", "audit", "case", "service_area", "service_area_name", "moderation"]
        fields += ["confirmed_by_moderation", "raised_by_role", "raised_by", "reason"]
        fields += ["due_date", "overdue", "status", "response", "responded_by", "responded_at"]
        fields += ["created_at"]

    def get_overdue(self, escalation: Escalation) -> bool:
        return escalation.is_overdue(timezone.localdate())


class RespondInput(StrictInput):
    response = serializers.CharField(
        allow_blank=True,
        max_length=limits.ESCALATION_RESPONSE,
        help_text="The management response.",
    )


class EscalationViewSet(ApiViewSet):
    """Escalations of the audits you may read (all of them for moderators and QA leads). The
    head of service for the case's area responds; a QA lead may record it for them."""

    queryset = Escalation.objects.none()  # for the schema and router only; reads use selectors
    filterset_class = EscalationFilter  # documents the query parameters; the selector applies them
    form_serializers = {"respond": RespondInput}

    @extend_schema(responses={200: EscalationOutput(many=True), **list_errors()})
    def list(self, request):
        escalations = selectors.escalation_list_for_user(
            user=request.user, filters=request.query_params
        )
        return self.paginated(escalations, EscalationOutput)

    @extend_schema(responses={200: EscalationOutput, **error_responses(404)})
    def retrieve(self, request, pk: int):
        return escalation_response(request, pk)

    @extend_schema(
        request=RespondInput,
        responses={200: EscalationOutput, **error_responses(400, 403, 404, 409)},
        description="Record the management response; the escalation is then closed.",
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk: int):
        escalation = permissions.escalation_for_user(user=request.user, escalation_id=pk)
        data = validated(RespondInput, request)
        escalation_respond(actor=request.user, escalation=escalation, **data)
        return escalation_response(request, pk)


def escalation_response(request, pk: int) -> Response:
    """The escalation (with its case and reason) as JSON: a read of the audit, recorded."""
    escalation = permissions.escalation_for_user(user=request.user, escalation_id=pk)
    audit_read_record(user=request.user, audit=escalation.audit, channel="api", what="escalation")
    return Response(EscalationOutput(escalation).data)
