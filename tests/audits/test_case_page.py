"""A case's page (/cases/<reference>/) and the search by case reference (the list's and the
API's `q`, the header's search box): only audits the reader may read, in date order, with
both grades where the moderation may be read; nothing of a hidden audit, not even a count."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Action, AuditRead
from flows import moderation as moderation_flows
from moderation.services.claims import moderation_claim
from tests.factories import (
    CaseFactory,
    ProgrammeFactory,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


def _moderate(audit, qa_lead, moderator, *, overall="RI"):
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    content = moderation_content(audit.tool, grade=overall, overall=overall)
    return moderation_flows.moderation_complete(
        actor=moderator, moderation=moderation, version=moderation.version, content=content
    )


@pytest.fixture
def case(team):
    return CaseFactory(team=team, reference="LCS-200100")


@pytest.fixture
def history(case, auditor, same_team_auditor, qa_lead, moderator):
    """Three audits of one case: the auditor's of Aug (moderated to RI), a colleague's of Sep
    (moderated to I), and the auditor's re-audit of Oct, not moderated."""
    august = submitted_audit(auditor=auditor, case=case, month=dt.date(2026, 8, 1))
    _moderate(august, qa_lead, moderator, overall="RI")
    september = submitted_audit(
        auditor=same_team_auditor, case=case, month=dt.date(2026, 9, 1), overall="G"
    )
    _moderate(september, qa_lead, moderator, overall="I")
    october = submitted_audit(
        auditor=auditor, case=case, month=dt.date(2026, 10, 1), re_audit_of=august
    )
    Action.objects.create(
        audit=august,
        description="Review the plan.",
        owner="Team manager",
        due_date=timezone.localdate(),
    )
    return august, september, october


