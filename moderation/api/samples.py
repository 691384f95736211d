"""A programme's moderation sample: read it (QA leads, moderators) and draw it (QA leads)."""

import secrets

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import permissions as audit_permissions
from core.api import ApiViewSet, StrictInput, error_responses, validated
from core.models import Programme, User
from core.permissions import require
from moderation import permissions, sampling, selectors
from moderation.api.moderation_serializers import ModerationListOutput
from moderation.models import SampleDraw

# PositiveIntegerField holds up to 2**31 - 1 on every database we run on.
SEED_LIMIT = 2**31


class SampleDrawOutput(serializers.ModelSerializer):
    drawn_by = serializers.CharField(source="drawn_by.username", read_only=True)

    class Meta:
        model = SampleDraw
        fields = ["id", "seed", "target", "target_percent", "include_good_or_better"]
        fields += ["include_escalations", "widen_downgrades", "widen_window", "returned"]
        fields += ["drawn_by", "drawn_at"]


class AreaCountOutput(serializers.Serializer):
    service_area = serializers.IntegerField()
    service_area_name = serializers.CharField()
    returned = serializers.IntegerField(help_text="Submitted audits of the programme.")
    sampled = serializers.IntegerField(help_text="Of those, in the sample (live moderations).")


class ProgrammeSampleOutput(serializers.Serializer):
    programme = serializers.IntegerField(source="programme.pk")
    draw = SampleDrawOutput(allow_null=True, help_text="The latest draw; null before the first.")
    areas = AreaCountOutput(many=True)
    moderations = ModerationListOutput(
        many=True, help_text="Waiting, claimed and completed, each with `selection` and its note."
    )


class SampleDrawInput(StrictInput):
    target = serializers.IntegerField(
        required=False, max_value=100_000, help_text="How many audits; or send `percent`."
    )
    percent = serializers.IntegerField(
        required=False, max_value=1000, help_text="A percentage of the returned audits."
    )
    include_good_or_better = serializers.BooleanField(
        default=True, help_text="Every Outstanding or Good judgement is moderated."
    )
    include_escalations = serializers.BooleanField(
        default=True, help_text="Every escalated audit is moderated."
    )
    widen_downgrades = serializers.IntegerField(
        default=2, max_value=1000, help_text="Draw more of an auditor's audits when this many of"
    )
    widen_window = serializers.IntegerField(
        default=3,
        max_value=1000,
        help_text="... their last this many moderated audits were downgraded.",
    )
    seed = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=SEED_LIMIT - 1,
        help_text="Repeats an earlier draw; leave out for a new random one (returned in `draw`).",
    )


def _programme(user: User, pk: int) -> Programme:
    return audit_permissions.programme_for_user(user=user, programme_id=pk)


class ProgrammeSampleView(APIView):
    """The moderation sample of one programme: why each audit is in it and how each service
    area is covered. Drawing again replaces the earlier draws' unclaimed picks."""

    permission_classes = ApiViewSet.permission_classes
    parser_classes = ApiViewSet.parser_classes

    def get_serializer(self, *args, **kwargs):
        # For the browsable API's form only; the view never calls it itself.
        return SampleDrawInput()

    @extend_schema(
        operation_id="programmes_sample_retrieve",
        responses={200: ProgrammeSampleOutput, **error_responses(403, 404)},
    )
    def get(self, request, pk: int):
        programme = _programme(request.user, pk)
        require(
            permissions.programme_sample_visible(user=request.user, programme=programme),
            permissions.SAMPLE_VISIBLE_REFUSED,
        )
        sample = selectors.programme_sample(programme=programme)
        return Response(ProgrammeSampleOutput(sample, context={"request": request}).data)

    @extend_schema(
        operation_id="programmes_sample_create",
        request=SampleDrawInput,
        responses={201: ProgrammeSampleOutput, **error_responses(400, 403, 404)},
        description="Draw the sample: the rules first (Good or better, escalations, auditors "
        "whose grades were often lowered), then a seeded random share per service area.",
    )
    def post(self, request, pk: int):
        programme = _programme(request.user, pk)
        require(
            permissions.sample_manage_allowed(user=request.user),
            permissions.SAMPLE_MANAGE_REFUSED,
        )
        data = validated(SampleDrawInput, request)
        seed = data.pop("seed", None)
        if seed is None:
            seed = secrets.randbelow(SEED_LIMIT)
        rules = sampling.SampleRules(**data)
        sampling.sample_draw(actor=request.user, programme=programme, rules=rules, seed=seed)
        sample = selectors.programme_sample(programme=programme)
        output = ProgrammeSampleOutput(sample, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)
