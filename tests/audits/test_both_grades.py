"""Issue 12, snag 11 (the audit page): the page of a moderated audit shows the auditor's and
the moderator's grades side by side, for the overall judgement and each domain, to those who
may read the moderation; never while the blind rule hides the auditor's grades, never to
someone who may read the audit but not its moderation."""

import re

import pytest

from core.models import AuditRead, AuditTool
from flows.moderation import moderation_complete
from moderation.services.claims import moderation_claim
from tests.factories import moderation_content, sampled_moderation, submitted_audit
from tests.moderation.test_pages import completed, html_of

pytestmark = pytest.mark.django_db

TABLE = 'id="both-grades-table"'


def _table(html: str) -> str:
    start = html.index(TABLE)
    return html[start : html.index("</table>", start)]


def test_the_audit_page_shows_both_grades_side_by_side(client, qa_lead, moderator, moderation):
    completed(moderation, moderator, grade="RI", overall="RI")
    client.force_login(qa_lead)
    html = html_of(client.get(moderation.audit.get_absolute_url()))
    table = _table(html)
    domains = moderation.audit.tool.domains.count()
    assert table.count("Downgraded by 1 grade") == domains + 1  # every domain and overall
    overall_row = re.search(r"Overall judgement</th>(.*?)</tr>", table, re.S)
    assert overall_row is not None
    cells = re.findall(r'<td class="govuk-table__cell">(.*?)</td>', overall_row.group(1), re.S)
    assert [c.strip() for c in cells[:2]] == ["Good", "Requires improvement to be good"]
    assert AuditRead.objects.filter(user=qa_lead, what="moderation").exists()


def test_the_auditor_reads_both_once_the_moderation_is_complete(
    client, auditor, moderator, moderation
):
    moderation_claim(actor=moderator, moderation=moderation)
    client.force_login(auditor)
    assert TABLE not in html_of(client.get(moderation.audit.get_absolute_url()))
    moderation.refresh_from_db()
    moderation_complete(
        actor=moderator,
        moderation=moderation,
        version=moderation.version,
        content=moderation_content(moderation.audit.tool, grade="G", overall="G"),
    )
    html = html_of(client.get(moderation.audit.get_absolute_url()))
    assert TABLE in html and "Agreed" in _table(html)


def test_a_colleague_who_may_not_read_the_moderation_sees_only_the_auditors_grades(
    client, same_team_auditor, moderator, moderation
):
    completed(moderation, moderator, grade="RI", overall="RI")
    client.force_login(same_team_auditor)
    html = html_of(client.get(moderation.audit.get_absolute_url()))
    assert moderation.audit.case.reference in html
    assert TABLE not in html and "Requires improvement" not in html


def test_never_while_blind_moderation_hides_the_auditors_grades(
    client, qa_lead, moderator, moderation, auditor
):
    completed(moderation, moderator, grade="RI", overall="RI")
    # The same case's audit in the same month now waits for blind moderation: its grades
    # (and so this one's, blind_pending_audits) are hidden until a moderator has graded.
    AuditTool.objects.filter(pk=moderation.audit.tool_id).update(blind_moderation=True)
    again = submitted_audit(auditor=auditor, case=moderation.audit.case)
    sampled_moderation(again, qa_lead)
    client.force_login(qa_lead)
    assert TABLE not in html_of(client.get(moderation.audit.get_absolute_url()))
