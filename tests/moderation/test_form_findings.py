"""Issue 12, snag 10: the moderator judges the overall grade with the auditor's summary of
findings and the child's or family's feedback in front of them (after the reveal, when the
moderation is blind)."""

from django.urls import reverse

from core.models import Audit
from moderation.services.claims import moderation_claim
from tests.factories import tool_setting
from tests.moderation.test_pages import form_data, html_of

FINDINGS = {
    "working_well": "Weekly visits are recorded.",
    "worried_about": "The plan has no dates.",
    "needs_to_happen": "Set review dates.",
    "family_feedback": "Mum said the worker listens.",
}


def with_findings(audit):
    Audit.objects.filter(pk=audit.pk).update(**FINDINGS)


def test_the_moderation_form_shows_the_auditors_findings(client, moderator, moderation):
    with_findings(moderation.audit)
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    client.force_login(moderator)
    html = html_of(client.get(reverse("moderation:detail", args=[claimed.pk])))
    assert "Summary of findings" in html
    for text in FINDINGS.values():
        assert text in html


def test_a_blind_moderation_shows_the_findings_only_after_the_reveal(client, moderator, moderation):
    with_findings(moderation.audit)
    tool = moderation.audit.tool
    tool_setting(tool, blind_moderation=True)
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    client.force_login(moderator)
    html = html_of(client.get(reverse("moderation:detail", args=[claimed.pk])))
    for text in FINDINGS.values():
        assert text not in html
    url = reverse("moderation:detail", args=[claimed.pk])
    response = client.post(url, form_data(claimed, intent="reveal"))
    assert response.status_code == 302
    html = html_of(client.get(url))
    for text in FINDINGS.values():
        assert text in html
