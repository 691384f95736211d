"""Checking each row: required values, grades, dates, and what each tool allows."""

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from core.models import AuditTool, Case, Domain, Programme
from core.months import MONTH_RANGE_MESSAGE, month_bounds_error
from core.validation import CASE_REFERENCE_MESSAGE, case_reference_error
from flows.importer.results import RowError

REQUIRED_COLUMNS = ("case_reference", "service_area", "team", "tool", "month", "auditor", "overall")
MODERATION_COLUMNS = ("moderator", "moderated_on", "moderated_overall", "moderated_escalated")
OPTIONAL_COLUMNS = ("tool_version", "escalated", "submitted_on", "case_type", *MODERATION_COLUMNS)
# Free-text columns end up in exported reports; a leading = + - @ would run as a formula there.
# No team, service area, username, tool or case type begins with one, so such a cell is refused
# (cells are trimmed, so a leading tab or carriage return is gone before this check). A case
# reference is copied from the case management system as it is, and a legacy reference may
# begin with "-": it is stored as text and every export prefixes it with an apostrophe.
TEXT_COLUMNS = (
    "case_reference",
    "service_area",
    "team",
    "tool",
    "auditor",
    "moderator",
    "case_type",
)
FORMULA_PREFIXES = ("=", "+", "-", "@")
ALLOWED_PREFIXES = {"case_reference": ("-",)}

GRADE_WORDS = {
    "o": "O",
    "outstanding": "O",
    "g": "G",
    "good": "G",
    "ri": "RI",
    "requires improvement": "RI",
    "requires improvement to be good": "RI",
    "i": "I",
    "inadequate": "I",
    "na": "NA",
    "n/a": "NA",
    "not applicable": "NA",
}
ESCALATION_WORDS = re.compile(r"^inadequate\s*[-–—(:]?\s*escalat(ed|ion)\)?$")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
GRADE_HINT = "use O, G, RI, I or N/A (or the words, such as Good)"


def _grade(value: str) -> str | None:
    return GRADE_WORDS.get(re.sub(r"\s+", " ", value.strip().lower()))


def _yes_no(value: str) -> bool | None:
    word = value.strip().lower()
    return True if word in YES else False if word in NO else None


