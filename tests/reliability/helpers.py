"""Small helpers shared by the reliability tests."""

from rest_framework.test import APIClient

from core.models import Audit

ESCALATION_REASON = "No protection plan after a second referral."


def tab(user) -> APIClient:
    """An API client signed in as the user (one browser tab)."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def submit_form(audit: Audit) -> dict:
    """The whole audit form, completed Inadequate and escalated, as the auditor submits it."""
    data = {
        "intent": "submit",
        "version": audit.version,
        "overall": "I",
        "escalated": "on",
        "escalation_reason": ESCALATION_REASON,
        "worried_about": "Typed just before submitting.",
    }
    for domain in audit.tool.domains.all():
        data[f"grade_{domain.code}"] = "I"
        data[f"evidence_{domain.code}"] = f"Typed evidence for {domain.code}."
    return data


def submit_body(audit: Audit) -> dict:
    """The same as an API body."""
    return {
        "version": audit.version,
        "overall": "I",
        "escalated": True,
        "escalation_reason": ESCALATION_REASON,
        "worried_about": "Typed just before submitting.",
        "grades": {
            d.code: {"grade": "I", "evidence": f"Typed evidence for {d.code}."}
            for d in audit.tool.domains.all()
        },
    }
