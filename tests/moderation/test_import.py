"""Imported moderation history becomes real, completed moderations."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import Audit, DomainGrade, User
from flows.importer import ImportFailed, audits_import
from moderation.models import ModeratedGrade, Moderation
from moderation.permissions import moderations_visible_to
from tests.audits.import_rows import CASE_FILE_DOMAINS, audit_row, many_rows, moderated, to_csv
from tests.factories import submitted_audit

pytestmark = pytest.mark.django_db


def run(rows, *, actor=None, dry_run=False):
    return audits_import(rows=rows, actor=actor, dry_run=dry_run)


def test_a_moderated_row_becomes_a_completed_imported_moderation(qa_lead):
    row = moderated(audit_row(overall="G", auditor="jo.bloggs"), overall="RI", grade="G")
    row["moderated_plan"] = "RI"
    result = run([row], actor=qa_lead)

    audit = Audit.objects.get()
    moderation = audit.moderations.get()
    assert result.moderations == 1
    assert (moderation.status, moderation.source, moderation.selection) == (
        Moderation.Status.COMPLETED,
        Moderation.Source.IMPORT,
        Moderation.Selection.IMPORTED,
    )
    assert moderation.overall == "RI" and not moderation.escalated
    assert timezone.localdate(moderation.completed_at) == dt.date(2025, 4, 2)
    grades = dict(moderation.grades.values_list("domain__code", "grade"))
    assert grades == {code: "RI" if code == "plan" else "G" for code in CASE_FILE_DOMAINS}
    # The auditor's own grades and judgement stay as the file gave them.
    assert audit.overall == "G"
    assert set(audit.grades.values_list("grade", flat=True)) == {"G"}
    assert moderation.history.get().history_user == qa_lead
    assert ModeratedGrade.history.filter(history_user=qa_lead).count() == len(CASE_FILE_DOMAINS)
    # The verbatim source record stays on the audit.
    assert audit.imported_moderation["moderator"] == "moderator"


def test_the_moderator_is_an_inactive_account_with_the_moderator_role(db):
    run([moderated(audit_row(), moderator="sam.qa@example.gov.uk")])
    moderation = Moderation.objects.get()
    assert moderation.moderator.email == "sam.qa@example.gov.uk"
    assert not moderation.moderator.is_active and moderation.moderator.is_moderator
    assert moderation.moderator.username == "sam.qa"


def test_a_known_moderator_is_used_as_they_are(moderator):
    run([moderated(audit_row(), moderator=moderator.email.upper())])
    assert Moderation.objects.get().moderator == moderator
    assert User.objects.filter(is_active=False).count() == 1  # only the auditor is new


def test_an_escalated_moderation_is_kept_only_with_an_inadequate_judgement(db):
    row = moderated(audit_row(), overall="Inadequate – escalation", grade="I")
    run([row])
    moderation = Moderation.objects.get()
    assert moderation.overall == "I" and moderation.escalated
    assert moderation.escalation_reason


def test_without_a_date_the_moderation_is_dated_with_the_submission(db):
    run([moderated(audit_row(submitted_on="2025-03-11")) | {"moderated_on": ""}])
    assert timezone.localdate(Moderation.objects.get().completed_at) == dt.date(2025, 3, 11)


def test_unmoderated_rows_have_no_moderation(db):
    result = run([audit_row()])
    assert result.moderations == 0 and not Moderation.objects.exists()


def test_a_moderator_who_is_the_auditor_is_a_row_error_and_nothing_is_written(auditor):
    rows = [
        moderated(audit_row(case_reference="LCS-1", auditor="someone.else")),
        moderated(audit_row(case_reference="LCS-2", auditor="auditor"), moderator=auditor.email),
    ]
    with pytest.raises(ImportFailed) as caught:
        run(rows)
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "moderator")]
    assert "row 3, column moderator" in str(caught.value.errors[0])
    assert not Audit.objects.exists() and not Moderation.objects.exists()


def test_a_problem_in_any_row_writes_no_moderation(db):
    rows = [moderated(audit_row(case_reference=f"LCS-{i}")) for i in range(5)]
    rows[4]["moderated_plan"] = "Goodish"
    with pytest.raises(ImportFailed):
        run(rows)
    assert not Moderation.objects.exists() and not ModeratedGrade.objects.exists()


def test_dry_run_counts_the_moderations_and_writes_none(db):
    rows = many_rows(40)
    dry = run(rows, dry_run=True)
    assert dry.moderations == 20
    assert "20 completed moderations would be recorded." in dry.summary_lines()
    assert not Moderation.objects.exists()
    real = run(rows)
    assert real.moderations == Moderation.objects.count() == 20


def test_importing_the_same_file_twice_records_no_second_moderation(db):
    rows = many_rows(20)
    run(rows)
    again = run(rows)
    assert again.moderations == 0 and again.skipped == 20
    assert Moderation.objects.count() == 10
    assert ModeratedGrade.history.count() == ModeratedGrade.objects.count()


def test_imported_moderations_are_read_like_moderations_done_here(qa_lead, auditor, team):
    run([moderated(audit_row(case_reference="LCS-7", auditor="auditor"), grade="RI")])
    imported = Moderation.objects.get()
    # The auditor and a QA lead find it where they find any completed moderation.
    assert list(moderations_visible_to(auditor)) == [imported]
    assert imported in moderations_visible_to(qa_lead)
    completed = Moderation.objects.filter(
        status=Moderation.Status.COMPLETED, audit__programme__month=dt.date(2025, 3, 1)
    )
    assert list(completed) == [imported]
    assert imported.grades.count() == imported.audit.grades.count()


def test_the_import_page_shows_the_moderation_count(client, qa_lead):
    client.force_login(qa_lead)
    upload = to_csv([moderated(audit_row())])
    response = client.post(
        reverse("import_audits"),
        {"file": SimpleUploadedFile("a.csv", upload, "text/csv"), "dry_run": "on"},
    )
    assert response.status_code == 200
    assert "Completed moderations" in response.text
    assert not Moderation.objects.exists()


# The data migration for databases imported before moderation existed -----------------------


def legacy_audit(auditor, moderator_username: str, **record):
    """An audit as the old import left it: moderation only as JSON, no Moderation row."""
    audit = submitted_audit(auditor=auditor, grade="G", overall="G")
    fields = {
        "moderator": moderator_username,
        "moderated_on": "2025-04-02",
        "overall": "RI",
        "escalated": False,
        "grades": {"plan": "RI", "voice": "G"},
    } | record
    Audit.objects.filter(pk=audit.pk).update(imported_moderation=fields, source=Audit.Source.IMPORT)
    return audit


def run_conversion() -> None:
    # The migration's forward function, with the project's models: 0002 changes no tables,
    # so today's models are what it sees. (Migrating back and forth in a test flushes the
    # roles that later transactional tests need.)
    conversion = importlib.import_module("moderation.migrations.0002_imported_moderation_history")
    conversion.convert(django_apps, None)


def test_the_migration_converts_old_imported_moderations_once(auditor, moderator):
    kept = legacy_audit(auditor, "MODERATOR")
    escalated = legacy_audit(auditor, "gone.officer", overall="I", escalated=True)
    own = legacy_audit(auditor, auditor.username)
    untouched = submitted_audit(auditor=auditor)

    run_conversion()

    moderation = kept.moderations.get()
    assert (moderation.status, moderation.source, moderation.selection) == (
        "completed",
        "import",
        "imported",
    )
    assert moderation.moderator == moderator and moderation.overall == "RI"
    assert timezone.localdate(moderation.completed_at) == dt.date(2025, 4, 2)
    grades = dict(moderation.grades.values_list("domain__code", "grade"))
    assert grades["plan"] == "RI" and grades["voice"] == "G" and grades["review"] == ""
    assert moderation.history.earliest().history_type == "+"
    assert ModeratedGrade.history.filter(moderation_id=moderation.pk).count() == len(grades)
    other = escalated.moderations.get()
    assert other.escalated and other.overall == "I"
    assert not other.moderator.is_active and other.moderator.is_moderator
    # Never the auditor's own audit; never an audit without imported moderation.
    assert not own.moderations.exists() and not untouched.moderations.exists()
    assert DomainGrade.objects.filter(audit=kept, grade="G").count() == kept.grades.count()

    # Run again (as after a rollback and re-apply): nothing is converted twice.
    run_conversion()
    assert Moderation.objects.count() == 2
