from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.permissions import require
from core.services.access_log import audit_read_record
from moderation import permissions
from moderation.access import audit_for_user
from moderation.history import grade_changes_for_audit


@login_required
def audit_history(request, audit_id: int):
    audit = audit_for_user(user=request.user, audit_id=audit_id)
    require(permissions.history_allowed(user=request.user), permissions.HISTORY_REFUSED)
    audit_read_record(user=request.user, audit=audit, channel="page", what="history")
    return render(
        request,
        "moderation/audit_history.html",
        {"audit": audit, "changes": grade_changes_for_audit(audit=audit)},
    )
