"""The import service: match checked rows to what the database holds, then write in bulk."""

import calendar
import datetime as dt
import re
from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import Audit, AuditTool, Case, DomainGrade, Role, ServiceArea, Team, User
from core.services.bulk import insert_with_history, refresh_statistics
from core.services.programmes import programme_create
from flows.importer.files import cell_text, header
from flows.importer.results import ImportFailed, ImportResult
from flows.importer.rows import Checker, ParsedRow
from moderation.models import ModeratedGrade, Moderation
from moderation.services.imported import ImportedModerationRow, moderations_record_imported
from reporting import summary as report_summary

# Lookups and inserts go in chunks: SQLite limits the parameters of one statement.
LOOKUP_CHUNK = 500


class People:
    """Finds staff by username or e-mail, case-insensitively, and names new ones."""

    def __init__(self):
        self.by_username: dict[str, tuple[int, str]] = {}
        self.by_email: dict[str, list[tuple[int, str]]] = {}
        for pk, username, email in User.objects.values_list("pk", "username", "email"):
            self.by_username[username.lower()] = (pk, username)
            if email:
                self.by_email.setdefault(email.lower(), []).append((pk, username))
        self.taken = set(self.by_username)

    def find(self, value: str) -> tuple[int, str] | None:
        key = value.lower()
        if "@" not in key:
            return self.by_username.get(key)
        matches = self.by_email.get(key, [])
        return matches[0] if len(matches) == 1 else None

    def ambiguous(self, value: str) -> bool:
        return "@" in value and len(self.by_email.get(value.lower(), [])) > 1

    def new_username(self, value: str) -> str:
        if "@" not in value:
            self.taken.add(value.lower())
            return value
        base = re.sub(r"[^\w.+-]", "", value.split("@")[0].lower())[:140] or "person"
        username, n = base, 1
        while username.lower() in self.taken:
            n += 1
            username = f"{base}{n}"
        self.taken.add(username.lower())
        return username


def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_cases(references: set[str]) -> dict[str, Case]:
    found: dict[str, Case] = {}
    for chunk in _chunks(sorted(references)):
        cases = (
            Case.objects.annotate(ref_lower=Lower("reference"))
            .filter(ref_lower__in=chunk)
            .select_related("team__service_area")
        )
        found.update({case.reference.lower(): case for case in cases})
    return found


