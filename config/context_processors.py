from django.conf import settings
from django.db import DatabaseError
from django.urls import reverse

from audits.inbox import header_count
from core.errors import SHARED_STATE_ERRORS
from core.permissions import (
    audit_list_in_menu,
    configure_allowed,
    has_any_role,
    my_audits_in_menu,
    programmes_visible,
    staff_manage_allowed,
    tools_configure_allowed,
)
from moderation.permissions import escalations_in_menu, feedback_in_menu, queue_visible
from reporting.permissions import reports_readable


def _inbox_text(user) -> str:
    """What waits for them (audits.inbox: one query, kept for a short while), on every page. The
    error pages render this header too: a database that is busy or gone must not turn "try
    again" into a 500, so then the link goes without its count."""
    try:
        return f"Inbox ({header_count(user=user)})"
    except (DatabaseError, *SHARED_STATE_ERRORS):
        return "Inbox"


def navigation(request):
    """The header's links, by role: people see only the parts of the service they use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [(_inbox_text(user), reverse("inbox"))]
    if my_audits_in_menu(user=user):
        items.append(("My audits", reverse("my_audits")))
    if programmes_visible(user=user):
        items.append(("Programmes", reverse("programme_list")))
    if audit_list_in_menu(user=user):
        items.append(("All audits", reverse("audit_list")))
    if has_any_role(user):
        # Every action on the audits they may read, followed until done.
        items.append(("Actions", reverse("action_list")))
    if queue_visible(user=user):
        items.append(("Moderation", reverse("moderation:queue")))
    if escalations_in_menu(user=user):
        items.append(("Escalations", reverse("moderation:escalations")))
    if reports_readable(user=user):
        items.append(("Reports", reverse("reports:monthly")))
    if feedback_in_menu(user=user):
        items.append(("My feedback", reverse("moderation:feedback")))
    if tools_configure_allowed(user=user):
        items.append(("Audit tools", reverse("tool_list")))
    if configure_allowed(user=user):
        items.append(("Import", reverse("import_audits")))
        items.append(("Access log", reverse("case_access")))
        if settings.OIDC_ENABLED:
            items.append(("Sign-in groups", reverse("sign_in_groups")))
    if staff_manage_allowed(user=user):
        items.append(("Staff", reverse("staff:people")))
    items.append(("API", reverse("api_docs")))
    path = request.path
    return {
        # The header's search box: a case by its reference (audits.case_views).
        "case_search": has_any_role(user),
        "nav": [
            {"text": text, "href": href, "active": path.startswith(href) and href != "/"}
            for text, href in items
        ],
    }
