"""The moderation pages: queue, moderation form and feedback (the sample's pages are in
sample_views.py, the escalations' in escalation_views.py).

Access comes from permissions.py, reads from selectors.py and every write from services/
(sampling.py for a draw). A refused change (DomainError) is shown on the page as a form error
with the status the API would give (400, or 409 for a claim or save someone else won).
"""

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, add_service_errors
from core.filters import known_sort, sort_headers
from core.grades import grade_shift
from core.models import DomainGrade
from core.permissions import require
from core.services.access_log import audit_read_record
from flows import moderation as moderation_flows
from moderation import permissions, selectors
from moderation.access import audits_visible_to
from moderation.filters import MODERATION_SORTS
from moderation.forms import ModerationForm, QueueFilterForm, ReworkForm
from moderation.models import ModeratedGrade, Moderation
from moderation.services.claims import moderation_claim, moderation_release
from moderation.services.moderating import (
    moderation_acknowledge,
    moderation_reveal,
    moderation_save_draft,
)


def _error_form(error: DomainError) -> django_forms.Form:
    """A fieldless form holding a refused button press, for the page's error summary."""
    form = django_forms.Form(data={})
    form.is_valid()
    form.add_error(None, error.message)
    return form


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


# ---------------------------------------------------------------- queue


@login_required
def queue(request):
    require(permissions.queue_visible(user=request.user), permissions.QUEUE_REFUSED)
    return _queue_page(request)


WAITING_SORTS = [
    ("case", "Case"),
    ("area", "Service area and team"),
    ("auditor", "Auditor"),
    ("sampled", "Waiting"),
]
CLAIMED_SORTS = [
    ("case", "Case"),
    ("area", "Service area"),
    ("moderator", "Moderator"),
    ("claimed", "Claimed"),
]


def _headers(query, keys, current: str) -> dict[str, dict]:
    return {h["key"]: h for h in sort_headers(query, keys=keys, current=current)}


def _queue_page(request, *, error_form=None, status: int = 200):
    user = request.user
    filter_form = QueueFilterForm(request.GET or None)
    filters = {}
    if filter_form.is_bound and filter_form.is_valid():
        filters = {name: value.pk for name, value in filter_form.cleaned_data.items() if value}
    query = known_sort(request.GET, MODERATION_SORTS)
    sort = query.get("sort", "")
    if sort:
        filters["sort"] = sort
    rows = list(selectors.moderation_queue(user=user, filters=filters))
    for row in selectors.for_reader(rows, user=user):
        row.claim_allowed = permissions.claim_allowed(user=user, moderation=row)
        row.wrote_it = row.audit.auditor_id == user.pk
    return render(
        request,
        "moderation/queue.html",
        {
            "filter_form": filter_form,
            "error_form": error_form,
            "waiting": [r for r in rows if r.status == Moderation.Status.SAMPLED],
            "claimed": [
                r
                for r in rows
                if r.status == Moderation.Status.CLAIMED and r.moderator_id != user.pk
            ],
            "yours": [
                r
                for r in rows
                if r.status == Moderation.Status.CLAIMED and r.moderator_id == user.pk
            ],
            "querystring": query.urlencode(),
            "sort": sort,
            "waiting_headers": _headers(query, WAITING_SORTS, sort or "sampled"),
            "claimed_headers": _headers(query, CLAIMED_SORTS, sort or "sampled"),
        },
        status=status,
    )


@login_required
@require_POST
def claim(request, pk: int):
    moderation = permissions.moderation_for_user(user=request.user, moderation_id=pk)
    try:
        moderation_claim(actor=request.user, moderation=moderation)
    except DomainError as error:
        return _queue_page(request, error_form=_error_form(error), status=error.status_code)
    messages.success(request, f"You have claimed the audit of case {moderation.audit.case}.")
    return redirect("moderation:detail", pk=moderation.pk)


