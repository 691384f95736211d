"""The inbox: everything that waits for the signed-in person, each item linking to where it
is done (audits.inbox defines what waits)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audits.inbox import inbox_for_user


@login_required
@require_GET
def inbox(request):
    own, team = inbox_for_user(user=request.user)
    return render(
        request,
        "audits/inbox.html",
        {"own": own, "team": team, "waiting": sum(len(s.items) for s in own)},
    )
