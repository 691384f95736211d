from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from audits import selectors
from core.forms import CaseReferenceField
from core.permissions import CONFIGURE_REFUSED, configure_allowed, require


class CaseAccessForm(forms.Form):
    reference = CaseReferenceField(
        help_text="The case reference in the case-management system, for example LCS-100123.",
        error_messages={"required": "Enter a case reference."},
    )


@login_required
def case_access(request):
    """QA leads list who read the audits of a case: the record a subject access request needs."""
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    form = CaseAccessForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "case": None, "page_obj": None, "searched": False}
    status = 200
    if request.GET and form.is_valid():
        case, reads = selectors.case_reads(reference=form.cleaned_data["reference"])
        if case is None:
            form.add_error("reference", "No case has this reference.")
            status = 404
        else:
            context.update(
                case=case,
                page_obj=Paginator(reads, 50).get_page(request.GET.get("page")),
                querystring=urlencode({"reference": case.reference}),
            )
    elif request.GET:
        status = 400
    return render(request, "audits/case_access.html", context, status=status)
