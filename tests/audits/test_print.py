"""Issue 12 feature 7: one audit printed (both grades side by side, the moderation as the
reader may read it, never while blind), a tool version's blank paper form, and the audit list
(or a drill-down) as CSV and XLSX with its filters, columns and the reader's audits only."""

import csv
import datetime as dt
import io

from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from core.models import AuditTool
from core.services.actions import action_create
from moderation.access import BLIND_HIDDEN
from moderation.services.claims import moderation_claim
from tests.factories import (
    UserFactory,
    action_due,
    sampled_moderation,
    submitted_audit,
)
from tests.moderation.test_pages import completed, html_of


def _domains_table(html: str) -> str:
    return html[
        html.index("app-print-domains") : html.index("</table>", html.index("app-print-domains"))
    ]


# ---------------------------------------------------------------- the print view


def test_the_print_view_puts_both_grades_side_by_side_with_the_moderation(
    client, auditor, moderator, moderation
):
    done = completed(
        moderation,
        moderator,
        grade="RI",
        overall="RI",
        overall_revision_reason="Drift in the plan outweighs the visits.",
    )
    action_create(
        audit=done.audit,
        actor=auditor,
        description="Update the child's plan.",
        owner="Team manager",
        due_date=dt.date.fromisoformat(action_due()),
    )
    client.force_login(auditor)
    html = html_of(client.get(reverse("audit_print", args=[done.audit.pk])))
    table = _domains_table(html)
    assert "Auditor’s grade" in table and "Moderator’s grade" in table
    domains = list(done.audit.tool.domains.all())
    assert table.count("Requires improvement to be good") == len(domains)  # the moderator's
    assert table.count(">Good<") == len(domains)  # the auditor's, beside it
    assert table.count("(changed)") == len(domains)
    for domain in domains:
        assert f"Rationale for {domain.code}." in table and f"Evidence for {domain.code}." in table
    assert "Drift in the plan outweighs the visits." in html  # the overall change's rationale
    assert done.summary in html
    assert "Update the child&#x27;s plan." in html
    assert "Regular visits." in html  # the findings


def test_the_print_view_shows_no_moderation_the_reader_may_not_read(
    client, same_team_auditor, qa_lead, moderator, moderation
):
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    # In progress: even the QA lead, who reads it, sees no moderator's grade on paper yet.
    client.force_login(qa_lead)
    html = html_of(client.get(reverse("audit_print", args=[claimed.audit.pk])))
    assert "Moderator’s grade" not in html and "Not moderated" in html
    moderation.refresh_from_db()
    completed_moderation = completed_from_claim(claimed, moderator)
    # A colleague of the auditor reads the audit but not its moderation.
    client.force_login(same_team_auditor)
    html = html_of(client.get(reverse("audit_print", args=[completed_moderation.audit.pk])))
    assert "Moderator’s grade" not in html and completed_moderation.summary not in html
    client.force_login(qa_lead)
    html = html_of(client.get(reverse("audit_print", args=[completed_moderation.audit.pk])))
    assert "Moderator’s grade" in html and completed_moderation.summary in html


def completed_from_claim(claimed, moderator):
    from flows.moderation import moderation_complete
    from tests.factories import moderation_content

    content = moderation_content(claimed.audit.tool, grade="I", overall="I")
    return moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )


def test_a_blind_moderator_is_told_the_print_view_is_hidden(
    client, moderator, qa_lead, auditor, team
):
    AuditTool.objects.filter(code="case-file").update(blind_moderation=True)
    audit = submitted_audit(auditor=auditor, case__team=team, grade="O", overall="O")
    moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    client.force_login(moderator)
    response = client.get(reverse("audit_print", args=[audit.pk]))
    assert response.status_code == 404
    assert "Outstanding" not in html_of(response)
    assert BLIND_HIDDEN.split(":")[0] in html_of(response)


def test_the_print_view_is_refused_as_the_audit_page_is(client, submitted, other_team_auditor):
    client.force_login(other_team_auditor)
    assert client.get(reverse("audit_print", args=[submitted.pk])).status_code == 404


def test_the_audit_page_links_to_its_print_view(client, auditor, submitted):
    client.force_login(auditor)
    html = html_of(client.get(reverse("audit_detail", args=[submitted.pk])))
    assert reverse("audit_print", args=[submitted.pk]) in html


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_the_print_view_is_the_record_alone_with_no_form_to_fill(client, auditor, submitted):
    """Issue 12: the printed audit showed the empty "Add an action" fields. The print view is
    the record only: no form, field or button to fill in on paper, even for the auditor, who
    may add actions on the audit's page."""
    client.force_login(auditor)
    page = html_of(client.get(reverse("audit_detail", args=[submitted.pk])))
    assert reverse("action_add", args=[submitted.pk]) in page  # they may add one there
    main = _main(html_of(client.get(reverse("audit_print", args=[submitted.pk]))))
    for tag in ("<form", "<input", "<select", "<textarea", "Add an action"):
        assert tag not in main, tag


