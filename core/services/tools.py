"""Every write to audit tools: drafts, their domains, publishing and new versions.

A draft version changes freely; publishing freezes it (core.models.tools refuses any later
save); a change after that is a new draft version, copied from the published one, whose
domains continue the old ones (core.tools reads the lineage for trends and comparisons).
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import DomainError, TransitionNotAllowed
from core.models import AuditTool, Domain, User
from core.models.tools import PUBLISHED_REFUSED
from core.services.saving import set_history_author
from core.tool_definitions import (
    DESCRIPTOR_FIELDS,
    DomainSpec,
    ToolSpec,
    definition_errors,
    definition_of,
    domain_errors,
    tool_field_errors,
)

DRAFT_EXISTS = "This tool already has a draft version: change that one, or publish it first."
NOT_LATEST = "Only the latest published version can be revised."


def _refuse(errors: dict[str, list[str]], message: str = "The tool is not valid.") -> None:
    if errors:
        raise DomainError(message, field_errors=errors)


def _locked_draft(tool: AuditTool) -> AuditTool:
    """The version, locked for the change, if it is still a draft."""
    locked = AuditTool.objects.select_for_update().get(pk=tool.pk)
    if locked.published_at is not None:
        raise TransitionNotAllowed(PUBLISHED_REFUSED)
    return locked


def _previous_codes(tool: AuditTool) -> list[str] | None:
    if tool.previous_id is None:
        return None
    return list(Domain.objects.filter(tool_id=tool.previous_id).values_list("code", flat=True))


def _domain_values(spec: DomainSpec) -> dict:
    values = {
        "title": spec.title.strip(),
        "guidance": spec.guidance.strip(),
        "na_allowed": spec.na_allowed,
    }
    for grade, name in DESCRIPTOR_FIELDS.items():
        values[name] = spec.descriptors.get(grade, "").strip()
    return values


def _link(domain: Domain, continues: tuple[str, ...]) -> None:
    old = Domain.objects.filter(tool_id=domain.tool.previous_id, code__in=continues)
    domain.continues.set(old)


def _insert_domains(tool: AuditTool, actor: User | None, domains) -> None:
    for position, spec in enumerate(domains, start=1):
        domain = Domain(tool=tool, code=spec.code, position=position, **_domain_values(spec))
        set_history_author(domain, actor).save()
        if spec.continues:
            _link(domain, spec.continues)


def _publish(tool: AuditTool, actor: User | None) -> AuditTool:
    tool.published_at = timezone.now()
    set_history_author(tool, actor).save()
    return tool


@transaction.atomic
def tool_create(*, actor: User | None, spec: ToolSpec, publish: bool = False) -> AuditTool:
    """Version 1 of a new tool, with its domains: a draft, or published at once."""
    # A draft may start with no domains; anything given is checked whole.
    errors = definition_errors(spec) if publish or spec.domains else tool_field_errors(spec)
    if "code" not in errors and AuditTool.objects.filter(code=spec.code).exists():
        errors["code"] = [f"A tool with the code {spec.code} exists already."]
    _refuse(errors)
    tool = AuditTool(
        code=spec.code,
        name=spec.name.strip(),
        version=1,
        audit_type=spec.audit_type,
        offers_outstanding=spec.offers_outstanding,
        blind_moderation=spec.blind_moderation,
    )
    set_history_author(tool, actor).save()
    _insert_domains(tool, actor, spec.domains)
    return _publish(tool, actor) if publish else tool


def _latest(code: str) -> AuditTool:
    return AuditTool.objects.select_for_update().filter(code=code).order_by("-version")[0]


@transaction.atomic
def tool_version_create(
    *, actor: User | None, tool: AuditTool, spec: ToolSpec, publish: bool = False
) -> AuditTool:
    """The next version of a published tool from a whole definition (the API and the tool
    file): each domain continues the old codes it names; a domain that names none continues
    the old domain with its own code, if there was one."""
    latest = _latest(tool.code)
    if latest.published_at is None:
        raise TransitionNotAllowed(DRAFT_EXISTS)
    old_codes = list(latest.domains.values_list("code", flat=True))
    domains = [
        d
        if d.continues or d.code not in old_codes
        else DomainSpec(**{**d.__dict__, "continues": (d.code,)})
        for d in spec.domains
    ]
    spec = ToolSpec(**{**spec.__dict__, "code": tool.code, "domains": domains})
    _refuse(definition_errors(spec, previous_codes=old_codes))
    new = AuditTool(
        code=tool.code,
        name=spec.name.strip(),
        version=latest.version + 1,
        audit_type=spec.audit_type,
        offers_outstanding=spec.offers_outstanding,
        blind_moderation=spec.blind_moderation,
        previous=latest,
    )
    set_history_author(new, actor).save()
    _insert_domains(new, actor, domains)
    return _publish(new, actor) if publish else new


@transaction.atomic
def tool_draft_new_version(*, actor: User | None, tool: AuditTool) -> AuditTool:
    """A new draft version copied from the latest published one, every domain continuing
    its original; the QA lead then adds, renames, retires, splits and merges."""
    latest = _latest(tool.code)
    if latest.published_at is None:
        raise TransitionNotAllowed(DRAFT_EXISTS)
    if latest.pk != tool.pk:
        raise TransitionNotAllowed(NOT_LATEST)
    domains = [
        DomainSpec(
            code=d.code,
            title=d.title,
            guidance=d.guidance,
            na_allowed=d.na_allowed,
            descriptors=d.descriptors(),
            continues=(d.code,),
        )
        for d in latest.domains.order_by("position")
    ]
    new = AuditTool(
        code=latest.code,
        name=latest.name,
        version=latest.version + 1,
        audit_type=latest.audit_type,
        offers_outstanding=latest.offers_outstanding,
        blind_moderation=latest.blind_moderation,
        previous=latest,
    )
    set_history_author(new, actor).save()
    _insert_domains(new, actor, domains)
    return new


@transaction.atomic
def tool_update(
    *,
    tool: AuditTool,
    actor: User,
    name: str,
    audit_type: str,
    offers_outstanding: bool,
    blind_moderation: bool,
) -> AuditTool:
    """Change a draft's own fields (its code and version stay)."""
    locked = _locked_draft(tool)
    spec = ToolSpec(code=locked.code, name=name, audit_type=audit_type)
    _refuse(tool_field_errors(spec))
    locked.name = name.strip()
    locked.audit_type = audit_type
    locked.offers_outstanding = offers_outstanding
    locked.blind_moderation = blind_moderation
    set_history_author(locked, actor).save()
    return locked


