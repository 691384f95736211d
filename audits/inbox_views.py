"""The inbox: everything that waits for the signed-in person, each item linking to where it
is done (audits.inbox defines what waits)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audits.inbox import header_count_keep, inbox_for_user
from core.permissions import configure_allowed, reassign_allowed
from moderation.permissions import feedback_overview_allowed


def _qa_links(user) -> list[tuple[str, str]]:
    """The QA lead's pages for following the team's work, each offered by its own rule."""
    links = []
    if feedback_overview_allowed(user=user):
        links.append(("Feedback not yet acknowledged", reverse("moderation:feedback_overview")))
    if reassign_allowed(user=user):
        links.append(("Reassign audits and moderations", reverse("reassign")))
    if configure_allowed(user=user):
        links.append(("What a person read (access log by person)", reverse("person_access")))
        links.append(("Who read a case's audits (access log by case)", reverse("case_access")))
    return links


@login_required
@require_GET
def inbox(request):
    own, team = inbox_for_user(user=request.user)
    waiting = sum(len(s.items) for s in own)
    # The header on this page shows the count of the list below it, never an older one.
    header_count_keep(user=request.user, count=waiting)
    return render(
        request,
        "audits/inbox.html",
        {
            "own": own,
            "team": team,
            "waiting": waiting,
            "qa_links": _qa_links(request.user),
        },
    )
