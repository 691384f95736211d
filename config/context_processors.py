from django.urls import reverse

from core.permissions import has_any_role


def navigation(request):
    """The header's links, by role: people see only the parts of the service they use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [("My audits", reverse("my_audits"))]
    if has_any_role(user):
        items.append(("Programmes", reverse("programme_list")))
    if user.is_qa_lead or user.is_viewer or user.is_moderator:
        items.append(("All audits", reverse("audit_list")))
    if has_any_role(user):
        # Every action on the audits they may read, followed until done.
        items.append(("Actions", reverse("action_list")))
    if user.is_qa_lead or user.is_moderator:
        items.append(("Moderation", reverse("moderation:queue")))
    if user.is_qa_lead or user.is_viewer or user.is_moderator:
        items.append(("Escalations", reverse("moderation:escalations")))
    if user.is_qa_lead or user.is_viewer or user.is_moderator:
        items.append(("Reports", reverse("reports:monthly")))
    if user.is_auditor:
        items.append(("My feedback", reverse("moderation:feedback")))
    if user.is_qa_lead:
        items.append(("Import", reverse("import_audits")))
        items.append(("Access log", reverse("case_access")))
    items.append(("API", reverse("api_docs")))
    path = request.path
    return {
        "nav": [
            {"text": text, "href": href, "active": path.startswith(href) and href != "/"}
            for text, href in items
        ]
    }
