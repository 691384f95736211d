"""The inbox (/inbox/), the count in the header (one query) and the daily digest: each person
sees what waits for them, as far as they may read it; e-mails carry case references and due
dates only; people without an address still see their work."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.inbox import inbox_count, inbox_digests_send, inbox_for_user
from core.models import Action
from flows import moderation as moderation_flows
from flows.audits import audit_submit
from moderation.models import OutboxEmail
from moderation.services.claims import moderation_claim
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    UserFactory,
    complete_content,
    moderation_content,
    sampled_moderation,
    submitted_audit,
)

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _complete(audit, qa_lead, moderator, **fields):
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
    content = moderation_content(audit.tool, **fields)
    return moderation_flows.moderation_complete(
        actor=moderator, moderation=moderation, version=moderation.version, content=content
    )


@pytest.fixture
def work(auditor, team, qa_lead, moderator, viewer):
    """One of every kind of work: for the auditor, the moderator and the head of service."""
    due = AuditFactory(auditor=auditor, case__team=team, case__reference="LCS-DUE")
    late = AuditFactory(
        auditor=auditor,
        case__team=team,
        case__reference="LCS-LATE",
        due_date=_today() - dt.timedelta(days=1),
    )
    # Moderated to Inadequate with an escalation: feedback to acknowledge, a response due.
    escalated = submitted_audit(auditor=auditor, case__team=team, case__reference="LCS-ESC")
    _complete(
        escalated,
        qa_lead,
        moderator,
        grade="I",
        overall="I",
        escalated=True,
        escalation_reason="No visits for weeks.",
    )
    returned = submitted_audit(auditor=auditor, case__team=team, case__reference="LCS-RW")
    moderation = moderation_claim(actor=moderator, moderation=sampled_moderation(returned, qa_lead))
    moderation_flows.moderation_return_for_rework(
        actor=moderator, moderation=moderation, version=moderation.version, comment="Evidence?"
    )
    overdue = Action.objects.create(
        audit=escalated,
        description="Visit the child.",
        owner="Social worker",
        due_date=_today() - dt.timedelta(days=3),
    )
    claimed_audit = submitted_audit(case__team=team, case__reference="LCS-CLM")
    claimed = moderation_claim(
        actor=moderator, moderation=sampled_moderation(claimed_audit, qa_lead)
    )
    waiting = sampled_moderation(
        submitted_audit(case__team=team, case__reference="LCS-WAIT"), qa_lead
    )
    return {
        "due": due,
        "late": late,
        "escalated": escalated,
        "returned": returned,
        "action": overdue,
        "claimed": claimed,
        "waiting": waiting,
    }


def _refs(sections, key=None) -> set[str]:
    return {i.reference for s in sections for i in s.items if key in (None, s.key)}


def test_an_auditor_sees_their_audits_rework_feedback_and_overdue_actions(auditor, work):
    own, team = inbox_for_user(user=auditor)
    assert team == []
    assert _refs(own, "audits") == {"LCS-DUE", "LCS-LATE"}
    assert _refs(own, "rework") == {"LCS-RW"}
    assert _refs(own, "feedback") == {"LCS-ESC"}
    assert _refs(own, "actions") == {"LCS-ESC"}
    assert {s.key for s in own} >= {"audits", "rework", "feedback", "actions"}
    assert "responses" not in {s.key for s in own}  # not a head of service
    late = next(i for s in own for i in s.items if i.reference == "LCS-LATE")
    assert late.overdue and late.url == reverse("audit_edit", args=[work["late"].pk])


def test_a_head_of_service_sees_the_escalation_responses_of_their_areas(viewer, other_viewer, work):
    own, _ = inbox_for_user(user=viewer)
    assert _refs(own, "responses") == {"LCS-ESC"}
    item = next(i for s in own for i in s.items if s.key == "responses")
    assert item.url == work["escalated"].escalations.get().get_absolute_url()
    assert _refs(inbox_for_user(user=other_viewer)[0]) == set()


def test_a_moderator_sees_the_moderations_they_claimed(moderator, work):
    own, team = inbox_for_user(user=moderator)
    assert _refs(own, "moderations") == {"LCS-CLM"}
    assert team == []


def test_a_qa_lead_sees_what_waits_on_the_team_apart_and_uncounted(client, qa_lead, work):
    own, team = inbox_for_user(user=qa_lead)
    assert _refs(own) == set()
    assert _refs(team, "queue") == {"LCS-WAIT"}
    assert inbox_count(user=qa_lead) == 0
    client.force_login(qa_lead)
    html = client.get(reverse("inbox")).content.decode()
    assert "Waiting on the QA team" in html and "LCS-WAIT" in html
    assert "Inbox (0)" in html


def test_acknowledging_and_finishing_work_takes_it_out_of_the_inbox(auditor, work):
    from moderation.services.moderating import moderation_acknowledge

    before = inbox_count(user=auditor)
    moderation_acknowledge(actor=auditor, moderation=work["escalated"].moderations.get())
    work["action"].status = Action.Status.DONE
    work["action"].save()
    assert inbox_count(user=auditor) == before - 2


def test_the_count_is_one_query_and_agrees_with_the_page(
    auditor, moderator, viewer, qa_lead, work, django_assert_num_queries
):
    for person in (auditor, moderator, viewer, qa_lead):
        person.is_auditor  # the roles are read once a request, before the count  # noqa: B018
        own, _ = inbox_for_user(user=person)
        with django_assert_num_queries(1):
            count = inbox_count(user=person)
        assert count == sum(len(s.items) for s in own)
    assert inbox_count(user=auditor) == 5  # 2 audits, 1 rework, 1 feedback, 1 action


def test_the_page_lists_each_kind_with_links_and_the_header_counts_them(client, auditor, work):
    client.force_login(auditor)
    response = client.get(reverse("inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Inbox (5)" in html
    assert reverse("audit_edit", args=[work["due"].pk]) in html
    assert work["escalated"].moderations.get().get_absolute_url() in html
    assert "Visit the child." not in html  # the action's words stay on the audit
    # The header carries the count on every page.
    assert "Inbox (5)" in client.get(reverse("my_audits")).content.decode()


def test_the_header_count_costs_one_query_when_it_is_counted(client, auditor, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(auditor)
    with CaptureQueriesContext(connection) as with_count:
        client.get(reverse("my_audits"))
    counted = [q["sql"] for q in with_count.captured_queries if "_count" in q["sql"]]
    assert len(counted) == 1


def test_nothing_of_a_blind_audit_reaches_a_moderator_who_is_also_a_head_of_service(
    team, auditor, qa_lead, area
):
    """A moderator who also heads the service: an escalation on an audit waiting for blind
    moderation is not in their inbox, as it is not in their escalation list."""
    dual = UserFactory(username="dual", team=None, roles=["moderator", "viewer"])
    dual.service_areas.add(area)
    programme = ProgrammeFactory(month=dt.date(2026, 11, 1), blind_moderation=True)
    audit = AuditFactory(
        auditor=auditor,
        case__team=team,
        case__reference="LCS-BLIND",
        programme=programme,
        month=programme.month,
    )
    content = complete_content(audit.tool, grade="I", overall="I")
    content.escalated, content.escalation_reason = True, "Serious drift."
    audit = audit_submit(audit=audit, actor=auditor, version=audit.version, content=content)
    sampled_moderation(audit, qa_lead)
    assert audit.escalations.exists()
    assert _refs(inbox_for_user(user=dual)[0]) == set()
    assert inbox_count(user=dual) == 0


def test_the_inbox_is_for_signed_in_people(client):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# ---------------------------------------------------------------- the daily digest


def test_the_digest_goes_to_people_with_an_address_and_work_waiting(
    auditor, moderator, viewer, qa_lead, work, settings
):
    settings.SITE_URL = "https://audit.example.gov.uk"
    no_address = UserFactory(username="no.address", email="", roles=["auditor"])
    AuditFactory(auditor=no_address, case__reference="LCS-NOMAIL")
    nothing = UserFactory(username="idle", roles=["auditor"])
    mail.outbox.clear()
    sent = inbox_digests_send()
    to = {message.to[0] for message in mail.outbox}
    assert to == {auditor.email, moderator.email, viewer.email}
    assert sent == 3
    assert nothing.email not in to and qa_lead.email not in to
    # Staff without an address still see their work.
    assert _refs(inbox_for_user(user=no_address)[0]) == {"LCS-NOMAIL"}
    body = next(m.body for m in mail.outbox if m.to == [auditor.email])
    assert "LCS-DUE" in body and "LCS-LATE" in body and "(overdue)" in body
    assert "https://audit.example.gov.uk/inbox/" in body
    # No case content beyond references and due dates: no evidence, reasons or action words.
    for words in ("Visit the child.", "No visits for weeks.", "Evidence?", "Evidence for"):
        assert words not in body


def test_the_digest_is_sent_once_a_day(auditor, work):
    mail.outbox.clear()
    inbox_digests_send()
    inbox_digests_send()
    assert [m.to for m in mail.outbox].count([auditor.email]) == 1
    row = OutboxEmail.objects.get(kind="inbox_digest", object_id=auditor.pk)
    assert row.sent_at is not None and row.period == _today()
    inbox_digests_send(today=_today() + dt.timedelta(days=1))
    assert [m.to for m in mail.outbox].count([auditor.email]) == 2


def test_the_digest_task_is_on_the_beat(settings):
    from audits.tasks import send_inbox_digests

    entry = settings.CELERY_BEAT_SCHEDULE["inbox-digest"]
    assert entry["task"] == send_inbox_digests.name


def _header(client, url_name="my_audits") -> str:
    html = client.get(reverse(url_name)).content.decode()
    return html[html.index("Inbox (") :].split(")", 1)[0] + ")"


def test_the_header_count_is_kept_for_a_short_while_and_the_persons_own_changes_show_at_once(
    client, auditor, work
):
    """The count on every page is kept for HEADER_COUNT_SECONDS (a query less on each page);
    what the person does themself shows at once, what others do within that time, and the
    inbox page itself is always counted afresh (and refreshes the header's count)."""
    import time_machine

    from audits.inbox import HEADER_COUNT_SECONDS

    client.force_login(auditor)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert _header(client) == "Inbox (5)"
        # Someone else finishes the overdue action: the header may lag, for a short while only.
        work["action"].status = Action.Status.DONE
        work["action"].save()
        assert _header(client) == "Inbox (5)"
        clock.shift(HEADER_COUNT_SECONDS + 1)
        assert _header(client) == "Inbox (4)"
        # The inbox page counts afresh, and the header on it agrees with its list.
        work["action"].status = Action.Status.OPEN
        work["action"].save()
        assert _header(client, "inbox") == "Inbox (5)"
        assert _header(client) == "Inbox (5)"
        # Their own change (marking the action done on the audit page) shows on the next page.
        response = client.post(
            reverse("action_status", args=[work["action"].pk]), {"status": "done"}
        )
        assert response.status_code == 302
        assert _header(client) == "Inbox (4)"


def test_a_cached_header_count_costs_no_query(client, auditor, work):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(auditor)
    client.get(reverse("my_audits"))
    with CaptureQueriesContext(connection) as again:
        html = client.get(reverse("my_audits")).content.decode()
    assert "Inbox (5)" in html
    assert not [q["sql"] for q in again.captured_queries if "_count" in q["sql"]]
