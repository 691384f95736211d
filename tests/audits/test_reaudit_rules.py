"""Issue 12 snag 22: a re-audit is a fresh look, some time later, by someone else.

Rules (core.services.audits.audit_reaudit_start, core.permissions.audit_reaudit_allowed):
not by the earlier audit's auditor; not on the day it was submitted and towards a later
month; into the chosen programme or this month's, due when it is due (else four weeks on);
started blank, so "Improved" counts only a real later grading. And the moderator's overall
judgement, when it is not the auditor's, needs a reason as a domain grade does."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from core.models import Audit
from core.months import format_month, months_before
from core.services.audits import (
    REAUDIT_DUE_DAYS,
    REAUDIT_EARLIER_PROGRAMME,
    REAUDIT_SAME_DAY,
    audit_reaudit_start,
)
from flows.audits import audit_submit
from flows.moderation import moderation_complete
from moderation.services.claims import moderation_claim
from moderation.services.moderating import OVERALL_REASON_NEEDED
from reporting.selectors.reaudits import reaudits_for_user
from tests.factories import (
    ProgrammeFactory,
    complete_content,
    moderation_content,
    submitted_audit,
)


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _earlier(auditor, team, *, days_ago: int = 1, months_ago: int = 2) -> Audit:
    audit = submitted_audit(
        auditor=auditor, case__team=team, month=months_before(_this_month(), months_ago)
    )
    Audit.objects.filter(pk=audit.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    audit.refresh_from_db()
    return audit


def test_the_earlier_audits_auditor_may_not_reaudit_it(client, auditor, same_team_auditor, team):
    original = _earlier(auditor, team)
    client.force_login(auditor)
    page = client.get(reverse("audit_detail", args=[original.pk])).content.decode()
    assert "Start a re-audit" not in page
    assert client.post(reverse("audit_reaudit", args=[original.pk])).status_code == 403
    client.force_login(same_team_auditor)
    page = client.get(reverse("audit_detail", args=[original.pk])).content.decode()
    assert "Start a re-audit" in page
    assert client.post(reverse("audit_reaudit", args=[original.pk])).status_code == 302
    assert Audit.objects.get(re_audit_of=original).auditor == same_team_auditor


def test_not_on_the_day_the_earlier_audit_was_submitted(auditor, same_team_auditor, team):
    original = _earlier(auditor, team, days_ago=0)
    with pytest.raises(DomainError) as refused:
        audit_reaudit_start(actor=same_team_auditor, original=original)
    assert refused.value.message == REAUDIT_SAME_DAY
    assert not Audit.objects.filter(re_audit_of=original).exists()


def test_not_towards_the_earlier_audits_month(auditor, same_team_auditor, team):
    original = _earlier(auditor, team, months_ago=0)
    with pytest.raises(DomainError) as refused:
        audit_reaudit_start(actor=same_team_auditor, original=original)
    assert refused.value.field_errors == {"programme": [REAUDIT_EARLIER_PROGRAMME]}


def test_it_starts_blank_in_this_months_programme_and_is_due_with_it(
    auditor, same_team_auditor, team
):
    original = _earlier(auditor, team)
    this_month = _this_month()
    programme = ProgrammeFactory(month=this_month, due_date=this_month + dt.timedelta(days=27))
    reaudit = audit_reaudit_start(actor=same_team_auditor, original=original)
    assert (reaudit.programme, reaudit.month, reaudit.due_date) == (
        programme,
        this_month,
        programme.due_date,
    )
    assert reaudit.status == Audit.Status.ASSIGNED and reaudit.overall == ""
    assert not reaudit.working_well and not reaudit.worried_about
    assert set(reaudit.grades.values_list("grade", "evidence")) == {("", "")}


def test_without_a_programme_this_month_it_is_due_four_weeks_on(auditor, same_team_auditor, team):
    original = _earlier(auditor, team)
    reaudit = audit_reaudit_start(actor=same_team_auditor, original=original)
    assert reaudit.programme is None
    assert reaudit.due_date == timezone.localdate() + dt.timedelta(days=REAUDIT_DUE_DAYS)


def test_improved_counts_only_a_real_later_grading(qa_lead, auditor, same_team_auditor, team):
    original = _earlier(auditor, team)  # Good
    reaudit = audit_reaudit_start(actor=same_team_auditor, original=original)
    filters = {
        "month_from": format_month(original.month),
        "month_to": format_month(_this_month()),
    }
    started = reaudits_for_user(user=qa_lead, filters=filters)
    assert started["cohort"] == 0 and started["overall"]["improved"] == 0
    audit_submit(
        audit=reaudit,
        actor=same_team_auditor,
        version=reaudit.version,
        content=complete_content(reaudit.tool, grade="O", overall="O"),
    )
    graded = reaudits_for_user(user=qa_lead, filters=filters)
    assert graded["cohort"] == 1 and graded["overall"]["improved"] == 1


# ---------------------------------------------------------------- the moderator's judgement


def _claimed(moderation, moderator):
    return moderation_claim(actor=moderator, moderation=moderation)


def test_a_moderators_different_judgement_needs_a_reason(moderator, moderation):
    claimed = _claimed(moderation, moderator)  # the auditor judged it Good
    content = moderation_content(claimed.audit.tool, overall="RI", overall_revision_reason="")
    with pytest.raises(DomainError) as refused:
        moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=content
        )
    assert refused.value.field_errors["overall_revision_reason"] == [OVERALL_REASON_NEEDED]
    claimed.refresh_from_db()
    content = moderation_content(
        claimed.audit.tool, overall="RI", overall_revision_reason="Drift in the plan."
    )
    done = moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )
    assert done.overall_revision_reason == "Drift in the plan."


def test_the_same_judgement_needs_no_reason(moderator, moderation):
    claimed = _claimed(moderation, moderator)
    content = moderation_content(claimed.audit.tool, overall="G", overall_revision_reason="")
    done = moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )
    assert done.status == "completed"


def test_the_form_asks_for_the_reason_and_names_it_in_the_error_summary(
    client, moderator, moderation
):
    claimed = _claimed(moderation, moderator)
    client.force_login(moderator)
    url = reverse("moderation:detail", args=[claimed.pk])
    html = client.get(url).content.decode()
    assert 'name="overall_revision_reason"' in html
    data = {"version": claimed.version, "intent": "complete", "overall": "RI", "summary": "S."}
    for grade in claimed.audit.grades.select_related("domain"):
        data[f"grade_{grade.domain.code}"] = grade.grade
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_overall_revision_reason"' in body
    assert OVERALL_REASON_NEEDED.replace("'", "&#x27;") in body
