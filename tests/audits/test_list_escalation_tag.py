"""Issue 12, snag 11 (the list): an audit escalated by its moderator is tagged "Escalated" in
the audit list for those who may read that moderation, not only one the auditor escalated."""

from django.urls import reverse

from tests.moderation.test_pages import completed, html_of

TAG = 'govuk-tag--red">Escalated</strong>'


def test_a_moderator_raised_escalation_is_tagged_in_the_list(
    client, qa_lead, moderator, moderation, same_team_auditor
):
    completed(
        moderation,
        moderator,
        grade="I",
        overall="I",
        escalated=True,
        escalation_reason="Child not seen for 12 weeks.",
    )
    assert moderation.audit.escalated is False  # the auditor judged it Good
    client.force_login(qa_lead)
    html = html_of(client.get(reverse("audit_list")))
    assert moderation.audit.case.reference in html
    assert TAG in html
    # A colleague of the auditor reads the audit but not its moderation: no tag gives it away.
    client.force_login(same_team_auditor)
    html = html_of(client.get(reverse("audit_list")))
    assert moderation.audit.case.reference in html
    assert TAG not in html


def test_an_audit_without_escalation_has_no_tag(client, qa_lead, moderation, moderator):
    completed(moderation, moderator)
    client.force_login(qa_lead)
    assert TAG not in html_of(client.get(reverse("audit_list")))
