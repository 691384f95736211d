"""A hand-added reason is the moderation's selection_note, which the schema declares at most
300 characters long (issue 10, finding 18): the service refuses a longer one, so no answer
returns more than the schema says."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from core.errors import DomainError
from moderation.models import Moderation
from moderation.services.sample import moderation_add
from tests.factories import ProgrammeFactory, submitted_audit

pytestmark = pytest.mark.django_db


def declared_length() -> int:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    output = schema["components"]["schemas"]["ModerationDetailOutput"]
    return output["properties"]["selection_note"]["maxLength"]


def test_the_service_refuses_a_hand_added_reason_longer_than_the_selection_note(submitted, qa_lead):
    longest = declared_length()
    with pytest.raises(DomainError) as refused:
        moderation_add(actor=qa_lead, audit=submitted, reason="x" * (longest + 1))
    assert refused.value.field_errors == {
        "reason": [f"Enter a reason of at most {longest} characters."]
    }
    assert not Moderation.objects.filter(audit=submitted).exists()
    # Surrounding spaces are not the reason: they are not counted.
    added = moderation_add(actor=qa_lead, audit=submitted, reason=f"  {'x' * longest}  ")
    assert added.selection_note == "x" * longest


def test_the_api_refuses_a_long_reason_and_returns_no_note_longer_than_declared(
    api_client, submitted, qa_lead
):
    longest = declared_length()
    api_client.force_login(qa_lead)
    body = {"audit": submitted.pk, "reason": "x" * (longest + 1)}
    refused = api_client.post("/api/moderations/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["reason"] == [f"Enter a reason of at most {longest} characters."]
    assert not Moderation.objects.filter(audit=submitted).exists()
    added = api_client.post("/api/moderations/", {**body, "reason": "x" * longest}, format="json")
    assert added.status_code == 201
    for response in (added, api_client.get(f"/api/moderations/{added.json()['id']}/")):
        assert len(response.json()["selection_note"]) <= longest


def test_the_sample_page_refuses_a_long_reason_with_an_error_linked_to_the_field(
    client, qa_lead, team
):
    programme = ProgrammeFactory()
    audit = submitted_audit(programme=programme, case__team=team)
    longest = declared_length()
    client.force_login(qa_lead)
    response = client.post(
        reverse("moderation:sample_add", args=[programme.pk]),
        {"reference": audit.case.reference, "reason": "x" * (longest + 1)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_reason"' in html
    assert f"Enter a reason of at most {longest} characters." in html
    assert not Moderation.objects.filter(audit=audit).exists()
