"""What makes a tool definition valid, for every channel: the services check it, the pages,
the API and the tool file import report its messages on their own fields.

A definition is the tool's fields and its domains in order; each domain of a later version
names the previous version's domain codes it continues (`continues`). Error keys are the
definition's field names: "code", "name", "audit_type", "domains" (the list as a whole) and
"domains.<i>.<field>" for domain i (from 0), where field is code, title, guidance,
"descriptors.<grade>" or continues.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.models import AuditTool

CODE_MAX_LENGTH = 50
_CODE_BODY = rf"[a-z][a-z0-9_-]{{0,{CODE_MAX_LENGTH - 1}}}"
CODE_PATTERN = rf"\A{_CODE_BODY}\Z"
CODE_JSON_PATTERN = f"^{_CODE_BODY}$"  # the same, for the API schema
CODE_MESSAGE = (
    f"A code has 1 to {CODE_MAX_LENGTH} characters: lower-case letters, digits, - and _ "
    "only, starting with a letter, for example voice_of_child."
)
NAME_MAX = 120
TITLE_MAX = 200
GUIDANCE_MAX = 5_000
DESCRIPTOR_MAX = 2_000
DOMAINS_MAX = 60

GRADES = ("O", "G", "RI", "I")
GRADE_NAMES = {
    "O": "Outstanding",
    "G": "Good",
    "RI": "Requires improvement",
    "I": "Inadequate",
}
# The model's field for each grade's descriptor.
DESCRIPTOR_FIELDS = {
    "O": "descriptor_outstanding",
    "G": "descriptor_good",
    "RI": "descriptor_requires_improvement",
    "I": "descriptor_inadequate",
}


@dataclass(frozen=True)
class DomainSpec:
    code: str
    title: str
    guidance: str = ""
    na_allowed: bool = False
    descriptors: Mapping[str, str] = field(default_factory=dict)
    continues: tuple[str, ...] = ()  # codes of the previous version's domains


@dataclass(frozen=True)
class ToolSpec:
    code: str
    name: str
    audit_type: str = AuditTool.AuditType.CASE_FILE
    offers_outstanding: bool = True
    blind_moderation: bool = False
    domains: Sequence[DomainSpec] = ()


def code_error(value: object) -> str | None:
    """The message if value is not a valid tool or domain code, else None."""
    if not isinstance(value, str) or re.fullmatch(CODE_PATTERN, value) is None:
        return CODE_MESSAGE
    return None


def _text_error(value: str, label: str, limit: int, *, required: bool) -> str | None:
    if required and not value.strip():
        return f"Enter the {label}."
    if len(value) > limit:
        return f"The {label} must be {limit:,} characters or fewer."
    return None


def tool_field_errors(spec: ToolSpec) -> dict[str, list[str]]:
    """The tool's own fields: code, name and audit type."""
    errors: dict[str, list[str]] = {}
    problem = code_error(spec.code)
    if problem:
        errors["code"] = [problem]
    problem = _text_error(spec.name, "tool's name", NAME_MAX, required=True)
    if problem:
        errors["name"] = [problem]
    if spec.audit_type not in AuditTool.AuditType.values:
        errors["audit_type"] = ["Choose an audit type from the list."]
    return errors


def domain_errors(
    domain: DomainSpec,
    *,
    offers_outstanding: bool,
    taken_codes: Sequence[str] = (),
    previous_codes: Sequence[str] | None = None,
) -> dict[str, list[str]]:
    """One domain's fields: its code (valid, and not one of `taken_codes`), title, guidance,
    a descriptor for each grade the tool offers, and the previous version's domains it
    continues (`previous_codes`; None for a first version, which continues nothing)."""
    errors: dict[str, list[str]] = {}
    problem = code_error(domain.code)
    if problem is None and domain.code in taken_codes:
        problem = f"Another domain of this version has the code {domain.code}."
    if problem:
        errors["code"] = [problem]
    for name, label, limit, required in [
        ("title", "domain's title", TITLE_MAX, True),
        ("guidance", "guidance", GUIDANCE_MAX, False),
    ]:
        problem = _text_error(getattr(domain, name), label, limit, required=required)
        if problem:
            errors[name] = [problem]
    for grade in GRADES:
        if grade == "O" and not offers_outstanding:
            continue
        text = domain.descriptors.get(grade, "")
        label = f"descriptor for {GRADE_NAMES[grade]}"
        problem = _text_error(text, label, DESCRIPTOR_MAX, required=True)
        if problem:
            errors[f"descriptors.{grade}"] = [problem]
    if domain.continues and previous_codes is None:
        errors["continues"] = ["A first version continues no earlier domains."]
    elif domain.continues:
        unknown = [c for c in domain.continues if c not in previous_codes]  # type: ignore[operator]
        if unknown:
            errors["continues"] = [
                f"The previous version has no domain with the code {', '.join(unknown)}."
            ]
        elif len(set(domain.continues)) != len(domain.continues):
            errors["continues"] = ["Name each earlier domain once."]
    return errors


def definition_errors(
    spec: ToolSpec, *, previous_codes: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """Everything wrong with a whole definition at once, keyed as the module says."""
    errors = tool_field_errors(spec)
    if not spec.domains:
        errors["domains"] = ["Give the tool at least one domain."]
    elif len(spec.domains) > DOMAINS_MAX:
        errors["domains"] = [f"A tool has at most {DOMAINS_MAX} domains."]
    seen: list[str] = []
    for i, domain in enumerate(spec.domains[:DOMAINS_MAX]):
        found = domain_errors(
            domain,
            offers_outstanding=spec.offers_outstanding,
            taken_codes=seen,
            previous_codes=previous_codes,
        )
        errors |= {f"domains.{i}.{name}": messages for name, messages in found.items()}
        seen.append(domain.code)
    return errors


def definition_of(tool: AuditTool) -> ToolSpec:
    """A stored version as a definition (its domains' lineage by code)."""
    domains = tool.domains.order_by("position").prefetch_related("continues")
    return ToolSpec(
        code=tool.code,
        name=tool.name,
        audit_type=tool.audit_type,
        offers_outstanding=tool.offers_outstanding,
        blind_moderation=tool.blind_moderation,
        domains=[
            DomainSpec(
                code=d.code,
                title=d.title,
                guidance=d.guidance,
                na_allowed=d.na_allowed,
                descriptors=d.descriptors(),
                continues=tuple(sorted(old.code for old in d.continues.all())),
            )
            for d in domains
        ],
    )