def _main(response) -> str:
    """The page's main content (the header carries a per-request form token)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def _page(client, user, reference):
    client.force_login(user)
    return client.get(reverse("case_detail", args=[reference]))


def test_the_case_page_lists_every_readable_audit_in_date_order(client, qa_lead, history):
    august, september, october = history
    response = _page(client, qa_lead, "lcs-200100")  # any case
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'id="audit-{a.pk}"') for a in history]
    assert positions == sorted(positions)
    assert html.count("Moderated judgement") == 2
    assert "Requires improvement" in html and "Inadequate" in html
    assert "Re-audit of" in html and f'href="#audit-{august.pk}"' in html
    assert "Review the plan." in html
    assert f'href="{reverse("audit_detail", args=[october.pk])}"' in html


def test_a_team_manager_reads_a_colleagues_audit_of_the_case_but_not_its_moderation(
    client, auditor, history
):
    august, september, _ = history
    html = _page(client, auditor, "LCS-200100").content.decode()
    assert f'id="audit-{september.pk}"' in html  # the team's submitted audit
    # Their own moderated audit shows both grades; the colleague's shows only the auditor's.
    assert html.count("Moderated judgement") == 1
    assert "Inadequate" not in html
    assert reverse("moderation:detail", args=[september.moderations.get().pk]) not in html


def test_unknown_and_unreadable_cases_are_the_same_404(client, other_team_auditor, history):
    unknown = _page(client, other_team_auditor, "LCS-999999")
    unreadable = _page(client, other_team_auditor, "LCS-200100")
    assert unknown.status_code == unreadable.status_code == 404
    assert "No such case." in _main(unknown)
    assert _main(unknown) == _main(unreadable)


def test_a_case_never_audited_is_no_such_case(client, qa_lead, team):
    CaseFactory(team=team, reference="LCS-300300")
    assert _page(client, qa_lead, "LCS-300300").status_code == 404


@pytest.fixture
def blind_case(case, auditor, qa_lead, moderator, history):
    """A November audit of the case waiting for blind moderation, beside the three above."""
    programme = ProgrammeFactory(month=dt.date(2026, 11, 1), blind_moderation=True)
    audit = submitted_audit(
        auditor=auditor, case=case, month=dt.date(2026, 11, 1), programme=programme, overall="O"
    )
    sampled_moderation(audit, qa_lead)
    return audit


def test_blind_moderation_hides_the_audit_from_the_case_page_without_a_trace(
    client, moderator, blind_case, history
):
    html = _page(client, moderator, "LCS-200100").content.decode()
    for audit in history:
        assert f'id="audit-{audit.pk}"' in html
    assert f"audit-{blind_case.pk}" not in html
    assert "November 2026" not in html and "Outstanding" not in html
    assert "blind" not in _main(_page(client, moderator, "LCS-200100")).lower()


def test_a_case_whose_only_audit_is_blind_is_no_such_case_to_a_moderator(
    client, moderator, auditor, team, qa_lead
):
    programme = ProgrammeFactory(month=dt.date(2026, 11, 1), blind_moderation=True)
    audit = submitted_audit(
        auditor=auditor, case__team=team, case__reference="LCS-400400", programme=programme
    )
    sampled_moderation(audit, qa_lead)
    hidden = _page(client, moderator, "LCS-400400")
    unknown = _page(client, moderator, "LCS-400401")
    assert hidden.status_code == unknown.status_code == 404
    assert _main(hidden) == _main(unknown)  # not "hidden until graded": no such case
    # The auditor (who does not moderate) still reads their own audit's case.
    assert _page(client, auditor, "LCS-400400").status_code == 200


def test_the_case_page_records_each_audit_read_and_costs_a_fixed_number_of_queries(
    client, qa_lead, moderator, case, auditor, history, django_assert_num_queries
):
    client.force_login(qa_lead)
    url = reverse("case_detail", args=["LCS-200100"])
    client.get(url)  # warm the session
    AuditRead.objects.all().delete()
    # The session and the user, the audits, moderations, escalations and actions, the access
    # log's one insert; the header's inbox count is kept from the first page (none): the same
    # for three audits as for six.
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    reads = AuditRead.objects.filter(user=qa_lead, what="case page")
    assert {r.audit_id for r in reads} == {a.pk for a in history}
    for month in (3, 4, 5):
        more = submitted_audit(auditor=auditor, case=case, month=dt.date(2027, month, 1))
        _moderate(more, qa_lead, moderator)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


# ---------------------------------------------------------------- searching by reference


def _api_ids(api_client, user, q) -> set[int]:
    api_client.force_login(user)
    response = api_client.get("/api/audits/", {"q": q})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_q_finds_audits_by_reference_exact_or_prefix_in_any_case(api_client, qa_lead, history):
    other = submitted_audit(case__reference="LCS-2001999")
    elsewhere = submitted_audit(case__reference="MOS-200100")
    ids = {a.pk for a in history}
    assert _api_ids(api_client, qa_lead, "LCS-200100") == ids
    assert _api_ids(api_client, qa_lead, "lcs-2001") == ids | {other.pk}
    assert _api_ids(api_client, qa_lead, "LCS-2001999") == {other.pk}
    assert elsewhere.pk not in _api_ids(api_client, qa_lead, "LCS")
    assert _api_ids(api_client, qa_lead, "200100") == set()  # a prefix, not a substring


def test_q_never_finds_what_the_reader_may_not_read(api_client, other_team_auditor, history):
    assert _api_ids(api_client, other_team_auditor, "LCS-200100") == set()


def test_q_that_cannot_be_a_reference_is_a_400_naming_the_field(api_client, qa_lead):
    api_client.force_login(qa_lead)
    response = api_client.get("/api/audits/", {"q": "L" * 41})
    assert response.status_code == 400
    assert "q" in response.json()


def test_the_audit_list_filters_by_reference(client, qa_lead, history):
    submitted_audit(case__reference="MOS-1")
    client.force_login(qa_lead)
    html = client.get(reverse("audit_list"), {"q": "lcs-2001"}).content.decode()
    assert "3 audits" in html and "MOS-1" not in html
    assert 'name="q"' in html


def test_the_search_opens_the_case_on_an_exact_match(client, auditor, history):
    client.force_login(auditor)
    response = client.get(reverse("case_search"), {"q": "lcs-200100"})
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=["LCS-200100"])


def test_the_search_lists_the_cases_a_prefix_starts(client, auditor, team, history):
    submitted_audit(auditor=auditor, case__team=team, case__reference="LCS-2002")
    submitted_audit(case__reference="LCS-2003")  # another team's: not for this auditor
    client.force_login(auditor)
    response = client.get(reverse("case_search"), {"q": "LCS-200"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "LCS-200100" in html and "LCS-2002" in html and "LCS-2003" not in html
    assert "3 audits" in html  # the colleague's September audit is the team's: readable too
    none = client.get(reverse("case_search"), {"q": "LCS-2003"}).content.decode()
    assert "No case you may read" in none


def test_the_search_shows_every_error_at_once_with_a_summary(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("case_search"), {"q": "LCS 1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and 'href="#id_q"' in html
    empty = client.get(reverse("case_search"), {"q": ""})
    assert empty.status_code == 400
    assert "Enter a case reference" in empty.content.decode()


def test_the_header_has_a_labelled_search_box_for_staff_with_a_role(client, auditor, db):
    client.force_login(auditor)
    html = client.get(reverse("my_audits")).content.decode()
    assert 'role="search"' in html
    assert '<label class="govuk-visually-hidden" for="header-case-search">' in html
    assert f'action="{reverse("case_search")}"' in html
