"""A tool as a file, so an authority can share its tool with a neighbour: a tool version
exported as JSON or as an XLSX workbook, and such a file imported as a new draft (version 1
of a new code, or the next version of an existing tool). An import is all or nothing and
names the row and column (or the JSON path) of every problem.

XLSX: a sheet "Tool" of field / value rows (code, name, audit_type, offers_outstanding,
blind_moderation, version) and a sheet "Domains", one row per domain in order, with columns
code, title, guidance, na_allowed, O, G, RI, I and maps (the previous version's domain codes
it continues, separated by commas; blank: the one with its own code, if any).
"""

import io
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from core.errors import DomainError
from core.models import AuditTool, User
from core.services import tools as services
from core.spreadsheets import neutralise
from core.tool_definitions import (
    GRADES,
    DomainSpec,
    ToolSpec,
    definition_errors,
    definition_of,
)
from flows.importer.files import MAX_FILE_BYTES, _check_zip
from flows.importer.results import ImportFailed

FORMAT = "case-file-audit-tool"
TOOL_FIELDS = ["code", "name", "audit_type", "offers_outstanding", "blind_moderation", "version"]
DOMAIN_COLUMNS = ["code", "title", "guidance", "na_allowed", *GRADES, "maps"]
MAX_TOOL_FILE_BYTES = min(MAX_FILE_BYTES, 2 * 1024 * 1024)
YES = {"yes", "true", "1", "y"}
NO = {"no", "false", "0", "n", ""}


class ToolFileError(Exception):
    """The file cannot be imported; `errors` names every problem and where it is."""

    def __init__(self, errors: list[str]):
        super().__init__("The tool file cannot be imported.")
        self.errors = errors


@dataclass(frozen=True)
class _Where:
    """How a definition's field is named in a file: a JSON path, or a sheet's row and column."""

    tool: dict[str, str]
    domain: Callable[[int, str], str]

    def of(self, key: str) -> str:
        parts = key.split(".")
        if parts[0] == "domains" and len(parts) > 2:
            return self.domain(int(parts[1]), ".".join(parts[2:]))
        return self.tool.get(key, key)


# ---------------------------------------------------------------- export


def _definition_dict(tool: AuditTool) -> dict:
    spec = definition_of(tool)
    return {
        "format": FORMAT,
        "format_version": 1,
        "code": spec.code,
        "name": spec.name,
        "version": tool.version,
        "audit_type": spec.audit_type,
        "offers_outstanding": spec.offers_outstanding,
        "blind_moderation": spec.blind_moderation,
        "domains": [
            {
                "code": d.code,
                "title": d.title,
                "guidance": d.guidance,
                "na_allowed": d.na_allowed,
                "descriptors": {g: d.descriptors.get(g, "") for g in GRADES},
                "continues": list(d.continues),
            }
            for d in spec.domains
        ],
    }


def tool_json(tool: AuditTool) -> bytes:
    """The version as JSON, indented for people to read."""
    return json.dumps(_definition_dict(tool), indent=2, ensure_ascii=False).encode()