def _existing_audits(case_ids: list[int], programme_ids: list[int]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(case_ids):
        found.update(
            Audit.objects.filter(case_id__in=chunk, programme_id__in=programme_ids).values_list(
                "case_id", "programme_id"
            )
        )
    return found


def _cross_check(rows: list[ParsedRow], cases: dict[str, Case], people: People, checker: Checker):
    """Problems that only show across rows or against the database."""
    first_audit: dict[tuple, int] = {}
    case_team: dict[str, tuple[tuple[str, str], int]] = {}
    month_version: dict[tuple[dt.date, str], tuple[AuditTool, int]] = {}
    for row in rows:
        version, first = month_version.setdefault(
            (row.month, row.tool.code), (row.tool, row.number)
        )
        if version.pk != row.tool.pk:
            checker.error(
                row.number,
                "tool_version",
                f"Row {first} records {row.month:%B %Y} with version {version.version} of "
                f"{row.tool.code}: a month's audits of a tool use one version.",
            )
        ref = row.reference.lower()
        key = (ref, row.tool.code, row.month)
        if key in first_audit:
            checker.error(
                row.number,
                "case_reference",
                f"Row {first_audit[key]} is already an audit of {row.reference} with this tool "
                f"for {row.month:%B %Y}.",
            )
        first_audit.setdefault(key, row.number)
        case = cases.get(ref)
        if case is not None:
            held = (case.team.service_area.name.lower(), case.team.name.lower())
            if held != row.team_key:
                checker.error(
                    row.number,
                    "team",
                    f"Case {case.reference} is held by {case.team.name} "
                    f"({case.team.service_area.name}); a case belongs to one team.",
                )
        elif ref in case_team and case_team[ref][0] != row.team_key:
            checker.error(
                row.number,
                "team",
                f"Row {case_team[ref][1]} gives case {row.reference} to another team; "
                "a case belongs to one team.",
            )
        case_team.setdefault(ref, (row.team_key, row.number))
        for column, value in [("auditor", row.auditor), ("moderator", _moderator(row))]:
            if value and people.ambiguous(value):
                checker.error(row.number, column, f"More than one person has the e-mail {value}.")
        moderator = _moderator(row)
        if moderator and _same_person(people, moderator, row.auditor):
            checker.error(row.number, "moderator", "A moderator never moderates their own audit.")


def _moderator(row: ParsedRow) -> str:
    return row.moderation["moderator"] if row.moderation else ""


def _same_person(people: People, a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True
    found_a, found_b = people.find(a), people.find(b)
    return found_a is not None and found_a == found_b


def audits_import(
    *,
    rows: Iterable[dict[str, str]],
    actor: User | None,
    dry_run: bool = False,
    tool_versions: dict[str, AuditTool] | None = None,
) -> ImportResult:
    """Import audit history all or nothing; a dry run reports what it would create.

    tool_versions: the version of each tool (by code) the file was recorded under, where the
    month has no programme yet (a month's programme fixes its version)."""
    rows = list(rows)
    try:
        with transaction.atomic():
            result = _import(rows, actor, dry_run, tool_versions or {})
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        raise ImportFailed(
            "Someone changed the same cases or programmes while this file was being imported: "
            "try again."
        ) from exc
    return result


def _import(
    raw_rows: list[dict[str, str]],
    actor: User | None,
    dry_run: bool,
    tool_versions: dict[str, AuditTool],
) -> ImportResult:
    rows, cases, people, checker = _checked(raw_rows, tool_versions)
    result = ImportResult(
        dry_run=dry_run, rows=len(rows), ignored_columns=checker.ignored_columns()
    )
    programmes = checker.programmes
    existing = _existing_audits(
        [case.pk for case in cases.values()], [p.pk for p in programmes.values()]
    )
    to_write = []
    for row in rows:
        case = cases.get(row.reference.lower())
        programme = programmes.get((row.month, row.tool.code))
        if case and programme and (case.pk, programme.pk) in existing:
            result.skipped += 1
        else:
            to_write.append(row)
    teams = _ensure_teams(to_write, result)
    person_ids = _ensure_people(to_write, people, teams, result)
    case_ids = _ensure_cases(to_write, cases, teams, result)
    for row in to_write:
        key = (row.month, row.tool.code)
        if key not in programmes:
            programmes[key] = programme_create(actor=actor, month=row.month, tool=row.tool)
            result.programmes.append(str(programmes[key]))
    audit_ids = _create_audits(to_write, person_ids, case_ids, programmes, checker.domains, actor)
    result.audits = len(to_write)
    result.moderations = _record_moderations(
        to_write, audit_ids, person_ids, checker.domains, actor
    )
    refresh_statistics(Audit, Case, DomainGrade, Moderation, ModeratedGrade)
    # Once, at the end, for every (month, tool version, team) the file touched.
    slices = {(row.month, row.tool.pk, teams[row.team_key].pk) for row in to_write}
    report_summary.summary_refresh_slices(slices=sorted(slices))
    return result


def _checked(
    raw_rows: list[dict], tool_versions: dict[str, AuditTool]
) -> tuple[list[ParsedRow], dict[str, Case], People, Checker]:
    """Every row checked, or ImportFailed listing every problem in the file."""
    # Callers other than read_table may pass their own headers and cell types.
    raw_rows = _normalised(raw_rows)
    columns = list(dict.fromkeys(key for raw in raw_rows for key in raw))
    checker = Checker(columns, tool_versions)
    if raw_rows:
        checker.check_header()
    if checker.errors:
        missing = ", ".join(error.column for error in checker.errors)
        raise ImportFailed(f"Required columns are missing: {missing}.", errors=checker.errors)
    parsed = [
        checker.row(index + 2, raw) for index, raw in enumerate(raw_rows) if any(raw.values())
    ]
    if not parsed:
        raise ImportFailed(
            "The file has no audits in it: put one audit on each row below the headers."
        )
    rows = [row for row in parsed if row is not None]
    people = People()
    cases = _existing_cases({row.reference.lower() for row in rows})
    _cross_check(rows, cases, people, checker)
    if checker.errors:
        count = len(checker.errors)
        raise ImportFailed(
            f"The file has {count} problem{'s' if count != 1 else ''}, listed by row and column.",
            errors=sorted(checker.errors, key=lambda e: e.row),
        )
    return rows, cases, people, checker


def _normalised(raw_rows: list[dict]) -> list[dict[str, str]]:
    """Headers as the importer knows them and cells as text; each header normalised once."""
    names: dict = {}
    rows = []
    for raw in raw_rows:
        row = {}
        for key, value in raw.items():
            if key not in names:
                names[key] = header(key)
            row[names[key]] = cell_text(value, names[key])
        rows.append(row)
    return rows


def _ensure_teams(rows: list[ParsedRow], result: ImportResult) -> dict[tuple[str, str], Team]:
    areas = {area.name.lower(): area for area in ServiceArea.objects.all()}
    new_areas = {}
    for row in rows:
        if row.area.lower() not in areas and row.area.lower() not in new_areas:
            new_areas[row.area.lower()] = ServiceArea(name=row.area)
    ServiceArea.objects.bulk_create(new_areas.values())
    areas.update(new_areas)
    result.service_areas = [area.name for area in new_areas.values()]
    teams = {
        (team.service_area.name.lower(), team.name.lower()): team
        for team in Team.objects.select_related("service_area")
    }
    new_teams = {}
    for row in rows:
        if row.team_key not in teams and row.team_key not in new_teams:
            new_teams[row.team_key] = Team(service_area=areas[row.area.lower()], name=row.team)
    Team.objects.bulk_create(new_teams.values())
    teams.update(new_teams)
    result.teams = [str(team) for team in new_teams.values()]
    return teams


def _ensure_people(
    rows: list[ParsedRow], people: People, teams: dict, result: ImportResult
) -> dict[str, tuple[int, str]]:
    """Staff named in the file; unknown ones become inactive accounts with the role they had."""
    wanted: dict[str, dict] = {}
    for row in rows:
        for value, role in [(row.auditor, Role.AUDITOR), (_moderator(row), Role.MODERATOR)]:
            if not value or people.find(value):
                continue
            person = wanted.setdefault(
                value.lower(), {"value": value, "roles": set(), "team": None}
            )
            person["roles"].add(role)
            if role == Role.AUDITOR and person["team"] is None:
                person["team"] = teams[row.team_key]
    # Plain usernames are kept as given; names made from e-mails avoid them.
    ordered = sorted(wanted.values(), key=lambda p: "@" in p["value"])
    users = []
    for person in ordered:
        value = person["value"]
        users.append(
            User(
                username=people.new_username(value),
                email=value if "@" in value else "",
                is_active=False,
                password=make_password(None),
                team=person["team"],
            )
        )
    User.objects.bulk_create(users)
    groups = {g.name: g.pk for g in Group.objects.filter(name__in=[Role.AUDITOR, Role.MODERATOR])}
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=user.pk, group_id=groups[role])
        for user, person in zip(users, ordered, strict=True)
        for role in sorted(person["roles"])
    )
    ids = {}
    for user, person in zip(users, ordered, strict=True):
        ids[person["value"].lower()] = (user.pk, user.username)
    result.people = [user.username for user in users]
    for row in rows:
        for value in (row.auditor, _moderator(row)):
            if value and value.lower() not in ids:
                known = people.find(value)
                assert known is not None  # everyone find() did not know was created above
                ids[value.lower()] = known
    return ids


