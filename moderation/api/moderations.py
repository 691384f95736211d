"""Moderations: the sample, claims, the moderator's grades, completion, rework, feedback
(serializers in moderation_serializers.py)."""

from contextlib import contextmanager

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core import permissions as core_permissions
from core.api import (
    IF_MATCH,
    ApiViewSet,
    EmptyInput,
    ReassignInput,
    ReassignOutput,
    error_responses,
    etag,
    list_errors,
    validated,
    validated_content,
    version_from,
    with_etag,
)
from core.errors import DomainError
from core.services.access_log import audit_read_record
from flows import moderation as moderation_flows
from moderation import permissions, selectors
from moderation.access import audit_for_user
from moderation.api.moderation_serializers import (
    ModerationAddInput,
    ModerationContentInput,
    ModerationDetailOutput,
    ModerationListOutput,
    ModerationRemoveInput,
    ModerationReturnInput,
)
from moderation.filters import ModerationFilter
from moderation.models import Moderation
from moderation.services.claims import moderation_claim, moderation_release
from moderation.services.moderating import (
    ModerationContent,
    moderation_acknowledge,
    moderation_reveal,
    moderation_save_draft,
)
from moderation.services.reassign import moderations_reassign
from moderation.services.sample import moderation_add, moderation_remove

# ---------------------------------------------------------------- helpers

GRADE_PARTS = ("revision_reason", "rationale", "grade")  # longest first: prefixes overlap


def nest_grade_errors(field_errors: dict[str, list[str]]) -> dict:
    """The services' flat keys (grade_plan, rationale_plan, revision_reason_plan: the HTML
    form's field names) as the API's nested shape: {"grades": {"plan": {"grade": [...]}}}."""
    nested: dict = {}
    for key, messages in field_errors.items():
        part = next((p for p in GRADE_PARTS if key.startswith(f"{p}_")), None)
        if part is None:
            nested[key] = messages
            continue
        code = key[len(part) + 1 :]
        nested.setdefault("grades", {}).setdefault(code, {})[part] = messages
    return nested


@contextmanager
def grade_errors_nested():
    try:
        yield
    except DomainError as exc:
        if exc.status_code != 400:
            raise
        raise ValidationError(
            {"detail": exc.message, **nest_grade_errors(exc.field_errors)}
        ) from exc


CONTENT_FIELDS = ("overall", "overall_revision_reason", "escalated", "escalation_reason", "summary")


def content_from(data: dict) -> ModerationContent | None:
    """The content sent, or None when only the version was."""
    if not set(data) - {"version"}:
        return None
    grades = {
        code: (g["grade"], g["rationale"], g["revision_reason"])
        for code, g in data.get("grades", {}).items()
    }
    fields = {name: data[name] for name in CONTENT_FIELDS if name in data}
    return ModerationContent(**fields, grades=grades)


def detail_response(request, moderation_id: int, code: int = status.HTTP_200_OK) -> Response:
    moderation = selectors.moderation_detail_for_user(
        user=request.user, moderation_id=moderation_id
    )
    # Every answer after a claim, save, reveal, completion or return carries the audit's
    # content: each is a read, recorded like GET.
    audit_read_record(user=request.user, audit=moderation.audit, channel="api", what="moderation")
    return moderation_response(request, moderation, code)


def moderation_response(
    request, moderation: Moderation, code: int = status.HTTP_200_OK
) -> Response:
    output = ModerationDetailOutput(moderation, context={"request": request})
    return with_etag(Response(output.data, status=code), moderation.version)


def _read(request, pk: int) -> Moderation:
    return permissions.moderation_for_user(user=request.user, moderation_id=pk)


# ---------------------------------------------------------------- view

# Nothing to send but the request itself; documented as "any object" so clients send {}.
NO_BODY = OpenApiTypes.OBJECT


ALL_ERRORS = error_responses(400, 403, 404, 409)


def _read_sent_nothing(request, pk: int) -> Moderation:
    """The moderation, once the body (if any) is checked to be a JSON object: a list or a
    number is a client's mistake, not a claim."""
    moderation = _read(request, pk)
    validated(EmptyInput, request)
    return moderation