@login_required
@require_POST
def release(request, pk: int):
    moderation = permissions.moderation_for_user(user=request.user, moderation_id=pk)
    try:
        moderation_release(actor=request.user, moderation=moderation)
    except DomainError as error:
        return _queue_page(request, error_form=_error_form(error), status=error.status_code)
    messages.success(
        request, f"The audit of case {moderation.audit.case} is back in the queue for others."
    )
    return redirect("moderation:queue")


# ---------------------------------------------------------------- moderation form


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, pk: int):
    moderation = selectors.moderation_detail_for_user(user=request.user, moderation_id=pk)
    if request.method == "GET":
        audit_read_record(
            user=request.user, audit=moderation.audit, channel="page", what="moderation"
        )
    editing = moderation.status == Moderation.Status.CLAIMED and permissions.moderate_allowed(
        user=request.user, moderation=moderation
    )
    if request.method == "POST":
        require(editing, permissions.MODERATE_REFUSED)
    if not editing:
        return _read_only(request, moderation)
    domains = [row.domain for row in moderation.grades.select_related("domain")]
    form = ModerationForm(request.POST or None, moderation=moderation, domains=domains)
    status = 200
    if request.method == "POST" and form.is_valid():
        intent = request.POST.get("intent", "save")
        version = form.cleaned_data["version"]
        try:
            return _moderate(request, moderation, intent, version, form.content())
        except DomainError as error:
            add_service_errors(form, error)
            status = error.status_code
    elif form.errors:
        status = 400
    return _form_page(
        request, moderation, form, ReworkForm(initial={"version": moderation.version}), status
    )


def _moderate(request, moderation: Moderation, intent: str, version: int, content):
    actor = request.user
    case = moderation.audit.case
    if intent == "reveal":
        moderation_reveal(actor=actor, moderation=moderation, version=version, content=content)
        messages.success(
            request,
            "Your first grades are recorded. The auditor's grades are now shown beside yours.",
        )
        return redirect("moderation:detail", pk=moderation.pk)
    if intent == "complete":
        moderation_flows.moderation_complete(
            actor=actor, moderation=moderation, version=version, content=content
        )
        messages.success(request, f"Moderation of case {case} completed. The auditor is told.")
        return redirect("moderation:detail", pk=moderation.pk)
    moderation_save_draft(actor=actor, moderation=moderation, version=version, content=content)
    messages.success(request, "Draft saved. You can come back to it later.")
    return redirect("moderation:detail", pk=moderation.pk)


def _form_page(request, moderation: Moderation, form, rework_form, status: int):
    comparison = {row.code: row for row in selectors.moderation_comparison(moderation)}
    hidden = moderation.auditor_grades_hidden()
    selectors.for_reader([moderation], user=request.user)
    return render(
        request,
        "moderation/moderation_form.html",
        {
            "moderation": moderation,
            "audit": moderation.audit,
            "form": form,
            "rework_form": rework_form,
            "sections": list(form.sections(comparison)),
            "overall": selectors.moderation_overall_comparison(moderation),
            "hidden": hidden,
            "revealed": form.revealed,
        },
        status=status,
    )


@login_required
@require_POST
def return_for_rework(request, pk: int):
    moderation = selectors.moderation_detail_for_user(user=request.user, moderation_id=pk)
    require(
        permissions.moderate_allowed(user=request.user, moderation=moderation),
        permissions.MODERATE_REFUSED,
    )
    rework_form = ReworkForm(request.POST)
    status = 400
    if rework_form.is_valid():
        try:
            moderation_flows.moderation_return_for_rework(
                actor=request.user,
                moderation=moderation,
                version=rework_form.cleaned_data["version"],
                comment=rework_form.cleaned_data["rework_comment"],
            )
        except DomainError as error:
            add_service_errors(rework_form, error)
            status = error.status_code
        else:
            messages.success(
                request,
                f"The audit of case {moderation.audit.case} is returned to the auditor for rework.",
            )
            return redirect("moderation:queue")
    if moderation.status != Moderation.Status.CLAIMED:
        return _read_only(request, moderation, error_form=rework_form, status=status)
    domains = [row.domain for row in moderation.grades.select_related("domain")]
    form = ModerationForm(moderation=moderation, domains=domains)
    return _form_page(request, moderation, form, rework_form, status)


