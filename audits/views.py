"""The auditor's pages. Access comes from permissions.py, every write from services.py."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audits import captions, selectors
from audits.filters import AUDIT_SORTS
from audits.forms import ActionForm, AuditForm
from audits.import_views import import_audits  # noqa: F401  (the QA lead's upload page)
from core.errors import DATABASE_UNAVAILABLE, DomainError, add_service_errors
from core.filters import known_sort, sort_headers
from core.grades import NAMES as GRADE_NAMES
from core.models import Audit
from core.permissions import (
    ACTION_CREATE_REFUSED,
    REAUDIT_REFUSED,
    action_create_allowed,
    audit_reaudit_allowed,
    audit_write_allowed,
    configure_allowed,
    reassign_allowed,
    require,
)
from core.services.access_log import audit_read_record
from core.services.actions import action_create, action_status_set
from core.services.audits import audit_reaudit_start, audit_save_draft
from flows import audits as audit_flows
from moderation import selectors as moderation_selectors
from moderation.access import action_for_user, audit_for_user, audits_visible_to
from moderation.models import Moderation
from moderation.permissions import moderations_visible_to
from moderation.selectors import rework_request

logger = logging.getLogger(__name__)


@login_required
def my_audits(request):
    today = timezone.localdate()
    audits = list(selectors.audits_of_auditor(user=request.user))
    to_do = [a for a in audits if a.is_editable()]
    return render(
        request,
        "audits/my_audits.html",
        {
            "to_do": to_do,
            "overdue_count": sum(1 for a in to_do if a.is_overdue(today)),
            "submitted": [a for a in audits if not a.is_editable()],
            "today": today,
        },
    )


AUDIT_SORT_LABELS = [
    ("case", "Case"),
    ("team", "Team"),
    ("auditor", "Auditor"),
    ("tool", "Audit"),
    ("month", "Month"),
    ("overall", "Overall"),
    ("status", "Status"),
]


@login_required
def audit_list(request):
    query = known_sort(request.GET, AUDIT_SORTS)
    audit_filter = selectors.audit_filter_for_user(user=request.user, data=query)
    # A drill-down says what was counted: in words, and the grades it counted as columns.
    captions.apply_page_hints(audit_filter.form)
    columns = captions.counted_columns(audit_filter)
    rows = audit_filter.with_counted_grades(audit_filter.qs, columns)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for audit in page.object_list:
        audit.counted = [GRADE_NAMES.get(getattr(audit, key) or "", "–") for key, _ in columns]
    kept = query.copy()
    kept.pop("page", None)
    return render(
        request,
        "audits/audit_list.html",
        {
            "filter": audit_filter,
            "sort": query.get("sort", ""),
            "headers": {
                h["key"]: h
                for h in sort_headers(
                    query, keys=AUDIT_SORT_LABELS, current=query.get("sort", "-month")
                )
            },
            "page_obj": page,
            "querystring": kept.urlencode(),
            "can_export_for_import": configure_allowed(user=request.user),
            "description": captions.filter_description(audit_filter),
            "counted_headings": [heading for _, heading in columns],
        },
    )


@login_required
def audit_detail(request, audit_id: int):
    audit = audit_for_user(user=request.user, audit_id=audit_id)
    audit_read_record(user=request.user, audit=audit, channel="page", what="audit")
    links = _moderation_links(request.user, audit)
    return render(
        request,
        "audits/audit_detail.html",
        {
            "audit": audit,
            **links,
            **_both_grades(request.user, audit, links["moderations"]),
            "grades": audit.grades.select_related("domain").order_by("domain__position"),
            "actions": audit.actions.select_related("owner_person"),
            "can_edit": audit.is_editable() and audit_write_allowed(user=request.user, audit=audit),
            "can_act": action_create_allowed(user=request.user, audit=audit),
            "can_reaudit": audit.status == Audit.Status.SUBMITTED
            and audit_reaudit_allowed(user=request.user, audit=audit),
            "can_reassign": reassign_allowed(user=request.user),
            "action_form": ActionForm(),
            "today": timezone.localdate(),
        },
    )


def _both_grades(user, audit: Audit, moderations: list[Moderation]) -> dict:
    """The moderator's grades beside the auditor's, from the completed moderation the user
    may read; nothing while the blind rule hides the auditor's grades. Showing them is a read
    of the moderation, so the access log records it as one."""
    completed = next((m for m in moderations if m.status == Moderation.Status.COMPLETED), None)
    if completed is None:
        return {}
    moderation = moderation_selectors.moderation_detail_for_user(
        user=user, moderation_id=completed.pk
    )
    if moderation.auditor_grades_hidden():
        return {}
    audit_read_record(user=user, audit=audit, channel="page", what="moderation")
    return {
        "moderated": moderation,
        "both_grades": moderation_selectors.moderation_comparison(moderation),
        "both_overall": moderation_selectors.moderation_overall_comparison(moderation),
    }


def _moderation_links(user, audit: Audit) -> dict:
    """The audit's moderations the user may read, and its earlier and later revisions."""
    visible = audits_visible_to(user)
    return {
        "moderations": list(
            moderations_visible_to(user).filter(audit=audit).select_related("moderator")
        ),
        "earlier_revision": visible.filter(pk=audit.revision_of_id).first()
        if audit.revision_of_id
        else None,
        "later_revision": visible.filter(revision_of=audit).first(),
    }


