"""Staff from the spreadsheet an HR system exports (CSV or XLSX), all or nothing.

Columns (headers in any case; the first sheet of a workbook): `username` and/or `email` (at
least one), `name` (or `first_name` and `last_name`), `team`, `service_area`, `roles` (several
separated by ; or ,), `line_manager` (a username or e-mail address, of someone in the file or
already known), and optionally `areas_read` (the service areas a head of service reads,
separated by ;). A column left out is left alone; a blank cell clears that value.

Every row is checked first, every problem named by row and column; only a file without
problems is written, in one transaction, through the people services (each change one
StaffEvent). Importing the same file twice changes nothing the second time. People the audit
history import created (inactive, never deactivated by anyone) are matched by username or
e-mail and activated, not duplicated; someone a QA lead deactivated stays deactivated.
"""

import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import ServiceArea, StaffEvent, Team, User
from core.services import people
from flows.importer.files import cell_text, header
from flows.importer.results import ImportFailed, RowError

ALIASES = {
    "e-mail": "email",
    "email_address": "email",
    "e-mail_address": "email",
    "full_name": "name",
    "role": "roles",
    "area": "service_area",
    "manager": "line_manager",
    "line_manager_username": "line_manager",
    "line_manager_email": "line_manager",
    "service_areas_read": "areas_read",
}
KNOWN = {
    "username",
    "email",
    "name",
    "first_name",
    "last_name",
    "team",
    "service_area",
    "roles",
    "line_manager",
    "areas_read",
}
LIST_SPLIT = re.compile(r"\s*[;,]\s*")
FORMULA_PREFIXES = ("=", "+", "-", "@")
REASON = "Staff import"


@dataclass
class StaffImportResult:
    dry_run: bool
    rows: int = 0
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    activated: list[str] = field(default_factory=list)
    left_deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0
    service_areas: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        lines = [
            f"{self.rows} rows read.",
            f"{len(self.created)} created, {len(self.changed)} changed.",
            f"{self.unchanged} people {verb} left as they are.",
        ]
        for label, names in [
            ("people created", self.created),
            ("people changed", self.changed),
            ("people activated", self.activated),
            ("service areas created", self.service_areas),
            ("teams created", self.teams),
        ]:
            if names:
                lines.append(f"{len(names)} {label}: {', '.join(names)}.")
        if self.left_deactivated:
            lines.append(
                "Deactivated by a QA lead, so left deactivated (reactivate them on their page): "
                + ", ".join(self.left_deactivated)
                + "."
            )
        if self.ignored_columns:
            lines.append(f"Columns ignored: {', '.join(self.ignored_columns)}.")
        return lines

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "changed": self.changed,
            "activated": self.activated,
            "left_deactivated": self.left_deactivated,
            "unchanged": self.unchanged,
            "service_areas_created": self.service_areas,
            "teams_created": self.teams,
            "ignored_columns": self.ignored_columns,
            "summary": self.summary_lines(),
        }


@dataclass
class StaffRow:
    number: int
    username: str
    email: str
    first_name: str | None
    last_name: str | None
    area: str | None
    team: str | None
    roles: list[str] | None
    line_manager: str | None
    areas_read: list[str] | None
    person: User | None = None  # the existing account it matches


class _Checker:
    def __init__(self, columns: set[str]):
        self.columns = columns
        self.errors: list[RowError] = []

    def error(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))

    def has(self, column: str) -> bool:
        return column in self.columns


def _normalised(raw_rows: list[dict]) -> list[dict[str, str]]:
    rows = []
    for raw in raw_rows:
        row = {}
        for key, value in raw.items():
            name = header(key)
            name = ALIASES.get(name, name)
            row[name] = cell_text(value, name)
        rows.append(row)
    return rows


def _split_name(name: str) -> tuple[str, str]:
    words = name.split()
    if len(words) < 2:
        return (words[0] if words else ""), ""
    return " ".join(words[:-1]), words[-1]