def _date(value: str) -> dt.date | None:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def _month(value: str) -> dt.date | None:
    value = value.strip()
    for pattern in ("%Y-%m", "%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    day = _date(value)
    return day.replace(day=1) if day else None


def _case_type(value: str) -> str | None:
    word = value.strip().lower()
    for code, label in Case.CaseType.choices:
        if word in (code, label.lower()):
            return code
    return None


def _person_error(value: str) -> str | None:
    try:
        if "@" in value:
            validate_email(value)
        else:
            UnicodeUsernameValidator()(value)
    except ValidationError:
        if "@" in value:
            return f"'{value}' is not a valid e-mail address."
        return f"'{value}' is not a valid username: give their username or e-mail address."
    return (
        None if len(value) <= 150 else "Usernames and e-mail addresses are at most 150 characters."
    )


@dataclass
class ParsedRow:
    number: int
    reference: str
    area: str
    team: str
    tool: AuditTool
    month: dt.date
    auditor: str
    overall: str
    escalated: bool
    submitted_on: dt.date | None
    case_type: str
    grades: dict[str, str]
    moderation: dict | None

    @property
    def team_key(self) -> tuple[str, str]:
        return (self.area.lower(), self.team.lower())


class Checker:
    """Checks every row against the file's columns, the tools and the rows before it."""

    def __init__(self, columns: list[str], tool_versions: dict[str, AuditTool] | None = None):
        self.columns = set(columns)
        # The version a QA lead named for the file, per tool code (else the newest).
        self.tool_versions = tool_versions or {}
        self.errors: list[RowError] = []
        self.missing_reported: set[str] = set()
        self.flagged: set[tuple[int, str]] = set()
        self.today = timezone.localdate()
        self.domains: dict[int, list[Domain]] = {}
        for domain in Domain.objects.order_by("tool_id", "position"):
            self.domains.setdefault(domain.tool_id, []).append(domain)
        self.all_domain_codes = {d.code for ds in self.domains.values() for d in ds}
        # History goes under published versions only: a draft is still being set up.
        latest: dict[str, AuditTool | None] = {}
        self.versions: dict[tuple[str, int], AuditTool] = {}
        self.drafts: set[tuple[str, int]] = set()
        for tool in AuditTool.objects.order_by("code", "version"):
            latest.setdefault(tool.code, None)
            if tool.is_published():
                latest[tool.code] = tool
                self.versions[(tool.code, tool.version)] = tool
            else:
                self.drafts.add((tool.code, tool.version))
        self.latest_tools = latest
        # An existing programme fixes the tool version its month's audits use.
        self.programmes: dict[tuple[dt.date, str], Programme] = {}
        for programme in Programme.objects.select_related("tool").order_by("tool__version"):
            self.programmes[(programme.month, programme.tool.code)] = programme

    def ignored_columns(self) -> list[str]:
        known = {*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS}
        known |= self.all_domain_codes | {f"moderated_{c}" for c in self.all_domain_codes}
        return sorted(self.columns - known)

    def error(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))

    def missing_column(self, column: str, reason: str) -> None:
        if column not in self.missing_reported:
            self.missing_reported.add(column)
            self.error(1, column, reason)

    def check_header(self) -> None:
        for column in REQUIRED_COLUMNS:
            if column not in self.columns:
                self.missing_column(column, "This required column is missing.")

    def row(self, number: int, raw: dict[str, str]) -> ParsedRow | None:
        before = len(self.errors)
        value = dict(raw)
        for column in TEXT_COLUMNS:
            text = value.get(column, "")
            if text.startswith(FORMULA_PREFIXES) and not text.startswith(
                ALLOWED_PREFIXES.get(column, ())
            ):
                self.error(
                    number,
                    column,
                    f"'{value[column]}' starts with '{value[column][0]}' and could run as a "
                    "formula when opened in a spreadsheet: remove that character.",
                )
                # Blanked so later checks skip it; the row is already refused.
                value[column] = ""
                self.flagged.add((number, column))
        for column in ("case_reference", "service_area", "team", "auditor"):
            if not value.get(column) and (number, column) not in self.flagged:
                self.error(number, column, "Enter a value: this column is required.")
        for column, limit in [("service_area", 120), ("team", 120)]:
            if len(value.get(column, "")) > limit:
                self.error(number, column, f"At most {limit} characters.")
        reference = value.get("case_reference", "")
        if reference and case_reference_error(reference):
            self.error(number, "case_reference", CASE_REFERENCE_MESSAGE)
        for column in ("auditor", "moderator"):
            problem = value.get(column) and _person_error(value[column])
            if problem:
                self.error(number, column, problem)
        month = self._month(number, value.get("month", ""))
        tool = self._tool(number, value.get("tool", ""), month, value.get("tool_version", ""))
        overall, escalated = self._overall(number, value, "overall", "escalated", tool)
        submitted_on = self._date(number, value, "submitted_on")
        case_type: str = Case.CaseType.OTHER
        if value.get("case_type"):
            case_type = _case_type(value["case_type"]) or ""
            if not case_type:
                choices = ", ".join(label for _, label in Case.CaseType.choices)
                self.error(number, "case_type", f"'{value['case_type']}' is not one of: {choices}.")
        grades = self._grades(number, value, tool, prefix="", required=True) if tool else {}
        moderation = self._moderation(number, value, tool, submitted_on)
        if len(self.errors) > before or tool is None or month is None:
            return None
        return ParsedRow(
            number=number,
            reference=value["case_reference"],
            area=value["service_area"],
            team=value["team"],
            tool=tool,
            month=month,
            auditor=value["auditor"],
            overall=overall,
            escalated=escalated,
            submitted_on=submitted_on,
            case_type=case_type,
            grades=grades,
            moderation=moderation,
        )

    def _month(self, number: int, text: str) -> dt.date | None:
        if not text:
            self.error(number, "month", "Enter the month the audit counts towards, as YYYY-MM.")
            return None
        month = _month(text)
        if month is None:
            self.error(number, "month", f"'{text}' is not a month: use YYYY-MM, such as 2025-03.")
        elif month_bounds_error(month):
            self.error(number, "month", MONTH_RANGE_MESSAGE)
            return None
        elif month > self.today.replace(day=1):
            self.error(number, "month", f"{month:%B %Y} has not started yet.")
            return None
        return month

    def _tool(
        self, number: int, code: str, month: dt.date | None, version_text: str = ""
    ) -> AuditTool | None:
        """The version in force for the row's month: the month's programme's; else the version
        the row names (tool_version), else the one named for the file, else the newest."""
        if not code:
            self.error(number, "tool", "Enter the audit tool's code, such as case-file.")
            return None
        code = code.lower()
        if code not in self.latest_tools:
            known = ", ".join(sorted(self.latest_tools))
            self.error(number, "tool", f"'{code}' is not an audit tool; the tools are: {known}.")
            return None
        tool = self.latest_tools[code]
        if tool is None:
            self.error(number, "tool", f"{code} has no published version yet: publish it first.")
            return None
        chosen = self.tool_versions.get(code)
        if version_text:
            named = self.versions.get((code, int(version_text))) if version_text.isdigit() else None
            if version_text.isdigit() and (code, int(version_text)) in self.drafts:
                self.error(
                    number,
                    "tool_version",
                    f"Version {version_text} of {code} is a draft: publish it first, or "
                    f"name a published version.",
                )
                return None
            if named is None:
                have = ", ".join(str(v) for c, v in sorted(self.versions) if c == code)
                self.error(
                    number,
                    "tool_version",
                    f"'{version_text}' is not a version of {code}: it has versions {have}.",
                )
                return None
            chosen = named
        programme = self.programmes.get((month, code)) if month else None
        if programme is not None:
            if chosen is not None and chosen.pk != programme.tool_id:
                self.error(
                    number,
                    "tool_version" if version_text else "tool",
                    f"The programme for {month:%B %Y} uses version {programme.tool.version} of "
                    f"{code}, not version {chosen.version}: a month's audits use its programme's "
                    "version.",
                )
                return None
            return programme.tool
        return chosen or tool

    def _date(self, number: int, value: dict[str, str], column: str) -> dt.date | None:
        text = value.get(column, "")
        if not text:
            return None
        day = _date(text)
        if day is None:
            self.error(
                number, column, f"'{text}' is not a date: use YYYY-MM-DD, such as 2025-03-14."
            )
        elif day > self.today:
            self.error(number, column, f"{day:%d %B %Y} is in the future.")
            return None
        return day

    def _overall(
        self, number: int, value: dict, column: str, flag: str, tool: AuditTool | None
    ) -> tuple[str, bool]:
        text = value.get(column, "")
        escalated = _yes_no(value.get(flag, ""))
        if escalated is None:
            self.error(number, flag, f"'{value[flag]}' is not yes or no.")
            escalated = False
        if ESCALATION_WORDS.match(re.sub(r"\s+", " ", text.lower())):
            return "I", True
        grade = _grade(text)
        if not text:
            self.error(number, column, "Enter the overall judgement: O, G, RI or I.")
        elif grade is None or grade == "NA":
            self.error(number, column, f"'{text}' is not an overall judgement: use O, G, RI or I.")
        elif grade == "O" and tool is not None and not tool.offers_outstanding:
            self.error(number, column, f"The {tool} does not offer Outstanding.")
        elif escalated and grade != "I":
            self.error(number, flag, "Only an audit judged Inadequate can be escalated.")
        return grade or "", escalated

    def _grades(
        self, number: int, value: dict, tool: AuditTool, *, prefix: str, required: bool
    ) -> dict[str, str]:
        grades = {}
        own = {d.code for d in self.domains.get(tool.pk, [])}
        for code in sorted(self.all_domain_codes - own):
            if value.get(prefix + code):
                self.error(number, prefix + code, f"Not a domain of the {tool}: leave it blank.")
        for domain in self.domains.get(tool.pk, []):
            column = prefix + domain.code
            if column not in self.columns:
                if required:
                    self.missing_column(
                        column, f"The column for {domain.title} ({tool}) is missing."
                    )
                continue
            text = value.get(column, "")
            grade = _grade(text)
            if not text:
                hint = ", I or N/A" if domain.na_allowed else " or I"
                self.error(number, column, f"Enter the grade for {domain.title}: O, G, RI{hint}.")
            elif grade is None:
                self.error(number, column, f"'{text}' is not a grade: {GRADE_HINT}.")
            elif grade == "NA" and not domain.na_allowed:
                self.error(number, column, f"{domain.title} cannot be N/A in the {tool}.")
            elif grade == "O" and not tool.offers_outstanding:
                self.error(number, column, f"The {tool} does not offer Outstanding.")
            else:
                grades[domain.code] = grade
        return grades

    def _moderation(self, number, value, tool, submitted_on) -> dict | None:
        moderated = any(value.get(c) for c in MODERATION_COLUMNS if c != "moderated_escalated")
        # A column of "no" on unmoderated rows is common; anything else means moderation.
        moderated |= _yes_no(value.get("moderated_escalated", "")) is not False
        moderated |= any(value.get(f"moderated_{c}") for c in self.all_domain_codes)
        if not moderated:
            return None
        for column in ("moderator", "moderated_overall"):
            if not value.get(column) and (number, column) not in self.flagged:
                self.error(number, column, "Enter a value: this audit has moderation columns.")
        overall, escalated = "", False
        if value.get("moderated_overall"):
            overall, escalated = self._overall(
                number, value, "moderated_overall", "moderated_escalated", tool
            )
        moderated_on = self._date(number, value, "moderated_on")
        if moderated_on and submitted_on and moderated_on < submitted_on:
            self.error(number, "moderated_on", "The audit was moderated before it was submitted.")
        grades = {}
        if tool:
            grades = self._grades(number, value, tool, prefix="moderated_", required=False)
        return {
            "moderator": value.get("moderator", ""),
            "moderated_on": moderated_on.isoformat() if moderated_on else None,
            "overall": overall,
            "escalated": escalated,
            "grades": grades,
        }
