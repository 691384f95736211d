"""Tool versions' domains as one lineage. Each domain of a later version continues some of the
previous version's (Domain.continues): one for a domain kept or renamed, the same old domain
for both halves of a split, two old domains for a merge. A domain is reported under the
newest domains that continue it (its *leaves*): a split domain's history counts under both
new domains, a merged one's under the one they became, a retired domain stays under its own
name. Reports count by it and drill-downs filter by it, so a drill-down lists exactly what the
report counted. Only published versions take part: a draft renames nothing yet.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.db.models import OuterRef, Subquery

from core.models import Domain, Programme

# One domain as values() reads it: pk, code, title, position, tool_id, tool__code,
# tool__version, tool__published_at, first_month (of the version's first programme) and
# continues (a tuple of domain ids). Read-only: the reports share the rows.
DomainRow = Mapping[str, Any]


def domain_catalogue() -> dict[int, DomainRow]:
    """Every domain of every published tool version (one query): the catalogue, not the data,
    sets its size."""
    first_programme = Programme.objects.filter(tool=OuterRef("tool")).order_by("month")
    rows = (
        Domain.objects.filter(tool__published_at__isnull=False)
        .order_by()
        .values(
            "pk",
            "code",
            "title",
            "position",
            "tool_id",
            "tool__code",
            "tool__version",
            "tool__published_at",
            "continues",
        )
        .annotate(first_month=Subquery(first_programme.values("month")[:1]))
    )
    catalogue: dict[int, DomainRow] = {}
    for row in rows:  # one row per link to an old domain (or one with continues None)
        old = row.pop("continues")
        entry = catalogue.get(row["pk"])
        if entry is None:
            entry = catalogue[row["pk"]] = {**row, "continues": ()}
        if old is not None:
            catalogue[row["pk"]] = {**entry, "continues": (*entry["continues"], old)}
    return catalogue


def domain_order(row: DomainRow) -> tuple:
    return (row["tool__code"], row["position"], row["tool__version"])


def _continued_by(catalogue: Mapping[int, DomainRow]) -> dict[int, list[int]]:
    later: dict[int, list[int]] = defaultdict(list)
    for pk, row in catalogue.items():
        for old in row["continues"]:
            if old in catalogue:
                later[old].append(pk)
    return later


def canonical_domains(catalogue: Mapping[int, DomainRow]) -> dict[int, tuple[DomainRow, ...]]:
    """Each domain id -> the newest domains that continue it (itself if none does), in the
    tool's order: one for a domain kept, renamed or merged; two or more after a split."""
    later = _continued_by(catalogue)
    leaves: dict[int, tuple[DomainRow, ...]] = {}

    def walk(pk: int, seen: frozenset[int]) -> tuple[DomainRow, ...]:
        if pk in leaves:
            return leaves[pk]
        nexts = [n for n in later.get(pk, ()) if n not in seen]  # a cycle is a data error
        if not nexts:
            found: tuple[DomainRow, ...] = (catalogue[pk],)
        else:
            unique = {row["pk"]: row for n in nexts for row in walk(n, seen | {n})}
            found = tuple(sorted(unique.values(), key=domain_order))
        leaves[pk] = found
        return found

    for pk in catalogue:
        walk(pk, frozenset({pk}))
    return leaves


def lineages(catalogue: Mapping[int, DomainRow]) -> dict[int, frozenset[int]]:
    """Each domain id -> itself and every earlier domain it continues, through any versions.
    Two domains are the same line of practice when one is in the other's lineage; two old
    domains merged later are not (a comparison pairs each with itself, never with the other)."""
    found: dict[int, frozenset[int]] = {}

    def walk(pk: int, seen: frozenset[int]) -> frozenset[int]:
        if pk not in found:
            earlier = [o for o in catalogue[pk]["continues"] if o in catalogue and o not in seen]
            found[pk] = frozenset({pk}).union(*(walk(o, seen | {o}) for o in earlier))
        return found[pk]

    for pk in catalogue:
        walk(pk, frozenset({pk}))
    return found


def reported_domains(catalogue: Mapping[int, DomainRow]) -> list[DomainRow]:
    """Every domain a report may show (each a leaf), in tool and domain order."""
    leaves = {row["pk"]: row for rows in canonical_domains(catalogue).values() for row in rows}
    return sorted(leaves.values(), key=domain_order)


def _since(row: DomainRow) -> str:
    """'v2, May 2026': the version and the month it came into use (its first programme's
    month, else the month it was published)."""
    month: dt.date | dt.datetime | None = row["first_month"] or row["tool__published_at"]
    when = f", {month:%B %Y}" if month else ""
    return f"v{row['tool__version']}{when}"


def _names(rows: list[DomainRow], with_version: bool) -> str:
    titles = [f"{r['title']} (v{r['tool__version']})" if with_version else r["title"] for r in rows]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def lineage_notes(catalogue: Mapping[int, DomainRow], leaf_id: int) -> list[str]:
    """Where a reported domain began or ended, in words, oldest first: each version change
    that split, merged, renamed, added or retired it. A domain kept as it was says nothing."""
    later = _continued_by(catalogue)
    newest_version: dict[str, int] = {}
    for row in catalogue.values():
        code = row["tool__code"]
        newest_version[code] = max(newest_version.get(code, 0), row["tool__version"])
    notes: list[str] = []
    seen: set[int] = set()
    frontier = [leaf_id]
    while frontier:  # back through the versions, one generation at a time
        current = sorted({pk for pk in frontier if pk not in seen})
        seen.update(current)
        older: list[int] = []
        for pk in current:
            row = catalogue[pk]
            olds = [catalogue[o] for o in row["continues"] if o in catalogue]
            if not olds and row["tool__version"] > 1:
                notes.append(f"{row['title']} begins in {_since(row)}: no earlier version had it.")
            for old in olds:
                heirs = sorted((catalogue[n] for n in later[old["pk"]]), key=domain_order)
                partners = [catalogue[o] for o in row["continues"] if o in catalogue]
                if len(heirs) == 1 and len(partners) == 1 and old["title"] == row["title"]:
                    continue  # kept as it was
                note = (
                    f"{_names(sorted(partners, key=domain_order), True)} "
                    f"{'continue' if len(partners) > 1 else 'continues'} as "
                    f"{_names(heirs, False)} from {_since(row)}."
                )
                if note not in notes:
                    notes.append(note)
            older.extend(o["pk"] for o in olds)
        frontier = older
    leaf = catalogue[leaf_id]
    if leaf["tool__version"] < newest_version[leaf["tool__code"]]:
        notes.insert(
            0,
            f"{leaf['title']} (v{leaf['tool__version']}) ends there: version "
            f"{newest_version[leaf['tool__code']]} of the tool has no domain that continues it.",
        )
    notes.reverse()
    return notes
