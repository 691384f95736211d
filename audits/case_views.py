"""A case's page and the search by case reference (the header's search box)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audits.cases import case_history_for_user, case_reference_filter
from core.services.access_log import audit_read_record
from core.validation import CASE_REFERENCE_MAX_LENGTH, validate_case_reference
from moderation.access import audits_visible_to

# More matches than this: the page asks for more of the reference instead of a long list.
SEARCH_LIMIT = 50


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label="Case reference",
        max_length=CASE_REFERENCE_MAX_LENGTH,
        validators=[validate_case_reference],
        help_text="The whole reference opens the case; its start lists the cases it begins.",
        error_messages={"required": "Enter a case reference, or how it starts."},
    )


@login_required
@require_GET
def case_search(request):
    """Cases with audits the user may read whose reference is q or starts with it; an exact
    match opens the case's page. Only readable audits are counted or named."""
    form = CaseSearchForm(request.GET or None)
    context: dict = {"form": form, "cases": None, "more": False}
    if not request.GET:
        return render(request, "audits/case_search.html", context)
    if not form.is_valid():
        return render(request, "audits/case_search.html", context, status=400)
    query = form.cleaned_data["q"]
    cases = list(
        audits_visible_to(request.user)
        .filter(case_reference_filter(query))
        .order_by()
        .values("case__reference")
        .annotate(audits=Count("pk"), latest=Max("month"))
        .order_by("case__reference")[: SEARCH_LIMIT + 1]
    )
    exact = next((c for c in cases if c["case__reference"].lower() == query.lower()), None)
    if exact is not None:
        return redirect("case_detail", reference=exact["case__reference"])
    context.update(cases=cases[:SEARCH_LIMIT], more=len(cases) > SEARCH_LIMIT, query=query)
    return render(request, "audits/case_search.html", context)


@login_required
@require_GET
def case_detail(request, reference: str):
    """Every audit of the case the user may read, in date order, with what followed each."""
    history = case_history_for_user(user=request.user, reference=reference)
    audit_read_record(
        user=request.user,
        channel="page",
        what="case page",
        audits=[item.audit for item in history.audits],
    )
    return render(
        request,
        "audits/case_detail.html",
        {"history": history, "case": history.case, "today": timezone.localdate()},
    )
