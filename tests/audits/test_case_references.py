"""One strict pattern for case references, checked by every channel that takes one."""

import io
import random

import pytest
from django.core.exceptions import ValidationError

from core.errors import DomainError
from core.models import Case
from core.services.cases import case_create
from core.validation import CASE_REFERENCE_MESSAGE, is_case_reference
from demo.history import new_reference
from flows.importer import ImportFailed, audits_import, read_table
from tests.audits.import_rows import audit_row, to_csv
from tests.factories import CaseFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

BAD = [
    "LCS-1\r\nBcc: everyone@example.com",
    "LCS-1\n",
    " LCS-1",
    "LCS-1 ",
    "LCS 1",
    "LCS-1;DROP",
    '=HYPERLINK("x")',
    "LCS-1+2",
    "Å-1",
    "x" * 41,
]
GOOD = ["LCS-100123", "-0042/A", "CIN_2024.17", "a" * 40, "9"]


@pytest.mark.parametrize("reference", GOOD)
def test_the_pattern_takes_letters_digits_and_slash_underscore_dot_dash(reference):
    assert is_case_reference(reference)


@pytest.mark.parametrize("reference", BAD)
def test_the_model_field_refuses_a_reference_outside_the_pattern(team, reference):
    with pytest.raises(ValidationError) as caught:
        Case(reference=reference, team=team).full_clean()
    assert "reference" in caught.value.message_dict


@pytest.mark.parametrize("reference", BAD)
def test_the_case_service_refuses_a_reference_outside_the_pattern(qa_lead, team, reference):
    with pytest.raises(DomainError) as caught:
        case_create(actor=qa_lead, reference=reference, team=team, case_type="cin")
    assert caught.value.field_errors == {"reference": [CASE_REFERENCE_MESSAGE]}
    assert not Case.objects.exists()


@pytest.mark.parametrize("reference", BAD)
def test_the_case_api_refuses_a_reference_outside_the_pattern(api_client, qa_lead, team, reference):
    api_client.force_login(qa_lead)
    body = {"reference": reference, "team": team.pk, "case_type": "cin"}
    response = api_client.post("/api/cases/", body, format="json")
    assert response.status_code == 400
    assert response.json()["reference"] == [CASE_REFERENCE_MESSAGE]
    assert not Case.objects.exists()


def test_the_audit_api_refuses_a_case_reference_with_a_line_break(api_client, auditor):
    api_client.force_login(auditor)
    body = {"case": "LCS-1\nBcc: x@example.com", "tool": "case-file"}
    response = api_client.post("/api/audits/", body, format="json")
    assert response.status_code == 400
    assert response.json()["case"] == [CASE_REFERENCE_MESSAGE]


@pytest.mark.parametrize(
    "url", ["/programmes/{pk}/cases/", "/moderation/programmes/{pk}/sample/add/", "/cases/access/"]
)
def test_the_pages_refuse_a_case_reference_with_a_line_break(client, qa_lead, url):
    programme = ProgrammeFactory()
    client.force_login(qa_lead)
    url = url.format(pk=programme.pk)
    data = {"reference": "LCS-1\r\nBcc: x@example.com"}
    response = client.get(url, data) if "access" in url else client.post(url, data)
    assert response.status_code == 400
    assert CASE_REFERENCE_MESSAGE.encode() in response.content.replace(b"&#x27;", b"'")


def test_the_importer_names_the_row_and_column_of_a_bad_reference(qa_lead):
    rows = [audit_row(case_reference="LCS-1"), audit_row(case_reference="LCS 2")]
    with pytest.raises(ImportFailed) as caught:
        audits_import(rows=read_table(io.BytesIO(to_csv(rows)), "a.csv"), actor=qa_lead)
    assert [str(e) for e in caught.value.errors] == [
        f"row 3, column case_reference: {CASE_REFERENCE_MESSAGE}"
    ]
    assert not Case.objects.exists()


def test_demo_data_and_factories_make_valid_references():
    rng, taken = random.Random(7), set()
    assert all(is_case_reference(new_reference(rng, taken)) for _ in range(200))
    assert all(is_case_reference(CaseFactory.build().reference) for _ in range(20))