def tool_xlsx(tool: AuditTool) -> bytes:
    """The version as a workbook: the Tool sheet and the Domains sheet."""
    from openpyxl import Workbook

    data = _definition_dict(tool)
    book = Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet("Tool")
    sheet.append(["field", "value"])
    for field in TOOL_FIELDS:
        value = data[field]
        if isinstance(value, bool):
            value = "yes" if value else "no"
        sheet.append([field, neutralise(value)])
    domains = book.create_sheet("Domains")
    domains.append(DOMAIN_COLUMNS)
    for d in data["domains"]:
        row = [d["code"], d["title"], d["guidance"], "yes" if d["na_allowed"] else "no"]
        row += [d["descriptors"][g] for g in GRADES]
        row.append(", ".join(d["continues"]))
        domains.append([neutralise(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- import


def _flag(value, where: str, errors: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in YES:
        return True
    if text not in NO:
        errors.append(f"{where}: enter yes or no.")
    return False


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _codes(value) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(_text(v) for v in value if _text(v))
    return tuple(part.strip() for part in _text(value).split(",") if part.strip())


def _parse_json(data: bytes) -> tuple[ToolSpec, _Where, list[str]]:
    errors: list[str] = []
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ToolFileError([f"The file is not JSON that can be read ({error})."]) from error
    if not isinstance(raw, dict):
        raise ToolFileError(["The file must hold one JSON object: the tool."])
    domains_raw = raw.get("domains", [])
    if not isinstance(domains_raw, list):
        errors.append("domains: give a list of domains.")
        domains_raw = []
    domains = []
    for i, d in enumerate(domains_raw):
        if not isinstance(d, dict):
            errors.append(f"domains[{i}]: give a domain as an object.")
            continue
        given = d.get("descriptors")
        descriptors: dict = given if isinstance(given, dict) else {}
        domains.append(
            DomainSpec(
                code=_text(d.get("code")),
                title=_text(d.get("title")),
                guidance=_text(d.get("guidance")),
                na_allowed=_flag(d.get("na_allowed"), f"domains[{i}].na_allowed", errors),
                descriptors={g: _text(descriptors.get(g)) for g in GRADES},
                continues=_codes(d.get("continues") or []),
            )
        )
    spec = ToolSpec(
        code=_text(raw.get("code")),
        name=_text(raw.get("name")),
        audit_type=_text(raw.get("audit_type")) or AuditTool.AuditType.CASE_FILE,
        offers_outstanding=_flag(raw.get("offers_outstanding", True), "offers_outstanding", errors),
        blind_moderation=_flag(raw.get("blind_moderation", False), "blind_moderation", errors),
        domains=domains,
    )
    where = _Where(
        tool={key: key for key in TOOL_FIELDS},
        domain=lambda i, field: f"domains[{i}].{'continues' if field == 'continues' else field}",
    )
    return spec, where, errors


def _read_workbook(data: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    try:
        _check_zip(data)
    except ImportFailed as error:
        raise ToolFileError([error.message]) from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return {
                    sheet.title.strip().lower(): [
                        list(row) for row in sheet.iter_rows(values_only=True, max_col=20)
                    ][:500]
                    for sheet in book.worksheets
                }
            finally:
                book.close()
    # Whatever openpyxl trips over in an uploaded file is a problem with the file.
    except Exception as error:
        raise ToolFileError(["The file is not an Excel workbook that can be read."]) from error


def _parse_xlsx(data: bytes) -> tuple[ToolSpec, _Where, list[str]]:
    sheets = _read_workbook(data)
    missing = [name for name in ("tool", "domains") if name not in sheets]
    if missing:
        raise ToolFileError(
            [f"The workbook has no sheet named {name.title()}." for name in missing]
        )
    errors: list[str] = []
    fields: dict[str, object] = {}
    field_rows: dict[str, str] = {}
    for number, row in enumerate(sheets["tool"][1:], start=2):
        name = _text(row[0] if row else None).lower()
        if name in TOOL_FIELDS:
            fields[name] = row[1] if len(row) > 1 else None
            field_rows[name] = f"Tool sheet, row {number}, column value"
    rows = sheets["domains"]
    headers = [_text(h).lower() for h in (rows[0] if rows else [])]
    absent = [c for c in DOMAIN_COLUMNS if c.lower() not in headers]
    if absent:
        raise ToolFileError([f"Domains sheet, row 1: the column {c} is missing." for c in absent])
    column = {c: headers.index(c.lower()) for c in DOMAIN_COLUMNS}
    domains, numbers = [], []
    for number, row in enumerate(rows[1:], start=2):
        cells = {c: row[i] if i < len(row) else None for c, i in column.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue  # a blank row between domains
        domains.append(
            DomainSpec(
                code=_text(cells["code"]),
                title=_text(cells["title"]),
                guidance=_text(cells["guidance"]),
                na_allowed=_flag(
                    cells["na_allowed"], f"Domains sheet, row {number}, column na_allowed", errors
                ),
                descriptors={g: _text(cells[g]) for g in GRADES},
                continues=_codes(cells["maps"]),
            )
        )
        numbers.append(number)
    spec = ToolSpec(
        code=_text(fields.get("code")),
        name=_text(fields.get("name")),
        audit_type=_text(fields.get("audit_type")) or AuditTool.AuditType.CASE_FILE,
        offers_outstanding=_flag(
            fields.get("offers_outstanding", "yes"),
            field_rows.get("offers_outstanding", "Tool sheet"),
            errors,
        ),
        blind_moderation=_flag(
            fields.get("blind_moderation", "no"),
            field_rows.get("blind_moderation", "Tool sheet"),
            errors,
        ),
        domains=domains,
    )

    def domain_where(i: int, field: str) -> str:
        name = {"continues": "maps"}.get(field, field.removeprefix("descriptors."))
        return f"Domains sheet, row {numbers[i]}, column {name}"

    tool_where = {f: field_rows.get(f, f"Tool sheet, the {f} row") for f in TOOL_FIELDS}
    tool_where["domains"] = "Domains sheet"
    return spec, _Where(tool_where, domain_where), errors


@transaction.atomic
def tool_file_import(*, actor: User, file_obj, filename: str) -> AuditTool:
    """A tool file as a new draft: version 1 of a new code, or the next version of the tool
    with that code (its domains continue the codes the file names). Nothing is written
    unless the whole file is right."""
    name = (filename or "").lower()
    if not name.endswith((".json", ".xlsx")):
        raise ToolFileError(["The file must be a tool file: JSON (.json) or Excel (.xlsx)."])
    data = file_obj.read(MAX_TOOL_FILE_BYTES + 1)
    if len(data) > MAX_TOOL_FILE_BYTES:
        raise ToolFileError([f"A tool file is at most {MAX_TOOL_FILE_BYTES // 1024 // 1024} MB."])
    parse = _parse_json if name.endswith(".json") else _parse_xlsx
    spec, where, errors = parse(data)
    if errors:
        raise ToolFileError(errors)
    latest = AuditTool.objects.filter(code=spec.code).order_by("-version").first()
    try:
        if latest is None:
            # A first version continues nothing, whatever the file's maps say.
            bare = [DomainSpec(**{**d.__dict__, "continues": ()}) for d in spec.domains]
            first = ToolSpec(**{**spec.__dict__, "domains": bare})
            # A file is a whole definition: checked whole, though it arrives as a draft.
            problems = definition_errors(first)
            if problems:
                raise DomainError("The tool is not valid.", field_errors=problems)
            return services.tool_create(actor=actor, spec=first)
        return services.tool_version_create(actor=actor, tool=latest, spec=spec)
    except DomainError as error:
        if not error.field_errors:
            raise ToolFileError([error.message]) from error
        raise ToolFileError(
            [
                f"{where.of(key)}: {message}"
                for key, messages in error.field_errors.items()
                for message in messages
            ]
        ) from error
