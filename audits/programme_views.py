"""The monthly programme pages: list, open and edit, sample, and assign cases.

Anyone with a role reads programmes; only a QA lead opens, edits, samples and assigns.
Access comes from permissions.py, every write from services.py, reads from selectors.py
and the cases proposed from case_proposals.py.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from audits import case_proposals, selectors
from audits.programme_forms import AddCaseForm, ProgrammeCreateForm, ProgrammeEditForm, SampleForm
from core.errors import DomainError, add_service_errors
from core.models import Programme
from core.permissions import (
    CONFIGURE_REFUSED,
    PROGRAMMES_REFUSED,
    configure_allowed,
    programme_for_user,
    programmes_visible,
    require,
)
from core.services import programmes
from moderation.access import audits_visible_to
from moderation.permissions import programme_sample_visible

SEED_LIMIT = 1_000_000


@login_required
def programme_list(request):
    require(programmes_visible(user=request.user), PROGRAMMES_REFUSED)
    return render(
        request,
        "audits/programme_list.html",
        {
            "programmes": selectors.programme_list_with_compliance(),
            "can_configure": configure_allowed(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    form = ProgrammeCreateForm(
        request.POST if request.method == "POST" else None,
        tools=selectors.programme_tool_choices(),
    )
    if form.is_bound and form.is_valid():
        try:
            programme = programmes.programme_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Programme for {programme.month:%B %Y} opened.")
            return redirect("programme_detail", programme_id=programme.pk)
    return render(
        request,
        "audits/programme_form.html",
        {"form": form, "programme": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, programme_id: int):
    programme = programme_for_user(user=request.user, programme_id=programme_id, write=True)
    initial = {name: getattr(programme, name) for name in ProgrammeEditForm.base_fields}
    initial["blind_moderation"] = "yes" if programme.blind_moderation else "no"
    form = ProgrammeEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            changes = {
                k: v
                for k, v in form.cleaned_data.items()
                if v is not None or k != "blind_moderation"
            }
            programmes.programme_update(programme=programme, actor=request.user, **changes)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Programme updated.")
            return redirect("programme_detail", programme_id=programme.pk)
    return render(
        request,
        "audits/programme_form.html",
        {"form": form, "programme": programme},
        status=400 if form.errors else 200,
    )


@login_required
def programme_detail(request, programme_id: int):
    programme = programme_for_user(user=request.user, programme_id=programme_id)
    return _detail(request, programme, add_form=None)


@login_required
@require_POST
def programme_add_case(request, programme_id: int):
    programme = programme_for_user(user=request.user, programme_id=programme_id, write=True)
    form = AddCaseForm(request.POST, auditors=selectors.auditor_choices())
    if form.is_valid():
        data = form.cleaned_data
        case = selectors.case_by_reference_for_user(user=request.user, reference=data["reference"])
        if case is None:
            form.add_error("reference", "No case has this reference. Check it and try again.")
        else:
            try:
                programmes.programme_assign(
                    programme=programme,
                    actor=request.user,
                    assignments=[(case, data["auditor"], data["resample_reason"])],
                )
            except DomainError as error:
                add_service_errors(form, error, renamed={"case": "reference"})
            else:
                auditor = data["auditor"]
                messages.success(
                    request,
                    f"Case {case.reference} assigned to {auditor.get_full_name() or auditor}.",
                )
                return redirect("programme_detail", programme_id=programme.pk)
    return _detail(request, programme, add_form=form, status=400)


def _detail(request, programme: Programme, *, add_form: AddCaseForm | None, status: int = 200):
    can_configure = configure_allowed(user=request.user)
    if can_configure and add_form is None:
        add_form = AddCaseForm(auditors=selectors.auditor_choices())
    compliance = selectors.programme_compliance(programme=programme)
    assignments = selectors.programme_assignments(
        programme=programme, visible=audits_visible_to(request.user)
    )
    return render(
        request,
        "audits/programme_detail.html",
        {
            "programme": programme,
            "compliance": compliance,
            "assignments": list(assignments),
            "can_configure": can_configure,
            "can_see_sample": programme_sample_visible(user=request.user, programme=programme),
            "add_form": add_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_sample(request, programme_id: int):
    programme = programme_for_user(user=request.user, programme_id=programme_id, write=True)
    compliance = selectors.programme_compliance(programme=programme)
    if request.method == "POST":
        form = SampleForm(request.POST)
    elif request.GET:
        form = SampleForm(request.GET)
    else:
        # A fresh seed each visit, shown in the form so the lead can draw the same sample again.
        remaining = programme.audit_target - compliance["assigned"]
        form = SampleForm(
            initial={"size": max(remaining, 1), "seed": secrets.randbelow(SEED_LIMIT)}
        )
    sample = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        sample = case_proposals.programme_case_proposals(
            programme=programme,
            size=data["size"],
            seed=data["seed"],
            service_area=data["service_area"],
        )
        if request.method == "POST" and _assign_sample(
            request, programme, form, sample, assigned_now=compliance["assigned"]
        ):
            return redirect("programme_detail", programme_id=programme.pk)
    return render(
        request,
        "audits/programme_sample.html",
        {"programme": programme, "compliance": compliance, "form": form, "sample": sample},
        status=400 if form.errors else 200,
    )


def _assign_sample(
    request, programme: Programme, form: SampleForm, sample, *, assigned_now: int
) -> bool:
    """Assign the redrawn sample; False (with the reason on the form) if nothing was."""
    if form.cleaned_data["assigned"] != assigned_now:
        form.add_error(
            None,
            "Nothing was assigned: cases have been added to the programme since this "
            "sample was drawn. Check the sample below, then assign it.",
        )
        return False
    if not sample:
        messages.info(request, "No cases are eligible: nothing was assigned.")
        return True
    try:
        audits = programmes.programme_assign(
            programme=programme,
            actor=request.user,
            # Sampled cases were not audited in the last 12 months: no reason to give.
            assignments=[(row.case, row.auditor, "") for row in sample],
        )
    except DomainError as error:
        form.add_error(None, f"Nothing was assigned. {error.message}")
        return False
    count = len(audits)
    messages.success(request, f"{count} case{'s' if count != 1 else ''} assigned.")
    return True