class ModerationViewSet(ApiViewSet):
    """Moderations you may read: all of them (moderators and QA leads); once completed, those
    of your own audits, of the people you line-manage and of your service areas (viewer)."""

    queryset = Moderation.objects.none()  # for the schema and router only; reads use selectors
    filterset_class = ModerationFilter  # documents the query parameters; the selector applies them
    form_serializers = {
        "POST": EmptyInput,
        "create": ModerationAddInput,
        "reassign": ReassignInput,
        "PATCH": ModerationContentInput,
        "reveal": ModerationContentInput,
        "complete": ModerationContentInput,
        "return_for_rework": ModerationReturnInput,
        "remove": ModerationRemoveInput,
    }

    @extend_schema(responses={200: ModerationListOutput(many=True), **list_errors()})
    def list(self, request):
        moderations = selectors.moderation_list_for_user(
            user=request.user, filters=request.query_params
        )
        return self.paginated(moderations, ModerationListOutput)

    @extend_schema(
        parameters=[etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **error_responses(404)},
    )
    def retrieve(self, request, pk: int):
        moderation = selectors.moderation_detail_for_user(user=request.user, moderation_id=pk)
        audit_read_record(
            user=request.user, audit=moderation.audit, channel="api", what="moderation"
        )
        return moderation_response(request, moderation)

    @extend_schema(
        request=ModerationAddInput,
        parameters=[etag(201, of="moderation")],
        responses={201: ModerationDetailOutput, **ALL_ERRORS},
        description="A QA lead adds a submitted audit to the sample by hand, with a reason.",
    )
    def create(self, request):
        data = validated(ModerationAddInput, request)
        audit = audit_for_user(user=request.user, audit_id=data["audit"])
        moderation = moderation_add(actor=request.user, audit=audit, reason=data["reason"])
        return detail_response(request, moderation.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ModerationRemoveInput,
        parameters=[etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="A QA lead takes an audit nobody has claimed out of the sample.",
    )
    @action(detail=True, methods=["post"])
    def remove(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated(ModerationRemoveInput, request)
        moderation_remove(actor=request.user, moderation=moderation, **data)
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationContentInput,
        parameters=[IF_MATCH, etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="The claimant saves a draft. Send only what changed, with the version read.",
    )
    def partial_update(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated_content(ModerationContentInput, request, tool=moderation.audit.tool)
        version = version_from(request, data)
        with grade_errors_nested():
            moderation_save_draft(
                actor=request.user,
                moderation=moderation,
                version=version,
                content=content_from(data) or ModerationContent(),
            )
        return detail_response(request, pk)

    @extend_schema(
        request=NO_BODY,
        parameters=[etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="A moderator claims a waiting audit (never one they wrote). Of two "
        "moderators claiming at once one wins; the other gets 409 naming the claimant.",
    )
    @action(detail=True, methods=["post"])
    def claim(self, request, pk: int):
        moderation = _read_sent_nothing(request, pk)
        moderation_claim(actor=request.user, moderation=moderation)
        return detail_response(request, pk)

    @extend_schema(
        request=NO_BODY,
        parameters=[etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Give a claimed audit back to the queue (the claimant, or a QA lead); "
        "the grades entered so far are kept.",
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk: int):
        moderation = _read_sent_nothing(request, pk)
        moderation_release(actor=request.user, moderation=moderation)
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationContentInput,
        parameters=[IF_MATCH, etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Blind moderation: save any content sent, fix the grades given so far and "
        "show the auditor's grades. Every domain and the overall judgement must be graded.",
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated_content(ModerationContentInput, request, tool=moderation.audit.tool)
        version = version_from(request, data)
        with grade_errors_nested():
            moderation_reveal(
                actor=request.user,
                moderation=moderation,
                version=version,
                content=content_from(data),
            )
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationContentInput,
        parameters=[IF_MATCH, etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Complete (saving any content sent first). Anything missing gets 400 with "
        "a message per field; after completion the moderation never changes.",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated_content(ModerationContentInput, request, tool=moderation.audit.tool)
        version = version_from(request, data)
        with grade_errors_nested():
            moderation_flows.moderation_complete(
                actor=request.user,
                moderation=moderation,
                version=version,
                content=content_from(data),
            )
        return detail_response(request, pk)

    @extend_schema(
        request=ModerationReturnInput,
        parameters=[IF_MATCH, etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="Return a poorly evidenced audit for rework: the submission stays as it "
        "was and the auditor reworks a new revision, which rejoins the sample when resubmitted.",
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_rework(self, request, pk: int):
        moderation = _read(request, pk)
        data = validated(ModerationReturnInput, request)
        version = version_from(request, data)
        moderation_flows.moderation_return_for_rework(
            actor=request.user, moderation=moderation, version=version, comment=data["comment"]
        )
        return detail_response(request, pk)

    @extend_schema(
        request=NO_BODY,
        parameters=[etag(200, of="moderation")],
        responses={200: ModerationDetailOutput, **ALL_ERRORS},
        description="The audit's auditor confirms they have read the moderation's feedback.",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk: int):
        moderation = _read_sent_nothing(request, pk)
        moderation_acknowledge(actor=request.user, moderation=moderation)
        return detail_response(request, pk)

    @extend_schema(
        request=ReassignInput,
        responses={200: ReassignOutput, **error_responses(400, 403)},
        description="A QA lead gives open moderations (waiting or in progress) to another "
        "moderator, or back to the queue (`to`: null), all or none, with a reason kept in each "
        "moderation's history. Never to the audit's own auditor; a blind moderation stays "
        "blind for the new moderator.",
    )
    @action(detail=False, methods=["post"])
    def reassign(self, request):
        core_permissions.require(
            core_permissions.reassign_allowed(user=request.user),
            core_permissions.REASSIGN_REFUSED,
        )
        data = validated(ReassignInput, request)
        moderations = moderations_reassign(
            actor=request.user, moderation_ids=data["ids"], to=data["to"], reason=data["reason"]
        )
        to = data["to"]
        return Response(
            {"reassigned": [m.pk for m in moderations], "to": to.username if to else None}
        )