def _read_only(request, moderation: Moderation, *, error_form=None, status: int = 200):
    user = request.user
    comparison = selectors.moderation_comparison(moderation)
    overall = selectors.moderation_overall_comparison(moderation)
    hidden = moderation.auditor_grades_hidden()
    selectors.for_reader([moderation], user=user)
    return render(
        request,
        "moderation/moderation_detail.html",
        {
            "moderation": moderation,
            "audit": moderation.audit,
            "rows": comparison,
            "overall": overall,
            "hidden": hidden,
            "escalation": selectors.moderation_escalation(moderation),
            "audit_visible": audits_visible_to(user).filter(pk=moderation.audit_id).exists(),
            "error_form": error_form,
            "can_claim": moderation.status == Moderation.Status.SAMPLED
            and permissions.claim_allowed(user=user, moderation=moderation),
            "can_release": moderation.status == Moderation.Status.CLAIMED
            and permissions.release_allowed(user=user, moderation=moderation),
            "can_acknowledge": moderation.status == Moderation.Status.COMPLETED
            and moderation.acknowledged_at is None
            and permissions.acknowledge_allowed(user=user, moderation=moderation),
            "moderator_name": _name(moderation.moderator),
            "queue_visible": permissions.queue_visible(user=user),
        },
        status=status,
    )


# ---------------------------------------------------------------- feedback


def _outcomes(moderation: Moderation) -> dict:
    """Domain outcomes counted, and the overall outcome, from prefetched grades."""
    auditor = {g.domain_id: g.grade for g in moderation.audit.grades.all()}
    counts = {"agreed": 0, "upgraded": 0, "downgraded": 0, "changed": 0}
    for row in moderation.grades.all():
        before = auditor.get(row.domain_id)
        if before and row.grade:
            counts[grade_shift(before, row.grade)[0]] += 1
    outcome, steps = grade_shift(moderation.audit.overall, moderation.overall)
    return {**counts, "overall": outcome, "overall_steps": steps}


@login_required
def feedback(request):
    return _feedback_page(request)


def _feedback_page(request, *, error_form=None, status: int = 200):
    user = request.user
    require(permissions.feedback_visible(user=user), permissions.FEEDBACK_REFUSED)
    rows = list(selectors.feedback_for_user(user=user))
    prefetch_related_objects(
        rows,
        Prefetch(
            "grades", queryset=ModeratedGrade.objects.only("moderation_id", "domain_id", "grade")
        ),
        Prefetch(
            "audit__grades", queryset=DomainGrade.objects.only("audit_id", "domain_id", "grade")
        ),
    )
    for row in rows:
        row.outcomes = _outcomes(row)  # type: ignore[attr-defined]  # for the template
    audit_read_record(
        user=user, audits=[row.audit for row in rows], channel="page", what="feedback"
    )
    mine = sorted(
        (r for r in rows if r.audit.auditor_id == user.pk),
        key=lambda r: r.acknowledged_at is not None,
    )
    return render(
        request,
        "moderation/feedback.html",
        {
            "mine": mine,
            "managed": [r for r in rows if r.audit.auditor_id != user.pk],
            "error_form": error_form,
        },
        status=status,
    )


@login_required
@require_POST
def acknowledge(request, pk: int):
    moderation = permissions.moderation_for_user(user=request.user, moderation_id=pk)
    try:
        moderation_acknowledge(actor=request.user, moderation=moderation)
    except DomainError as error:
        return _feedback_page(request, error_form=_error_form(error), status=error.status_code)
    messages.success(request, f"Thank you: feedback on case {moderation.audit.case} acknowledged.")
    return redirect("moderation:feedback")
