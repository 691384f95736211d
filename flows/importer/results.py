"""What an import reports: every problem found, or what was (or would be) created."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from core.errors import DomainError


class RowError(NamedTuple):
    """One problem in the file: spreadsheet row (the header is row 1), column and reason."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportFailed(DomainError):
    """The file was not imported; nothing was written. `errors` lists every problem found."""

    def __init__(self, message: str, *, errors: Iterable[RowError] = ()):
        super().__init__(message)
        self.errors = list(errors)


@dataclass
class ImportResult:
    """What an import created (or, for a dry run, would create)."""

    dry_run: bool
    rows: int = 0
    audits: int = 0
    skipped: int = 0
    moderations: int = 0
    cases: int = 0
    service_areas: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def named_creations(self) -> list[tuple[str, list[str]]]:
        return [
            ("Service areas", self.service_areas),
            ("Teams", self.teams),
            ("People (inactive accounts)", self.people),
            ("Programmes", self.programmes),
        ]

    def summary_lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        lines = [
            f"{self.rows} rows read.",
            f"{self.audits} audits {verb} imported.",
            f"{self.moderations} completed moderations {verb} recorded.",
            f"{self.skipped} rows {verb} skipped as already imported.",
            f"{self.cases} cases {verb} created.",
        ]
        for label, names in self.named_creations():
            listed = f": {', '.join(names)}" if names else ""
            lines.append(f"{len(names)} {label.lower()} {verb} created{listed}.")
        if self.ignored_columns:
            lines.append(f"Columns ignored: {', '.join(self.ignored_columns)}.")
        return lines