# ---------------------------------------------------------------- the blank form


def test_the_blank_form_has_every_domain_with_its_guidance_descriptors_and_boxes(client, auditor):
    tool = AuditTool.objects.get(code="case-file", version=1)
    client.force_login(auditor)
    response = client.get(reverse("tool_blank_form", args=[tool.pk]))
    html = html_of(response)
    assert response.status_code == 200
    domains = list(tool.domains.order_by("position"))
    assert html.count('class="app-write-box"') >= len(domains)
    for number, domain in enumerate(domains, start=1):
        assert f"{number}. {domain.title}" in html
        if domain.guidance:
            assert escape(domain.guidance.splitlines()[0]) in html
        for text in domain.descriptors().values():
            if text:
                assert escape(text.splitlines()[0]) in html
    offered = "> Outstanding</li>" in html
    assert offered is tool.offers_outstanding
    assert html.count("> N/A</li>") == sum(d.na_allowed for d in domains)


def test_a_draft_tools_blank_form_is_the_qa_leads(client, auditor, qa_lead):
    from core.services.tools import tool_draft_new_version

    draft = tool_draft_new_version(
        actor=qa_lead, tool=AuditTool.objects.get(code="case-file", version=1)
    )
    client.force_login(auditor)
    assert client.get(reverse("tool_blank_form", args=[draft.pk])).status_code == 404
    client.force_login(qa_lead)
    assert client.get(reverse("tool_blank_form", args=[draft.pk])).status_code == 200


# ---------------------------------------------------------------- the list as CSV and XLSX


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_list_download_has_the_lists_audits_and_columns_and_names_a_filtered_file(
    client, auditor, team, other_team
):
    mine = submitted_audit(auditor=auditor, case__team=team, overall="RI", grade="RI")
    other = submitted_audit(auditor=auditor, case__team=team, overall="G")
    hidden = submitted_audit(case__team=other_team)
    client.force_login(auditor)
    everything = client.get(reverse("audit_list_csv"))
    rows = _csv(everything)
    assert rows[0][:8] == [
        "Case",
        "Team",
        "Service area",
        "Auditor",
        "Audit",
        "Month",
        "Overall",
        "Escalated",
    ]
    assert rows[0][-1] == "Status"
    references = {row[0] for row in rows[1:]}
    assert {mine.case.reference, other.case.reference} <= references
    assert hidden.case.reference not in references
    filtered = client.get(reverse("audit_list_csv"), {"overall": "RI"})
    assert [row[0] for row in _csv(filtered)[1:]] == [mine.case.reference]
    assert _csv(filtered)[1][6] == "Requires improvement to be good"
    unfiltered_name = everything["Content-Disposition"]
    assert "filtered" not in unfiltered_name and "filtered" in filtered["Content-Disposition"]
    xlsx = client.get(reverse("audit_list_xlsx"), {"overall": "RI"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][0] == mine.case.reference
    assert xlsx["Content-Disposition"].endswith('.xlsx"')


def test_a_drill_down_download_carries_the_counted_column_of_the_page(
    client, qa_lead, moderator, moderation
):
    completed(moderation, moderator, grade="RI", overall="RI")
    client.force_login(qa_lead)
    query = {"moderated_overall": "RI"}
    page = html_of(client.get(reverse("audit_list"), query))
    rows = _csv(client.get(reverse("audit_list_csv"), query))
    assert "Moderator’s judgement" in page or "Moderator&#x27;s judgement" in page
    assert "Moderator's judgement" in rows[0]
    column = rows[0].index("Moderator's judgement")
    assert [row[column] for row in rows[1:]] == ["Requires improvement to be good"]


def test_the_list_download_neutralises_formulas(client, qa_lead, team):
    team.name = '=HYPERLINK("http://x")'
    team.save()
    submitted_audit(case__team=team)
    client.force_login(qa_lead)
    rows = _csv(client.get(reverse("audit_list_csv")))
    assert rows[1][1].startswith("'=")
    # Sorted as the list may be: by case, both ways.
    first = _csv(client.get(reverse("audit_list_csv"), {"sort": "case"}))[1][0]
    last = _csv(client.get(reverse("audit_list_csv"), {"sort": "-case"}))[-1][0]
    assert first == last


def test_a_blind_audit_is_left_out_of_a_moderators_download(client, qa_lead, auditor, team):
    AuditTool.objects.filter(code="case-file").update(blind_moderation=True)
    audit = submitted_audit(auditor=auditor, case__team=team)
    sampled_moderation(audit, qa_lead)
    other_moderator = UserFactory(username="mod2", team=None, roles=["moderator"])
    client.force_login(other_moderator)
    rows = _csv(client.get(reverse("audit_list_csv")))
    assert audit.case.reference not in {row[0] for row in rows[1:]}
    client.force_login(qa_lead)
    rows = _csv(client.get(reverse("audit_list_csv")))
    assert audit.case.reference in {row[0] for row in rows[1:]}