def _parse(number: int, value: dict[str, str], check: _Checker) -> StaffRow | None:
    before = len(check.errors)
    for column, text in value.items():
        if column in KNOWN and text.startswith(FORMULA_PREFIXES):
            check.error(
                number,
                column,
                f"'{text}' starts with '{text[0]}' and could run as a formula when opened in a "
                "spreadsheet: remove that character.",
            )
    username, email = value.get("username", ""), value.get("email", "")
    if not username and not email:
        column = "username" if check.has("username") else "email"
        check.error(number, column, "Enter the person's username or e-mail address.")
    problem = username and people.username_format_error(username)
    if problem:
        check.error(number, "username", problem)
    problem = email and people.email_format_error(email)
    if problem:
        check.error(number, "email", problem)
    first = last = None
    if check.has("name"):
        first, last = _split_name(value.get("name", ""))
    if check.has("first_name"):
        first = value.get("first_name", "")
    if check.has("last_name"):
        last = value.get("last_name", "")
    for part, given in (("name", f"{first or ''} {last or ''}"), ("first_name", first or "")):
        if len(given) > people.PERSON_NAME_LIMIT and check.has(part):
            check.error(number, part, f"At most {people.PERSON_NAME_LIMIT} characters.")
    roles = None
    if check.has("roles"):
        roles = []
        for word in LIST_SPLIT.split(value.get("roles", "")):
            if not word:
                continue
            role = people.role_from_word(word)
            if role is None:
                check.error(
                    number,
                    "roles",
                    f"'{word}' is not a role: use auditor (team manager), moderator (QA officer), "
                    "viewer (head of service) or QA lead.",
                )
            elif role not in roles:
                roles.append(role)
    area = value.get("service_area") if check.has("service_area") else None
    team = value.get("team") if check.has("team") else None
    for place, name in (("service_area", area), ("team", team)):
        if name and len(name) > people.NAME_LIMIT:
            check.error(number, place, f"At most {people.NAME_LIMIT} characters.")
    if team and not area:
        check.error(number, "service_area", "Enter the team's service area.")
    areas_read = None
    if check.has("areas_read"):
        areas_read = [a for a in LIST_SPLIT.split(value.get("areas_read", "")) if a]
    if len(check.errors) > before:
        return None
    return StaffRow(
        number=number,
        username=username,
        email=email,
        first_name=first,
        last_name=last,
        area=" ".join(area.split()) if area else area,
        team=" ".join(team.split()) if team else team,
        roles=roles,
        line_manager=value.get("line_manager") if check.has("line_manager") else None,
        areas_read=areas_read,
    )


class _Directory:
    """The accounts the service holds, by lower-case username and e-mail."""

    def __init__(self):
        self.by_username: dict[str, User] = {}
        self.by_email: dict[str, list[User]] = {}
        for person in User.objects.all():
            self.by_username[person.username.lower()] = person
            if person.email:
                self.by_email.setdefault(person.email.lower(), []).append(person)

    def match(self, row: StaffRow, check: _Checker) -> User | None:
        by_name = self.by_username.get(row.username.lower()) if row.username else None
        by_email = self.by_email.get(row.email.lower(), []) if row.email else []
        if len(by_email) > 1:
            check.error(row.number, "email", f"More than one person has the e-mail {row.email}.")
            return None
        found = by_email[0] if by_email else None
        if by_name and found and by_name.pk != found.pk:
            check.error(
                row.number,
                "email",
                f"{row.email} belongs to {found.username}, not to {by_name.username}.",
            )
            return None
        return by_name or found

    def find(self, value: str) -> User | None:
        key = value.lower()
        if "@" in key:
            found = self.by_email.get(key, [])
            return found[0] if len(found) == 1 else None
        return self.by_username.get(key)


