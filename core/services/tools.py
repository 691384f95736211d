"""Every write to audit tools: a new version whose domains map to the last."""

from django.db import transaction

from core.errors import DomainError, TransitionNotAllowed
from core.models import AuditTool, Domain, User


@transaction.atomic
def tool_new_version(*, tool: AuditTool, actor: User, domain_changes: dict[str, dict]) -> AuditTool:
    """Make the next version of a tool; its domains map to this version's, so trends continue.

    domain_changes maps a domain code to the fields to change (title, guidance, descriptors,
    na_allowed); the version in use is never edited.
    """
    latest = AuditTool.objects.filter(code=tool.code).latest("version")
    if latest.pk != tool.pk:
        raise TransitionNotAllowed(f"Only the latest version (v{latest.version}) can be revised.")
    new = AuditTool.objects.create(
        code=tool.code,
        name=tool.name,
        version=tool.version + 1,
        offers_outstanding=tool.offers_outstanding,
        blind_moderation=tool.blind_moderation,
        previous=tool,
    )
    editable = {
        "title",
        "guidance",
        "descriptor_outstanding",
        "descriptor_good",
        "descriptor_requires_improvement",
        "descriptor_inadequate",
        "na_allowed",
    }
    for domain in tool.domains.all():
        changes = domain_changes.get(domain.code, {})
        if set(changes) - editable:
            raise DomainError(f"Cannot change {', '.join(sorted(set(changes) - editable))}.")
        values = {name: getattr(domain, name) for name in editable} | changes
        Domain.objects.create(
            tool=new, code=domain.code, position=domain.position, maps_to=domain, **values
        )
    return new
