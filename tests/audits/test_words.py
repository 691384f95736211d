"""Issue 12 snag 23: words for people, not code, on the pages (the API keeps its own)."""

import pytest

from tests.factories import AuditFactory

pytestmark = pytest.mark.django_db


def test_the_audit_lists_filters_are_named_and_hinted_in_words(client, qa_lead):
    client.force_login(qa_lead)
    text = client.get("/audits/").content.decode()
    for code_talk in ("tool:code", "yes: leave out", "Case team service area", "Tool code."):
        assert code_talk not in text
    assert 'for="id_service_area">Service area</label>' in text
    assert "Leave out, or list only, submissions a moderator sent back for rework." in text


def test_the_api_keeps_its_precise_help_texts(client, qa_lead):
    client.force_login(qa_lead)
    schema = client.get("/api/schema/", {"format": "json"}).content.decode()
    assert "Tool code." in schema


def test_the_create_button_says_create(client, qa_lead):
    client.force_login(qa_lead)
    assert ">Create a programme</a>" in client.get("/programmes/").content.decode()


def test_the_access_log_reads_as_a_sentence(client, qa_lead):
    import datetime as dt

    audit = AuditFactory(month=dt.date(2026, 12, 1))
    client.force_login(qa_lead)
    client.get(f"/audits/{audit.pk}/")
    text = client.get("/cases/access/", {"reference": audit.case.reference}).content.decode()
    assert ">The December 2026 audit</a>" in text
    assert "The audit of the" not in text