@login_required
def audit_edit(request, audit_id: int):
    audit = audit_for_user(user=request.user, audit_id=audit_id, write=True)
    if not audit.is_editable():
        messages.info(request, "This audit has been submitted: its grades can no longer change.")
        return redirect(audit)
    domains = list(audit.tool.domains.order_by("position"))
    form = AuditForm(request.POST or None, audit=audit, domains=domains)
    unavailable = False
    if request.method == "POST" and form.is_valid():
        submitting = request.POST.get("intent") == "submit"
        try:
            if submitting:
                audit_flows.audit_submit(
                    audit=audit,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                    content=form.content(),
                )
                messages.success(request, f"Audit of case {audit.case.reference} submitted.")
                return redirect(audit)
            audit_save_draft(
                audit=audit,
                actor=request.user,
                version=form.cleaned_data["version"],
                content=form.content(),
            )
            messages.success(request, "Draft saved. You can come back to it later.")
            return redirect("audit_edit", audit_id=audit.pk)
        except DomainError as error:
            add_service_errors(form, error)
        except (OperationalError, InterfaceError) as error:
            # The connection dropped mid-save: the transaction rolled back as a whole, so the
            # draft is as last saved. Show the form again with what they typed, not a 500.
            # (The log names the audit and the error type only: no content of the audit.)
            logger.warning("Database unavailable saving audit %s: %s", audit.pk, type(error))
            form.add_error(None, DATABASE_UNAVAILABLE)
            unavailable = True
    return render(
        request,
        "audits/audit_form.html",
        {
            "audit": audit,
            "form": form,
            "sections": list(form.sections()),
            "rework": rework_request(audit=audit),
        },
        status=503 if unavailable else 400 if form.errors else 200,
    )


@login_required
@require_POST
def action_add(request, audit_id: int):
    audit = audit_for_user(user=request.user, audit_id=audit_id)
    require(action_create_allowed(user=request.user, audit=audit), ACTION_CREATE_REFUSED)
    form = ActionForm(request.POST)
    if form.is_valid():
        try:
            action_create(audit=audit, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action added.")
            return redirect(audit)
    return render(
        request,
        "audits/action_form.html",
        {"audit": audit, "form": form},
        status=400,
    )


@login_required
@require_POST
def action_status(request, action_id: int):
    action = action_for_user(user=request.user, action_id=action_id, write=True)
    status = request.POST.get("status", "")
    try:
        action_status_set(action=action, actor=request.user, status=status)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Action updated.")
    return redirect(action.audit)


@login_required
@require_POST
def audit_reaudit(request, audit_id: int):
    original = audit_for_user(user=request.user, audit_id=audit_id)
    require(audit_reaudit_allowed(user=request.user, audit=original), REAUDIT_REFUSED)
    try:
        audit = audit_reaudit_start(actor=request.user, original=original)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(original)
    messages.success(
        request, "Re-audit started: grade it afresh. The earlier audit is linked for comparison."
    )
    return redirect("audit_edit", audit_id=audit.pk)
