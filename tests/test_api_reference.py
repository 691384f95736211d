"""The API reference page (/api/docs/): every operation of the schema, drawn on the server."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(client, auditor) -> str:
    client.force_login(auditor)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_api_reference_documents_every_operation_of_the_schema(reference):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            anchor = f'id="operation-{operation["operationId"]}"'
            assert anchor in reference, (method, path)
            heading = reference.split(anchor, 1)[1].split("</h3>", 1)[0]
            assert method.upper() in heading and path in heading
    # Parameters, bodies, responses and the schemas they link to.
    assert "month_from (query)" in reference
    assert 'href="#schema-AuditCreateInputRequest"' in reference
    assert 'id="schema-AuditCreateInputRequest"' in reference
    assert "at most 40 characters" in reference  # AuditCreateInput.case
    assert "Invalid input: a message per field." in reference


def test_every_link_on_the_api_reference_goes_somewhere(reference):
    anchors = set(re.findall(r'id="([^"]+)"', reference))
    for target in re.findall(r'href="#([^"]+)"', reference):
        assert target in anchors, target


def test_the_api_reference_links_the_raw_schema(client, reference):
    assert 'href="/api/schema/"' in reference and 'href="/api/schema/?format=json"' in reference
    assert client.get("/api/schema/", {"format": "json"}).json()["openapi"].startswith("3.")


def test_the_api_reference_has_no_script_or_style_inline(reference):
    assert "<style" not in reference and ' style="' not in reference
    assert not re.search(r"<script(?![^>]*\bsrc=)", reference)
    assert "swagger" not in reference.lower()
