"""The OpenAPI schema generates and validates with no warnings, and covers every operation."""

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture
def schema(tmp_path) -> dict:
    path = tmp_path / "schema.yml"
    # --fail-on-warn raises on any drf-spectacular warning or error; --validate checks OpenAPI 3.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_has_no_warnings_and_documents_every_operation(schema):
    operations = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert ("/api/audits/{id}/submit/", "post") in operations
    assert ("/api/token/", "post") in operations
    for (path, method), operation in operations.items():
        assert "200" in operation["responses"] or "201" in operation["responses"], path
        if method in ("post", "patch"):
            assert "requestBody" in operation, (path, method)
    audits = schema["paths"]["/api/audits/"]["get"]
    assert {p["name"] for p in audits["parameters"]} >= {
        "month_from",
        "month_to",
        "service_area",
        "team",
        "tool",
        "auditor",
        "status",
        "overall",
        "page",
    }


def test_grades_are_documented_as_an_object_keyed_by_domain_code(schema):
    content = schema["components"]["schemas"]["PatchedAuditContentInputRequest"]
    grades = content["properties"]["grades"]
    assert grades["type"] == "object"
    assert grades["additionalProperties"] == {"$ref": "#/components/schemas/GradeInputRequest"}


def test_moderation_operations_are_documented(schema):
    paths = schema["paths"]
    for path, method in [
        ("/api/moderations/", "get"),
        ("/api/moderations/", "post"),
        ("/api/moderations/{id}/", "get"),
        ("/api/moderations/{id}/", "patch"),
        ("/api/moderations/{id}/claim/", "post"),
        ("/api/moderations/{id}/release/", "post"),
        ("/api/moderations/{id}/reveal/", "post"),
        ("/api/moderations/{id}/complete/", "post"),
        ("/api/moderations/{id}/return/", "post"),
        ("/api/moderations/{id}/acknowledge/", "post"),
        ("/api/moderations/{id}/remove/", "post"),
        ("/api/programmes/{id}/sample/", "get"),
        ("/api/programmes/{id}/sample/", "post"),
        ("/api/escalations/", "get"),
        ("/api/escalations/{id}/", "get"),
        ("/api/escalations/{id}/respond/", "post"),
    ]:
        assert method in paths.get(path, {}), (path, method)
    moderations = {p["name"] for p in paths["/api/moderations/"]["get"]["parameters"]}
    assert moderations >= {"status", "programme", "month", "service_area", "moderator", "mine"}
    assert "selection" in moderations
    escalations = {p["name"] for p in paths["/api/escalations/"]["get"]["parameters"]}
    assert escalations >= {"status", "service_area", "overdue"}
    patch = paths["/api/moderations/{id}/"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert "409" in paths["/api/moderations/{id}/claim/"]["post"]["responses"]
    grades = schema["components"]["schemas"]["PatchedModerationContentInputRequest"]
    assert grades["properties"]["grades"]["additionalProperties"] == {
        "$ref": "#/components/schemas/ModeratedGradeInputRequest"
    }


def test_saving_and_submitting_declare_the_database_unavailable_answer(schema):
    """tests/reliability/test_db_drop.py gets a 503 from both when the connection drops."""
    item = schema["paths"]["/api/audits/{id}/"]["patch"]
    submit = schema["paths"]["/api/audits/{id}/submit/"]["post"]
    for operation in (item, submit):
        assert "503" in operation["responses"]
        assert "try again" in operation["responses"]["503"]["description"]
