from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from audits import selectors
from audits.forms import DATE_FORMATS
from core.forms import CaseReferenceField
from core.models import User
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


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        left = "" if obj.is_active else " (left)"
        return f"{selectors.person_name(obj)}{left}"


def _date_field(label: str, words: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text="Optional. For example, 1/11/2026",
        error_messages={"invalid": f"Enter the {words} as a real date, like 1/11/2026."},
    )


class PersonAccessForm(forms.Form):
    person = PersonChoice(
        label="Person",
        queryset=User.objects.order_by("first_name", "last_name", "username"),
        empty_label="Choose a person",
        error_messages={
            "required": "Choose a person.",
            "invalid_choice": "Choose a person from the list.",
        },
    )
    since = _date_field("From", "start date")
    until = _date_field("To", "end date")

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date must be the same as or after the start date.")
        return data


@login_required
def person_access(request):
    """QA leads list everything one person read or exported between dates: investigations."""
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    form = PersonAccessForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "person": None, "page_obj": None}
    status = 200
    if request.GET and form.is_valid():
        data = form.cleaned_data
        reads = selectors.person_reads(
            person=data["person"], since=data["since"], until=data["until"]
        )
        query = {"person": data["person"].pk}
        query.update({k: f"{data[k]:%d/%m/%Y}" for k in ("since", "until") if data[k]})
        context.update(
            person=data["person"],
            since=data["since"],
            until=data["until"],
            page_obj=Paginator(reads, 50).get_page(request.GET.get("page")),
            querystring=urlencode(query),
        )
    elif request.GET:
        status = 400
    return render(request, "audits/person_access.html", context, status=status)