@transaction.atomic
def domain_add(*, tool: AuditTool, actor: User, spec: DomainSpec) -> Domain:
    """Add a domain at the end of a draft."""
    locked = _locked_draft(tool)
    taken = list(locked.domains.values_list("code", flat=True))
    _refuse(
        domain_errors(
            spec,
            offers_outstanding=locked.offers_outstanding,
            taken_codes=taken,
            previous_codes=_previous_codes(locked),
        ),
        "The domain is not valid.",
    )
    last = locked.domains.aggregate(last=Max("position"))["last"] or 0
    domain = Domain(tool=locked, code=spec.code, position=last + 1, **_domain_values(spec))
    set_history_author(domain, actor).save()
    _link(domain, spec.continues)
    return domain


@transaction.atomic
def domain_update(*, domain: Domain, actor: User, spec: DomainSpec) -> Domain:
    """Change a draft's domain: its code, title, guidance, descriptors, N/A and lineage."""
    locked = _locked_draft(domain.tool)
    taken = list(locked.domains.exclude(pk=domain.pk).values_list("code", flat=True))
    _refuse(
        domain_errors(
            spec,
            offers_outstanding=locked.offers_outstanding,
            taken_codes=taken,
            previous_codes=_previous_codes(locked),
        ),
        "The domain is not valid.",
    )
    domain = Domain.objects.get(pk=domain.pk)
    domain.code = spec.code
    for name, value in _domain_values(spec).items():
        setattr(domain, name, value)
    set_history_author(domain, actor).save()
    _link(domain, spec.continues)
    return domain


@transaction.atomic
def domain_move(*, domain: Domain, actor: User, up: bool) -> None:
    """Swap a draft's domain with the one above (or below) it."""
    locked = _locked_draft(domain.tool)
    domains = list(locked.domains.order_by("position"))
    index = next(i for i, d in enumerate(domains) if d.pk == domain.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(domains):
        raise DomainError("This domain is already " + ("first." if up else "last."))
    this, other = domains[index], domains[other_index]
    this_position, other_position = this.position, other.position
    # Through a free position: the two may not share one, even for a moment.
    this.position = max(d.position for d in domains) + 1
    set_history_author(this, actor).save()
    other.position = this_position
    set_history_author(other, actor).save()
    this.position = other_position
    set_history_author(this, actor).save()


@transaction.atomic
def domain_remove(*, domain: Domain, actor: User) -> None:
    """Take a domain out of a draft; the ones after it move up."""
    locked = _locked_draft(domain.tool)
    domain = Domain.objects.get(pk=domain.pk)
    domain.continues.clear()
    set_history_author(domain, actor).delete()
    for later in locked.domains.filter(position__gt=domain.position).order_by("position"):
        later.position -= 1
        set_history_author(later, actor).save()


@transaction.atomic
def tool_publish(*, tool: AuditTool, actor: User) -> AuditTool:
    """Publish a draft: checked whole (a domain at least, every descriptor the tool's grades
    need), then frozen for good; programmes may choose it from now on."""
    locked = _locked_draft(tool)
    if locked.previous_id is not None:
        latest = _latest(locked.code)
        if latest.pk != locked.pk:
            raise TransitionNotAllowed(NOT_LATEST)
    _refuse(
        definition_errors(definition_of(locked), previous_codes=_previous_codes(locked)),
        "Put right what is missing before publishing.",
    )
    return _publish(locked, actor)
