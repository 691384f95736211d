"""The escalation pages: the list, and one escalation with the head of service's response."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import DomainError, add_service_errors
from core.models import Audit
from core.permissions import require
from core.services.access_log import audit_read_record
from moderation import permissions, selectors
from moderation.access import audits_visible_to
from moderation.forms import EscalationResponseForm
from moderation.models import Escalation
from moderation.services.escalations import escalation_respond


@login_required
def escalation_list(request):
    require(
        permissions.escalation_list_visible(user=request.user),
        permissions.ESCALATION_LIST_REFUSED,
    )
    rows = list(selectors.escalation_list_for_user(user=request.user))
    return render(
        request,
        "moderation/escalation_list.html",
        {
            "open": [r for r in rows if r.status == Escalation.Status.OPEN],
            "closed": sorted(
                (r for r in rows if r.status == Escalation.Status.CLOSED),
                key=lambda r: r.responded_at or timezone.now(),
                reverse=True,
            ),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def escalation_detail(request, pk: int):
    user = request.user
    escalation = permissions.escalation_for_user(user=user, escalation_id=pk)
    can_respond = escalation.status == Escalation.Status.OPEN and permissions.respond_allowed(
        user=user, escalation=escalation
    )
    form = None
    status = 200
    if request.method == "POST":
        require(
            permissions.respond_allowed(user=user, escalation=escalation),
            permissions.RESPOND_REFUSED,
        )
        form = EscalationResponseForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                escalation_respond(
                    actor=user, escalation=escalation, response=form.cleaned_data["response"]
                )
            except DomainError as error:
                add_service_errors(form, error, fallback="response")
                status = error.status_code
            else:
                messages.success(request, "Response recorded. The escalation is closed.")
                return redirect(escalation)
    elif can_respond:
        form = EscalationResponseForm()
    audit: Audit = escalation.audit
    audit_read_record(user=user, audit=audit, channel="page", what="escalation")
    return render(
        request,
        "moderation/escalation_detail.html",
        {
            "escalation": escalation,
            "audit": audit,
            "audit_visible": audits_visible_to(user).filter(pk=audit.pk).exists(),
            "moderation_visible": escalation.moderation_id is not None
            and permissions.moderations_visible_to(user)
            .filter(pk=escalation.moderation_id)
            .exists(),
            "form": form,
            "today": timezone.localdate(),
        },
        status=status,
    )
