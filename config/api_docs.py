"""The API reference page (/api/docs/) and who may read it and the schema (/api/schema/).

The page is drawn on the server from the OpenAPI schema drf-spectacular generates, with the
site's GOV.UK templates: every operation with its method, path, description, parameters,
request body and responses, and every schema they name. It needs no JavaScript and nothing
inline (the Content Security Policy allows neither), so it passes axe where Swagger UI did
not. The raw schema is a link away. Both need a signed-in person with a role: the names of
the API's fields are not for the public (the schema view's rule is SPECTACULAR_SETTINGS'
SERVE_PERMISSIONS).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

from core.api import HasRole
from core.permissions import has_any_role, require

METHODS = ("get", "post", "put", "patch", "delete")
REF_PREFIX = "#/components/schemas/"

Parts = list[tuple[str, str]]  # a type as (text, link) pieces; link "" for plain text


@dataclass
class Row:
    """A parameter, a property or a response: one row of a table."""

    name: str
    type: Parts
    required: bool = False
    details: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    operation_id: str
    description: list[str]
    parameters: list[Row]
    body: list[Row]
    responses: list[Row]
    authentication: str


@dataclass
class Schema:
    name: str
    anchor: str
    description: list[str]
    properties: list[Row]
    values: list[str]


def schema_anchor(name: str) -> str:
    return f"schema-{name}"


def type_parts(schema: dict[str, Any]) -> Parts:
    """A schema's type in words, with a link to each named schema it uses."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        parts: Parts = [(name, f"#{schema_anchor(name)}")]
    elif any(key in schema for key in ("oneOf", "anyOf", "allOf")):
        choices = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf") or []
        parts = _joined([type_parts(choice) for choice in choices], " or ")
    elif schema.get("type") == "array":
        parts = [("list of ", ""), *type_parts(schema.get("items", {}))]
    elif schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        parts = [("object of ", ""), *type_parts(schema["additionalProperties"])]
    else:
        text = schema.get("type", "any")
        if "format" in schema:
            text += f" ({schema['format']})"
        parts = [(text, "")]
    if schema.get("nullable"):
        parts.append((" or null", ""))
    return parts


def _joined(alternatives: list[Parts], separator: str) -> Parts:
    joined: Parts = []
    for index, parts in enumerate(alternatives):
        if index:
            joined.append((separator, ""))
        joined.extend(parts)
    return joined


CONSTRAINTS = (
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("minimum", "minimum {}"),
    ("maximum", "maximum {}"),
    ("pattern", "pattern {}"),
    ("default", "default {}"),
    ("example", "for example {}"),
)


def details(schema: dict[str, Any]) -> list[str]:
    """What else the schema says of a value: its limits, choices, default, example."""
    found = []
    if "enum" in schema:
        found.append("one of: " + ", ".join(_shown(v) for v in schema["enum"]))
    for key, words in CONSTRAINTS:
        if key in schema:
            found.append(words.format(_shown(schema[key])))
    if schema.get("readOnly"):
        found.append("read only")
    if schema.get("writeOnly"):
        found.append("write only")
    return found


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return '"" (empty)'
    return str(value)


def paragraphs(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split("\n\n") if part.strip()]


def _properties(schema: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", ()))
    return [
        Row(
            name=name,
            type=type_parts(prop),
            required=name in required,
            details=details(prop),
            description=prop.get("description", ""),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def _parameters(operation: dict[str, Any]) -> list[Row]:
    return [
        Row(
            name=f"{p['name']} ({p['in']})",
            type=type_parts(p.get("schema", {})),
            required=p.get("required", False),
            details=details(p.get("schema", {})),
            description=p.get("description", ""),
        )
        for p in operation.get("parameters", ())
    ]


def _body(operation: dict[str, Any]) -> list[Row]:
    body = operation.get("requestBody")
    if not body:
        return []
    return [
        Row(name=media, type=type_parts(content.get("schema", {})), required=body.get("required"))
        for media, content in body.get("content", {}).items()
    ]


def _responses(operation: dict[str, Any]) -> list[Row]:
    rows = []
    for code, response in operation.get("responses", {}).items():
        contents = response.get("content", {})
        no_content: tuple[str, dict[str, Any]] = ("", {})
        media, content = next(iter(contents.items()), no_content)
        headers = [f"header {name}" for name in response.get("headers", {})]
        rows.append(
            Row(
                name=str(code),
                type=type_parts(content["schema"]) if "schema" in content else [],
                details=([media] if media else []) + headers,
                description=response.get("description", ""),
            )
        )
    return rows


def _authentication(operation: dict[str, Any], schemes: dict[str, Any]) -> str:
    names = [name for requirement in operation.get("security", ()) for name in requirement]
    if not names:
        return "None: anyone may call it."
    words = {"tokenAuth": "a token (Authorization: Token …)", "cookieAuth": "a signed-in session"}
    return "With " + " or ".join(words.get(name, name) for name in names if name in schemes) + "."


def operations(schema: dict[str, Any]) -> dict[str, list[Operation]]:
    """Every operation, grouped by its first tag, in the schema's order."""
    schemes = schema.get("components", {}).get("securitySchemes", {})
    groups: dict[str, list[Operation]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    anchor=f"operation-{operation['operationId']}",
                    operation_id=operation["operationId"],
                    description=paragraphs(
                        operation.get("summary", "") + "\n\n" + operation.get("description", "")
                    ),
                    parameters=_parameters(operation),
                    body=_body(operation),
                    responses=_responses(operation),
                    authentication=_authentication(operation, schemes),
                )
            )
    return groups


def schemas(schema: dict[str, Any]) -> Iterable[Schema]:
    for name, component in schema.get("components", {}).get("schemas", {}).items():
        yield Schema(
            name=name,
            anchor=schema_anchor(name),
            description=paragraphs(component.get("description")),
            properties=_properties(component),
            values=[_shown(v) for v in component.get("enum", ())],
        )


@cache
def reference() -> dict[str, Any]:
    """The page's content, built once per process: generating the schema takes seconds, and
    it changes only with the code."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    info = schema.get("info", {})
    return {
        "info": info,
        "description": paragraphs(info.get("description")),
        "groups": operations(schema),
        "schemas": list(schemas(schema)),
    }


@login_required
def api_reference(request):
    """The API reference, for staff holding a role (the schema's own rule)."""
    require(has_any_role(request.user), HasRole.message)
    return render(request, "api/reference.html", reference())