def _ensure_cases(rows, cases: dict[str, Case], teams, result: ImportResult) -> dict[str, int]:
    new = {}
    for row in rows:
        ref = row.reference.lower()
        if ref not in cases and ref not in new:
            new[ref] = Case(
                reference=row.reference, team=teams[row.team_key], case_type=row.case_type
            )
    Case.objects.bulk_create(new.values(), batch_size=LOOKUP_CHUNK)
    result.cases = len(new)
    return {ref: case.pk for ref, case in (cases | new).items()}


def _submitted_at(row: ParsedRow) -> dt.datetime:
    day = row.submitted_on or row.month.replace(
        day=calendar.monthrange(row.month.year, row.month.month)[1]
    )
    # Midday, so that the date survives conversion to UTC in either direction.
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    return min(moment, timezone.now())


def _create_audits(rows, person_ids, case_ids, programmes, domains, actor) -> list[int]:
    """The audits and their grades in bulk (COPY on PostgreSQL), each row with its history."""
    audits = []
    for row in rows:
        moderation = None
        if row.moderation:
            moderation = row.moderation | {"moderator": person_ids[_moderator(row).lower()][1]}
        audits.append(
            {
                "case_id": case_ids[row.reference.lower()],
                "auditor_id": person_ids[row.auditor.lower()][0],
                "tool_id": row.tool.pk,
                "programme_id": programmes[(row.month, row.tool.code)].pk,
                "month": row.month,
                "kind": Audit.Kind.FULL,
                "status": Audit.Status.SUBMITTED,
                "source": Audit.Source.IMPORT,
                "overall": row.overall,
                "escalated": row.escalated,
                "submitted_at": _submitted_at(row),
                "imported_moderation": moderation,
            }
        )
    ids = insert_with_history(Audit, audits, actor=actor, reason="Imported")
    grades = [
        # Spreadsheets hold grades only: imported grades carry no evidence text.
        {"audit_id": audit_id, "domain_id": domain.pk, "grade": row.grades[domain.code]}
        for row, audit_id in zip(rows, ids, strict=True)
        for domain in domains[row.tool.pk]
    ]
    insert_with_history(DomainGrade, grades, actor=actor, reason="Imported")
    return ids


def _record_moderations(rows, audit_ids: list[int], person_ids, domains, actor) -> int:
    """Moderated rows become completed moderations, the same records reports read."""
    moderated = []
    for row, audit_id in zip(rows, audit_ids, strict=True):
        if not row.moderation:
            continue
        columns = row.moderation
        moderated_on = columns["moderated_on"]
        moderated.append(
            ImportedModerationRow(
                audit_id=audit_id,
                auditor_id=person_ids[row.auditor.lower()][0],
                tool_id=row.tool.pk,
                moderator_id=person_ids[_moderator(row).lower()][0],
                # Without a date, the moderation is dated with the audit it moderated.
                moderated_on=dt.date.fromisoformat(moderated_on)
                if moderated_on
                else timezone.localdate(_submitted_at(row)),
                overall=columns["overall"],
                escalated=columns["escalated"],
                grades=columns["grades"],
            )
        )
    return moderations_record_imported(actor=actor, rows=moderated, domains=domains)