def _checked(raw_rows: list[dict]) -> tuple[list[StaffRow], _Checker, list[str]]:
    rows_in = _normalised(raw_rows)
    columns = {key for row in rows_in for key in row}
    check = _Checker(columns)
    if not ({"username", "email"} & columns):
        check.error(1, "username", "The file needs a username or an email column.")
        raise ImportFailed("The file needs a username or an email column.", errors=check.errors)
    parsed = [
        _parse(index + 2, value, check)
        for index, value in enumerate(rows_in)
        if any(value.values())
    ]
    if not parsed and not check.errors:
        raise ImportFailed("The file has no staff in it: put one person on each row.")
    rows = [row for row in parsed if row is not None]
    directory = _Directory()
    seen: dict[str, int] = {}
    for row in rows:
        for key in (row.username.lower(), row.email.lower()):
            if key and key in seen:
                check.error(
                    row.number,
                    "email" if "@" in key else "username",
                    f"Row {seen[key]} is already {key}: one row per person.",
                )
            elif key:
                seen[key] = row.number
        row.person = directory.match(row, check)
        renamed = row.person and row.username.lower() not in ("", row.person.username.lower())
        if renamed and row.username.lower() in directory.by_username:
            check.error(row.number, "username", f"Someone else has the username {row.username}.")
        if row.email and not row.person:
            holders = directory.by_email.get(row.email.lower(), [])
            if holders:
                check.error(row.number, "email", f"{row.email} belongs to {holders[0].username}.")
    _check_managers(rows, directory, seen, check)
    if check.errors:
        count = len(check.errors)
        raise ImportFailed(
            f"The file has {count} problem{'s' if count != 1 else ''}, listed by row and column.",
            errors=sorted(check.errors, key=lambda e: (e.row, e.column)),
        )
    return rows, check, sorted(columns - KNOWN)


def _check_managers(rows, directory: _Directory, seen: dict[str, int], check: _Checker) -> None:
    """Every line manager is someone known; nobody manages themself round a circle."""
    by_number = {row.number: row for row in rows}
    # Each person as ("row", n) or ("db", pk); their manager the same way.
    managers: dict[tuple, tuple | None] = {}
    for person in directory.by_username.values():
        key = ("db", person.pk)
        managers[key] = ("db", person.line_manager_id) if person.line_manager_id else None

    def key_of(row: StaffRow) -> tuple:
        return ("db", row.person.pk) if row.person else ("row", row.number)

    def resolve(value: str) -> tuple | None:
        number = seen.get(value.lower())
        if number is not None and number in by_number:
            return key_of(by_number[number])
        found = directory.find(value)
        return ("db", found.pk) if found else None

    for row in rows:
        if row.line_manager is None:
            continue
        if not row.line_manager:
            managers[key_of(row)] = None
            continue
        manager = resolve(row.line_manager)
        if manager is None:
            check.error(
                row.number,
                "line_manager",
                f"'{row.line_manager}' is neither in this file nor known to the service.",
            )
            continue
        if manager == key_of(row):
            check.error(row.number, "line_manager", "A person cannot be their own line manager.")
            continue
        managers[key_of(row)] = manager
    for row in rows:
        start, walked, current = key_of(row), set(), managers.get(key_of(row))
        while current is not None and current not in walked:
            if current == start:
                check.error(
                    row.number,
                    "line_manager",
                    "These line managers go round in a circle back to this person.",
                )
                break
            walked.add(current)
            current = managers.get(current)


def staff_import(
    *, rows: list[dict], actor: User | None, dry_run: bool = False
) -> StaffImportResult:
    """Import staff all or nothing; a dry run reports exactly what a real run would do."""
    try:
        with transaction.atomic():
            result = _import(list(rows), actor, dry_run)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        raise ImportFailed(
            "Someone changed the same people while this file was being imported: try again."
        ) from exc
    except DomainError as exc:
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed(exc.message) from exc
    return result


