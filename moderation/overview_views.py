"""The QA lead's overview of feedback the auditors have not yet acknowledged."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.models import Team, User
from core.permissions import require
from moderation import permissions, selectors


def _name(user: User) -> str:
    return user.get_full_name() or user.username


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _name(obj)


class FeedbackOverviewForm(forms.Form):
    team = forms.ModelChoiceField(
        label="Auditor's team",
        queryset=Team.objects.select_related("service_area"),
        required=False,
        empty_label="Any team",
        error_messages={"invalid_choice": "Choose a team from the list."},
    )
    person = PersonChoice(
        label="Person",
        queryset=User.objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username"
        ),
        required=False,
        empty_label="Anyone",
        help_text="The auditor it was given to, or the moderator who gave it.",
        error_messages={"invalid_choice": "Choose a person from the list."},
    )


@login_required
@require_GET
def feedback_overview(request):
    """Who gave feedback to whom, since when, on which audit: what the auditors have not yet
    acknowledged, waiting longest first, by team or person."""
    require(
        permissions.feedback_overview_allowed(user=request.user),
        permissions.FEEDBACK_OVERVIEW_REFUSED,
    )
    form = FeedbackOverviewForm(request.GET or None)
    if request.GET and not form.is_valid():
        waiting = selectors.feedback_unacknowledged().none()
        status = 400
    else:
        data = form.cleaned_data if request.GET else {}
        waiting = selectors.feedback_unacknowledged(
            team=data.get("team"), person=data.get("person")
        )
        status = 200
    query = {k: v for k, v in request.GET.items() if k in ("team", "person") and v}
    return render(
        request,
        "moderation/feedback_overview.html",
        {
            "form": form,
            "page_obj": Paginator(waiting, 50).get_page(request.GET.get("page")),
            "querystring": urlencode(query),
            "filtered": bool(query),
            "now": timezone.now(),
        },
        status=status,
    )
