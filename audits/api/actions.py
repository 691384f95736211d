"""Actions: what needs to happen after an audit, who owns it and by when, followed until done."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from audits import selectors
from audits.filters import ActionFilter
from core import limits, permissions
from core.api import ApiViewSet, StrictInput, error_responses, list_errors, validated
from core.models import Action, User
from core.services.access_log import audit_read_record
from core.services.actions import (
    OWNER_NOT_STAFF,
    action_create,
    action_owner_errors,
    action_status_set,
)
from core.validation import action_due_date_error
from moderation import access


class ActionOutput(serializers.ModelSerializer):
    case = serializers.CharField(source="audit.case.reference", read_only=True)
    owner_person = serializers.CharField(
        source="owner_person.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The username of the member of staff who owns it (null: someone outside "
        "the service, in `owner`).",
    )
    owner_name = serializers.CharField(
        read_only=True, help_text="Who owns it, as the pages show it: the person's name or `owner`."
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = ["id", "audit", "case", "description", "owner_person", "owner", "owner_name"]
        fields += ["due_date", "status", "overdue", "completed_at", "created_at"]

    def get_overdue(self, action: Action) -> bool:
        return action.status == Action.Status.OPEN and action.due_date < timezone.localdate()


class ActionCreateInput(StrictInput):
    audit = serializers.IntegerField(min_value=1, help_text="Audit id.")
    description = serializers.CharField(max_length=limits.ACTION_DESCRIPTION)
    owner_person = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        default=None,
        help_text="The username of the member of staff who owns it.",
    )
    owner = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only when no member of staff owns it: someone outside the service, a role "
        "or name, never the child or family.",
    )
    due_date = serializers.DateField(help_text="Today or later.")

    def validate_owner_person(self, username: str | None) -> User | None:
        if username is None:
            return None
        person = selectors.active_staff().filter(username=username).first()
        if person is None:
            raise serializers.ValidationError(OWNER_NOT_STAFF)
        return person

    def validate(self, attrs):
        errors = action_owner_errors(
            owner_person=attrs.get("owner_person"), owner=attrs.get("owner", "")
        )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def validate_due_date(self, value):
        error = action_due_date_error(value, today=timezone.localdate())
        if error:
            raise serializers.ValidationError(error)
        return value


class ActionStatusInput(StrictInput):
    status = serializers.ChoiceField(choices=Action.Status.choices)


class ActionViewSet(ApiViewSet):
    """Actions on the audits you may read; an audit's auditor or a QA lead adds and closes them."""

    queryset = Action.objects.none()  # for the schema and router only; reads use selectors
    filterset_class = ActionFilter
    form_serializers = {"POST": ActionCreateInput, "PATCH": ActionStatusInput}

    @extend_schema(responses={200: ActionOutput(many=True), **list_errors()})
    def list(self, request):
        actions = selectors.action_list_for_user(user=request.user, filters=request.query_params)
        return self.paginated(actions, ActionOutput)

    @extend_schema(responses={200: ActionOutput, **error_responses(404)})
    def retrieve(self, request, pk: int):
        action = access.action_for_user(user=request.user, action_id=pk)
        audit_read_record(user=request.user, audit=action.audit, channel="api", what="action")
        return Response(ActionOutput(action).data)

    @extend_schema(
        request=ActionCreateInput,
        responses={201: ActionOutput, **error_responses(400, 403, 404)},
    )
    def create(self, request):
        data = validated(ActionCreateInput, request)
        audit = access.audit_for_user(user=request.user, audit_id=data.pop("audit"))
        permissions.require(
            permissions.action_create_allowed(user=request.user, audit=audit),
            permissions.ACTION_CREATE_REFUSED,
        )
        action = action_create(audit=audit, actor=request.user, **data)
        return Response(ActionOutput(action).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ActionStatusInput,
        responses={200: ActionOutput, **error_responses(400, 403, 404)},
    )
    def partial_update(self, request, pk: int):
        action = access.action_for_user(user=request.user, action_id=pk, write=True)
        data = validated(ActionStatusInput, request)
        action = action_status_set(action=action, actor=request.user, **data)
        return Response(ActionOutput(action).data)
