"""Tool versions' domains as one lineage: which domain of the newest version each domain of
any version continues (Domain.maps_to). Reports count by it and drill-downs filter by it, so
a drill-down lists exactly what the report counted."""

from collections.abc import Mapping
from typing import Any

from core.models import Domain

# One domain as values() reads it: pk, code, title, position, maps_to_id, tool_id, tool__code,
# tool__version. Read-only: the reports share the rows.
DomainRow = Mapping[str, Any]


def domain_catalogue() -> dict[int, DomainRow]:
    # Every domain of every tool version: the catalogue, not the data, sets its size.
    rows = Domain.objects.order_by().values(
        "pk", "code", "title", "position", "maps_to_id", "tool_id", "tool__code", "tool__version"
    )
    return {row["pk"]: row for row in rows}


def canonical_domains(catalogue: dict[int, DomainRow]) -> dict[int, DomainRow]:
    """Each domain id -> the newest version's domain it continues (through maps_to)."""
    root: dict[int, int] = {}
    for pk in catalogue:
        current, seen = pk, {pk}
        while catalogue[current]["maps_to_id"] in catalogue:
            current = catalogue[current]["maps_to_id"]
            if current in seen:  # a cycle would be a data error; stop rather than spin
                break
            seen.add(current)
        root[pk] = current
    newest: dict[int, DomainRow] = {}
    for pk, row in catalogue.items():
        best = newest.get(root[pk])
        if best is None or row["tool__version"] > best["tool__version"]:
            newest[root[pk]] = row
    return {pk: newest[root[pk]] for pk in catalogue}
