"""The moderation sample's pages: the programme's sample, a draw, and audits added or removed
by hand."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, add_service_errors
from core.grades import percent
from core.permissions import programme_for_user, require
from moderation import permissions, sampling, selectors
from moderation.forms import AddToSampleForm, RemoveFromSampleForm, SampleDrawForm
from moderation.services.sample import moderation_add, moderation_remove

SEED_LIMIT = 1_000_000


def _sample_programme(request, programme_id: int):
    programme = programme_for_user(user=request.user, programme_id=programme_id)
    require(
        permissions.programme_sample_visible(user=request.user, programme=programme),
        permissions.SAMPLE_VISIBLE_REFUSED,
    )
    return programme


@login_required
@require_http_methods(["GET", "POST"])
def sample(request, programme_id: int):
    programme = _sample_programme(request, programme_id)
    can_manage = permissions.sample_manage_allowed(user=request.user)
    if request.method == "POST":
        require(can_manage, permissions.SAMPLE_MANAGE_REFUSED)
        form = SampleDrawForm(request.POST)
        if form.is_valid():
            try:
                draw = sampling.sample_draw(
                    actor=request.user,
                    programme=programme,
                    rules=form.rules(),
                    seed=form.cleaned_data["seed"],
                )
            except DomainError as error:
                add_service_errors(form, error)
                return _sample_page(request, programme, draw_form=form, status=error.status_code)
            count = draw.moderations.count()
            messages.success(
                request,
                f"Sample drawn with seed {draw.seed}: {count} audit{'s' if count != 1 else ''} "
                "added to the moderation queue.",
            )
            return redirect("moderation:sample", programme_id=programme.pk)
        return _sample_page(request, programme, draw_form=form, status=400)
    return _sample_page(request, programme, draw_form=_fresh_draw_form(programme))


def _fresh_draw_form(programme) -> SampleDrawForm:
    """Pre-filled with the programme's moderation target (else half) and a fresh seed."""
    target = programme.moderation_target or None
    return SampleDrawForm(
        initial={
            "target": target,
            "percent": None if target else 50,
            "include_good_or_better": True,
            "include_escalations": True,
            "widen_downgrades": 2,
            "widen_window": 3,
            "seed": secrets.randbelow(SEED_LIMIT),
        }
    )


def _sample_page(request, programme, *, draw_form=None, add_form=None, status: int = 200):
    can_manage = permissions.sample_manage_allowed(user=request.user)
    data = selectors.programme_sample(programme=programme)
    for area in data.areas:
        area["percent"] = percent(area["sampled"], area["returned"])
    selectors.for_reader(data.moderations, user=request.user)
    return render(
        request,
        "moderation/sample.html",
        {
            "programme": programme,
            "sample": data,
            "can_manage": can_manage,
            "draw_form": draw_form if can_manage else None,
            "add_form": (add_form or AddToSampleForm()) if can_manage else None,
        },
        status=status,
    )


@login_required
@require_POST
def sample_add(request, programme_id: int):
    programme = _sample_programme(request, programme_id)
    require(permissions.sample_manage_allowed(user=request.user), permissions.SAMPLE_MANAGE_REFUSED)
    form = AddToSampleForm(request.POST)
    status = 400
    if form.is_valid():
        reference = form.cleaned_data["reference"]
        audit = selectors.programme_submitted_audit(programme=programme, reference=reference)
        if audit is None:
            form.add_error(
                "reference",
                f"No submitted audit of case {reference} is in this programme. "
                "Check the reference.",
            )
        else:
            try:
                moderation_add(actor=request.user, audit=audit, reason=form.cleaned_data["reason"])
            except DomainError as error:
                add_service_errors(form, error, fallback="reference")
                status = error.status_code
            else:
                messages.success(request, f"Case {audit.case} added to the moderation sample.")
                return redirect("moderation:sample", programme_id=programme.pk)
    return _sample_page(
        request, programme, add_form=form, draw_form=_fresh_draw_form(programme), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def sample_remove(request, pk: int):
    moderation = permissions.moderation_for_user(user=request.user, moderation_id=pk)
    require(permissions.sample_manage_allowed(user=request.user), permissions.SAMPLE_MANAGE_REFUSED)
    form = RemoveFromSampleForm(request.POST or None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                moderation_remove(
                    actor=request.user, moderation=moderation, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                add_service_errors(form, error, fallback="reason")
                status = error.status_code
            else:
                messages.success(
                    request, f"Case {moderation.audit.case} removed from the moderation sample."
                )
                if moderation.audit.programme_id:
                    return redirect("moderation:sample", programme_id=moderation.audit.programme_id)
                return redirect("moderation:queue")
    return render(
        request,
        "moderation/sample_remove.html",
        {"moderation": moderation, "form": form},
        status=status,
    )