def _teams(rows: list[StaffRow], result: StaffImportResult) -> dict:
    areas = {area.name.lower(): area for area in ServiceArea.objects.all()}
    wanted_areas = [row.area for row in rows if row.area] + [
        name for row in rows for name in (row.areas_read or [])
    ]
    for name in wanted_areas:
        if name.lower() not in areas:
            areas[name.lower()] = people.service_area_create(actor=None, name=name)
            result.service_areas.append(areas[name.lower()].name)
    teams = {
        (team.service_area.name.lower(), team.name.lower()): team
        for team in Team.objects.select_related("service_area")
    }
    for row in rows:
        if not row.team or not row.area:
            continue
        key = (row.area.lower(), row.team.lower())
        if key not in teams:
            teams[key] = people.team_create(actor=None, area=areas[row.area.lower()], name=row.team)
            result.teams.append(str(teams[key]))
    return {"areas": areas, "teams": teams}


def _import(raw_rows: list[dict], actor: User | None, dry_run: bool) -> StaffImportResult:
    rows, _check, ignored = _checked(raw_rows)
    result = StaffImportResult(dry_run=dry_run, rows=len(rows), ignored_columns=ignored)
    places = _teams(rows, result)
    deactivated_by_someone = set(
        StaffEvent.objects.filter(kind=StaffEvent.Kind.DEACTIVATED).values_list(
            "person_id", flat=True
        )
    )
    persons: dict[int, User] = {}
    touched: set[int] = set()
    for row in rows:
        if row.person is None:
            team = None
            if row.team and row.area:
                team = places["teams"][row.area.lower(), row.team.lower()]
            person = people.person_create(
                actor=actor,
                username=row.username or _username_from(row.email),
                email=row.email,
                first_name=row.first_name or "",
                last_name=row.last_name or "",
                team=team,
                roles=row.roles or [],
                service_areas=[places["areas"][name.lower()] for name in row.areas_read or []],
                reason=REASON,
            )
            result.created.append(person.username)
        else:
            person = row.person
            if not person.is_active:
                if person.pk in deactivated_by_someone:
                    result.left_deactivated.append(person.username)
                else:
                    people.person_reactivate(actor=actor, person=person, reason=REASON)
                    result.activated.append(person.username)
                    touched.add(person.pk)
        persons[row.number] = person
    lookup = {}
    for row in rows:
        person = persons[row.number]
        for key in (row.username, row.email, person.username):
            if key:
                lookup[key.lower()] = person
    for row in rows:
        person = persons[row.number]
        if _apply(row, person, places, lookup, actor) and row.person is not None:
            touched.add(person.pk)
    for row in rows:
        if row.person is not None:
            if row.person.pk in touched:
                result.changed.append(row.person.username)
            else:
                result.unchanged += 1
    return result


def _username_from(email: str) -> str:
    base = re.sub(r"[^\w.+-]", "", email.split("@")[0].lower())[:140] or "person"
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}{n}"
    return username


def _apply(row: StaffRow, person: User, places: dict, lookup: dict, actor) -> bool:
    """Bring one person to what the row says; True if anything changed."""
    person = User.objects.select_related("team", "line_manager").get(pk=person.pk)
    team = person.team
    if row.team is not None:
        team = places["teams"][(row.area or "").lower(), row.team.lower()] if row.team else None
    line_manager = person.line_manager
    if row.line_manager is not None:
        line_manager = (
            lookup.get(row.line_manager.lower())
            or User.objects.filter(username__iexact=row.line_manager).first()
            or User.objects.filter(email__iexact=row.line_manager).first()
            if row.line_manager
            else None
        )
    areas_read = list(person.service_areas.all())
    if row.areas_read is not None:
        areas_read = [places["areas"][name.lower()] for name in row.areas_read]
    changed = people.person_update(
        actor=actor,
        person=person,
        username=row.username or None,
        email=row.email if row.email else person.email,
        first_name=person.first_name if row.first_name is None else row.first_name,
        last_name=person.last_name if row.last_name is None else row.last_name,
        team=team,
        line_manager=line_manager,
        service_areas=areas_read,
        reason=REASON,
    )
    if row.roles is not None:
        changed |= people.person_roles_set(
            actor=actor, person=person, roles=row.roles, reason=REASON
        )
    return changed
