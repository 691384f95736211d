"""A made-up local authority for demonstrations and trying the service out.

Everything is invented: staff names are random pairings of common names, and cases are known
only by made-up references (never a child's name or date of birth). History goes through the
import service, so the demo data takes the same path as a real authority's spreadsheets; its
moderation goes through the moderation services (demo_moderation.py), as moderators' would.
"""

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.grades import RANK
from core.models import Action, Audit, AuditTool, Case, Programme, Role, ServiceArea, Team, User
from core.months import months_before
from core.services.actions import action_create, action_status_set
from core.services.audits import AuditContent, audit_create, audit_reaudit_start, audit_save_draft
from core.services.cases import case_create
from core.services.programmes import programme_create, programme_update
from demo.moderation import (
    DOMAIN_SHIFTS,
    OVERALL_SHIFTS,
    demo_heads_of_service,
    demo_moderate_history,
    demo_moderation_queue,
    demo_moment,
    demo_staff_activate,
    shifted,
)
from flows.audits import audit_submit
from flows.importer import ImportResult, audits_import
from moderation.models import Escalation, Moderation

DEFAULT_SEED = 2026
DEFAULT_MONTHS = 18
DEFAULT_PASSWORD = "demo-password-2026"
SITE_URL = "http://127.0.0.1:8000/"
NO_PROGRAMME_MONTHS = (8, 12)  # many authorities run no audits in August and December

DEMO_AUDITOR = "demo.auditor"
DEMO_MODERATOR = "demo.moderator"
DEMO_VIEWER = "demo.viewer"
DEMO_QA_LEAD = "demo.qalead"
DEMO_AUDITOR_TEAM = ("Child protection", "Child protection team 1")
DEMO_VIEWER_AREAS = ("Children in need", "Child protection")

# (service area, case type, teams); a team may name its own case type.
ORGANISATION = [
    (
        "Front door (MASH and assessment)",
        Case.CaseType.ASSESSMENT,
        ["MASH team", "Assessment team 1", "Assessment team 2", "Assessment team 3"],
    ),
    (
        "Children in need",
        Case.CaseType.CHILD_IN_NEED,
        [
            "Children in need team 1",
            "Children in need team 2",
            "Children in need team 3",
            ("Children with disabilities team", Case.CaseType.DISABLED_CHILDREN),
        ],
    ),
    (
        "Child protection",
        Case.CaseType.CHILD_PROTECTION,
        ["Child protection team 1", "Child protection team 2", "Child protection team 3"],
    ),
    (
        "Children in care",
        Case.CaseType.CHILD_IN_CARE,
        [
            "Children in care team 1",
            "Children in care team 2",
            "Children in care team 3",
            "Permanence team",
        ],
    ),
    ("Care leavers", Case.CaseType.CARE_LEAVER, ["Leaving care team 1", "Leaving care team 2"]),
    (
        "Fostering",
        Case.CaseType.FOSTERING_HOUSEHOLD,
        [
            "Fostering assessment team",
            "Supervising social work team 1",
            "Supervising social work team 2",
        ],
    ),
]
FOSTERING_AREA = "Fostering"
FIRST_NAMES = [
    "amira",
    "asha",
    "ben",
    "callum",
    "chloe",
    "dan",
    "deepa",
    "eleni",
    "ewan",
    "fatima",
    "finn",
    "grace",
    "hassan",
    "imogen",
    "isaac",
    "jade",
    "jonah",
    "kiran",
    "leah",
    "liam",
    "maya",
    "nadia",
    "noah",
    "olu",
    "priya",
    "rhys",
    "rosa",
    "sami",
    "tara",
    "tom",
    "usha",
    "wren",
    "yusuf",
    "zara",
]
SURNAMES = [
    "adeyemi",
    "ashford",
    "bains",
    "carver",
    "dalton",
    "ellery",
    "farrant",
    "gill",
    "hartwell",
    "iqbal",
    "jennings",
    "kaur",
    "lowther",
    "marsh",
    "nwosu",
    "okafor",
    "pennock",
    "quinlan",
    "rahman",
    "sefton",
    "thorne",
    "underhill",
    "varga",
    "whitlock",
    "yates",
]
THEMES = [
    "Voice of the child",
    "Section 47 enquiries",
    "Management oversight",
    "Permanence planning",
    "Neglect",
    "Pre-birth assessments",
    "Contextual safeguarding",
    "Children missing from home or care",
    "Pathway plans",
]
AUDITORS_PER_TEAM = 2
TEAMS_WITH_A_THIRD_AUDITOR = 10
MODERATORS = 8
# The last months are moderated through the services (slow: every grade has its history);
# earlier ones come in through the import's moderated_* columns, as real history would.
SERVICE_MONTHS = 4
CURRENT_RETURNS = 12  # audits already returned this month, so the moderation queue has work
# A cohort of cases judged RI or Inadequate about six months ago, re-audited this month to see
# whether practice changed (the re-audits report).
REAUDITS = 8
REAUDIT_MONTHS_BACK = 6
# Actions from the last months' audits, followed until done: most older ones are done, some
# are overdue, the newest are still open (the Actions page).
ACTION_MONTHS = 4
ACTIONS = (
    ("Update the child's plan with owners and dates for every action.", "Social worker"),
    ("Hold a supervision on the case and record the decisions.", "Team manager"),
    ("See the child alone and record their wishes and feelings.", "Social worker"),
    ("Share the assessment with the school and the health visitor.", "Social worker"),
    ("Review the chronology and add the significant events.", "Social worker"),
    ("Convene a strategy discussion about the new concerns.", "Team manager"),
    ("Ask the IRO to review the plan before the next review.", "Team manager"),
    ("Complete the direct work with the child's brother.", "Family support worker"),
)
RANK_GRADE = {rank: grade for grade, rank in RANK.items()}
# How often a domain that allows N/A does not apply to the case.
NA_CHANCE = {"earlier_intervention": 0.25, "review": 0.15, "impact_family": 0.08}


@dataclass
class DemoTeam:
    area: str
    name: str
    case_type: str
    auditors: list[str] = field(default_factory=list)
    turn: int = 0

    def next_auditor(self) -> str:
        # Taking turns means every manager has history, so every one of them is imported.
        self.turn += 1
        return self.auditors[self.turn % len(self.auditors)]


@dataclass
class DemoOrganisation:
    teams: list[DemoTeam]
    moderators: list[str]

    def team(self, area: str, name: str) -> DemoTeam:
        return next(t for t in self.teams if (t.area, t.name) == (area, name))


@dataclass
class DemoResult:
    import_result: ImportResult
    logins: list[tuple[str, str]]  # (role label, username)
    assigned: int
    staff: int
    moderated: int = 0
    escalations: int = 0
    waiting: int = 0


def demo_organisation(rng: random.Random) -> DemoOrganisation:
    """The made-up structure and staff, drawn from the seeded generator."""
    names = [f"{first}.{last}" for first in FIRST_NAMES for last in SURNAMES]
    rng.shuffle(names)
    teams = []
    for area, area_type, team_names in ORGANISATION:
        for entry in team_names:
            name, case_type = entry if isinstance(entry, tuple) else (entry, area_type)
            teams.append(DemoTeam(area=area, name=name, case_type=case_type))
    for index, team in enumerate(teams):
        count = AUDITORS_PER_TEAM + (
            1 if index % 2 == 0 and index < 2 * TEAMS_WITH_A_THIRD_AUDITOR else 0
        )
        team.auditors = [names.pop() for _ in range(count)]
    organisation = DemoOrganisation(
        teams=teams, moderators=[names.pop() for _ in range(MODERATORS)]
    )
    organisation.team(*DEMO_AUDITOR_TEAM).auditors[0] = DEMO_AUDITOR
    organisation.moderators[0] = DEMO_MODERATOR
    return organisation


def history_months(today: dt.date, months: int) -> list[dt.date]:
    """The months with a programme: `months` calendar months before this one, less gaps."""
    current = today.replace(day=1)
    window = [months_before(current, n) for n in range(months, 0, -1)]
    return [m for m in window if m.month not in NO_PROGRAMME_MONTHS]


def _tool_domains() -> dict[str, tuple[AuditTool, list[tuple[str, bool]]]]:
    tools = {}
    for tool in AuditTool.objects.order_by("code", "version").prefetch_related("domains"):
        tools[tool.code] = (tool, [(d.code, d.na_allowed) for d in tool.domains.all()])
    return tools


def _shift(rng: random.Random, rank: int, down: float, up: float, top: int) -> int:
    roll = rng.random()
    if roll < down:
        rank -= 1
    elif roll < down + up:
        rank += 1
    return max(1, min(top, rank))


def _month_judgements(rng: random.Random, total: int, progress: float) -> list[int]:
    """A month's overall judgements as ranks (4 = O), in random order.

    Practice improves slowly: Good or better rises from about 25% to 45% over the period.
    Drawn as a month's shares with a little jitter, so the trend shows through the noise.
    """
    good_or_better = round(total * (0.25 + 0.20 * progress) + rng.gauss(0, 1.2))
    inadequate = round(total * (0.18 - 0.08 * progress) + rng.gauss(0, 1.0))
    outstanding = sum(rng.random() < 0.12 for _ in range(good_or_better))
    ranks = [4] * outstanding + [3] * (good_or_better - outstanding) + [1] * max(0, inadequate)
    ranks += [2] * (total - len(ranks))
    rng.shuffle(ranks)
    return ranks


def _grades(rng, overall: int, domains, top: int) -> dict[str, str]:
    grades = {}
    for code, na_allowed in domains:
        if na_allowed and rng.random() < NA_CHANCE.get(code, 0.1):
            grades[code] = "NA"
            continue
        rank = _shift(rng, overall, down=0.15, up=0.12, top=top)
        if code == "voice":  # the domain audits most often find weakest
            rank = _shift(rng, rank, down=0.12, up=0.0, top=top)
        grades[code] = RANK_GRADE[rank]
    return grades


def _moderation(rng, row: dict, domains, org: DemoOrganisation, top: int, today) -> dict:
    """Moderation done before the service, as the import's moderated_* columns."""
    overall = RANK[row["overall"]]
    moderated = shifted(rng, overall, OVERALL_SHIFTS, top)
    submitted = dt.date.fromisoformat(row["submitted_on"])
    moderated_on = min(today, submitted + dt.timedelta(days=rng.randint(3, 21)))
    escalate = moderated == 1 and (row["escalated"] == "yes" or rng.random() < 0.15)
    values = {
        "moderator": rng.choice(org.moderators),
        "moderated_on": moderated_on.isoformat(),
        "moderated_overall": RANK_GRADE[moderated],
        "moderated_escalated": "yes" if escalate else "no",
    }
    for code, _na_allowed in domains:
        grade = row[code]
        if grade != "NA":
            grade = RANK_GRADE[shifted(rng, RANK[grade], DOMAIN_SHIFTS, top)]
        values[f"moderated_{code}"] = grade
    return values


def _moderate_half(rng, rows: list[dict], tools, org: DemoOrganisation, today) -> None:
    """About half of each area's returns, at least one, as the QA team then sampled them."""
    by_area: dict[str, list[dict]] = {}
    for row in rows:
        by_area.setdefault(row["service_area"], []).append(row)
    for area in sorted(by_area):
        returned = by_area[area]
        for row in rng.sample(returned, max(1, round(len(returned) / 2))):
            tool, domains = tools[row["tool"]]
            top = 4 if tool.offers_outstanding else 3
            row |= _moderation(rng, row, domains, org, top, today)


def history_rows(
    *,
    rng: random.Random,
    organisation: DemoOrganisation,
    today: dt.date,
    months: int,
    service_months: int = SERVICE_MONTHS,
) -> list[dict[str, str]]:
    """Past audits in the import format: about 50 a month, a few of foster carers.

    Months before the last `service_months` carry their moderation in the moderated_*
    columns; the later ones are moderated through the services (demo_moderation.py).
    """
    tools = _tool_domains()
    references: set[str] = set()
    case_teams = [t for t in organisation.teams if t.area != FOSTERING_AREA]
    fostering_teams = [t for t in organisation.teams if t.area == FOSTERING_AREA]
    current = today.replace(day=1)
    rows = []
    for index, back in enumerate(range(months, 0, -1)):
        month = months_before(current, back)
        if month.month in NO_PROGRAMME_MONTHS:
            continue
        month_rows = []
        progress = index / max(1, months - 1)
        total = rng.randint(44, 56)
        fostering = rng.randint(2, 4)
        judgements = _month_judgements(rng, total, progress)
        for n in range(total):
            if n < fostering:
                team, code = rng.choice(fostering_teams), "foster-carer"
            else:
                team, code = rng.choice(case_teams), "case-file"
            tool, domains = tools[code]
            top = 4 if tool.offers_outstanding else 3
            reference = _new_reference(rng, references)
            last_day = calendar.monthrange(month.year, month.month)[1]
            submitted = min(month.replace(day=rng.randint(3, last_day)), today)
            overall = min(top, judgements[n])
            row = {
                "case_reference": reference,
                "service_area": team.area,
                "team": team.name,
                "case_type": team.case_type,
                "tool": code,
                "month": f"{month:%Y-%m}",
                "auditor": team.next_auditor(),
                "overall": RANK_GRADE[overall],
                "escalated": "yes" if overall == 1 and rng.random() < 0.25 else "no",
                "submitted_on": submitted.isoformat(),
            }
            row |= _grades(rng, overall, domains, top)
            month_rows.append(row)
        if back > service_months:
            _moderate_half(rng, month_rows, tools, organisation, today)
        rows += month_rows
    _give_demo_auditor_last_month(rows, organisation)
    return rows


def _give_demo_auditor_last_month(rows: list[dict[str, str]], organisation: DemoOrganisation):
    """The demo auditor returned an audit in the latest month, whatever the date.

    Their feedback waiting to be read comes from a recent moderation of their own audit;
    taking turns alone leaves some months without one.
    """
    if not rows:
        return
    latest = [row for row in rows if row["month"] == rows[-1]["month"]]
    if any(row["auditor"] == DEMO_AUDITOR for row in latest):
        return
    team = organisation.team(*DEMO_AUDITOR_TEAM)
    row = next(row for row in latest if row["tool"] == "case-file")
    row |= {
        "service_area": team.area,
        "team": team.name,
        "case_type": team.case_type,
        "auditor": DEMO_AUDITOR,
    }


def _new_reference(rng: random.Random, taken: set[str]) -> str:
    while True:
        reference = f"LCS-{rng.randint(1_000_000, 9_999_999)}"
        if reference not in taken:
            taken.add(reference)
            return reference


def demo_login_set(
    *,
    username: str,
    password: str,
    roles: list[str],
    team: Team | None = None,
    service_areas: list[ServiceArea] | None = None,
) -> User:
    """An active demo account with a known password (creating it, or activating an import's)."""
    user = User.objects.filter(username=username).first() or User(username=username)
    user.is_active = True
    user.email = f"{username}@example.invalid"
    if team is not None:
        user.team = team
    user.set_password(password)
    user.save()
    user.groups.add(*Group.objects.filter(name__in=roles))
    if service_areas:
        user.service_areas.set(service_areas)
    return user


def _set_targets(rng: random.Random, months: list[dt.date], actor: User) -> None:
    programmes = Programme.objects.filter(month__in=months).select_related("tool")
    for programme in programmes.order_by("month", "tool__code"):
        returned = programme.audits.count()
        target = math.ceil(returned / rng.uniform(0.85, 0.95))
        last_day = calendar.monthrange(programme.month.year, programme.month.month)[1]
        programme_update(
            programme=programme,
            actor=actor,
            theme=rng.choice(THEMES) if programme.tool.code == "case-file" else "Annual reviews",
            audit_target=target,
            moderation_target=round(target / 2),
            due_date=programme.month.replace(day=last_day),
        )


def _current_month(
    rng, organisation: DemoOrganisation, today, qa_lead, auditor
) -> tuple[int, Programme]:
    """This month's programme: work assigned (the demo auditor's under way), a few returned."""
    tool = AuditTool.objects.filter(code="case-file").order_by("-version").first()
    month = today.replace(day=1)
    last_day = calendar.monthrange(month.year, month.month)[1]
    target = rng.randint(48, 55)
    programme = programme_create(
        actor=qa_lead,
        month=month,
        tool=tool,
        theme=rng.choice(THEMES),
        audit_target=target,
        moderation_target=round(target / 2),
        due_date=month.replace(day=last_day),
    )
    references = set(Case.objects.values_list("reference", flat=True))
    teams = {(t.area, t.name): t for t in organisation.teams if t.area != FOSTERING_AREA}
    # Teams and managers with history (a short --months may not reach every team).
    team_rows = {(t.service_area.name, t.name): t for t in Team.objects.select_related()}
    authors = User.objects.filter(is_active=True).in_bulk(field_name="username")
    returning = sorted(
        (t for t in teams.values() if (t.area, t.name) in team_rows and t.auditors[-1] in authors),
        key=lambda t: t.name,
    )
    work = [(teams[DEMO_AUDITOR_TEAM], DEMO_AUDITOR)] * 3
    for team in rng.sample(returning, min(6, len(returning))):
        work.append((team, team.auditors[-1]))
    audits = []
    for team, username in work:
        case = case_create(
            actor=qa_lead,
            reference=_new_reference(rng, references),
            team=team_rows[(team.area, team.name)],
            case_type=team.case_type,
        )
        assignee = auditor if username == DEMO_AUDITOR else authors[username]
        audits.append(
            audit_create(actor=qa_lead, case=case, auditor=assignee, tool=tool, programme=programme)
        )
    for team in rng.sample(returning, min(CURRENT_RETURNS, len(returning))):
        case = case_create(
            actor=qa_lead,
            reference=_new_reference(rng, references),
            team=team_rows[(team.area, team.name)],
            case_type=team.case_type,
        )
        author = authors[team.auditors[-1]]
        audit = audit_create(
            actor=qa_lead, case=case, auditor=author, tool=tool, programme=programme
        )
        _submit(rng, audit, author)
    started = audits[0]
    audit_save_draft(
        audit=started,
        actor=auditor,
        version=started.version,
        content=AuditContent(
            working_well="The child is seen regularly and alone; visits are purposeful.",
            grades={
                "assessment": ("RI", "The assessment is descriptive; history is not analysed."),
                "voice": ("G", "The child's wishes are recorded after each visit."),
            },
        ),
    )
    return len(audits), programme


def _submit(rng: random.Random, audit: Audit, author: User) -> Audit:
    """An audit returned early this month, written as a manager would."""
    top = 4 if audit.tool.offers_outstanding else 3
    overall = rng.choice([2, 2, 2, 3, 3, 1])
    domains = [(d.code, d.na_allowed) for d in audit.tool.domains.all()]
    grades = _grades(rng, min(top, overall), domains, top)
    return audit_submit(
        audit=audit,
        actor=author,
        version=audit.version,
        content=AuditContent(
            overall=RANK_GRADE[overall],
            working_well="The family engage with the worker; visits are regular and recorded.",
            worried_about="The plan has actions without owners or dates.",
            needs_to_happen="Update the plan with timescales at the next review.",
            grades={
                code: (grade, "" if grade == "NA" else "Seen in the case notes and the plan.")
                for code, grade in grades.items()
            },
        ),
    )


def _reaudit_cohort(rng: random.Random, programme: Programme, history: list[dt.date]) -> int:
    """Re-audit this month, by a manager of the same team, cases judged RI or I about six
    months ago: most improved, some not. Returns how many were re-audited."""
    past = [m for m in history if m <= months_before(programme.month, REAUDIT_MONTHS_BACK)]
    if not past:
        return 0
    earlier = (
        Audit.objects.filter(
            month=past[-1],
            tool__code=programme.tool.code,
            status=Audit.Status.SUBMITTED,
            overall__in=("RI", "I"),
        )
        .select_related("case__team")
        .order_by("pk")
    )
    managers = {}
    for user in User.objects.filter(groups__name=Role.AUDITOR, is_active=True).exclude(
        username=DEMO_AUDITOR
    ):
        managers.setdefault(user.team_id, user)
    chosen = [audit for audit in earlier if audit.case.team_id in managers]
    top = 4 if programme.tool.offers_outstanding else 3
    picked = rng.sample(chosen, min(REAUDITS, len(chosen)))
    # Three in four improved, whatever the draw: practice changed for most of the cohort.
    improving = set(rng.sample(range(len(picked)), math.ceil(len(picked) * 0.75)))
    done = 0
    for index, original in enumerate(picked):
        author = managers[original.case.team_id]
        draft = audit_reaudit_start(actor=author, original=original, programme=programme)
        improve = index in improving
        grades = {}
        for grade in draft.grades.select_related("domain"):
            if grade.grade == "NA":
                grades[grade.domain.code] = ("NA", "")
                continue
            # A domain the earlier tool did not have starts from the earlier overall judgement.
            rank = RANK.get(grade.grade, RANK[original.overall])
            moved = rank + (1 if improve and rng.random() < 0.6 else 0)
            moved -= 1 if not improve and rng.random() < 0.3 else 0
            grades[grade.domain.code] = (
                RANK_GRADE[max(1, min(top, moved))],
                "Re-audited: the plan and the visits since the first audit were read.",
            )
        overall = RANK[original.overall] + (1 if improve else 0)
        audit_submit(
            audit=draft,
            actor=author,
            version=draft.version,
            content=AuditContent(
                overall=RANK_GRADE[max(1, min(top, overall))],
                escalated=False,
                escalation_reason="",
                working_well="Since the first audit the plan has owners and dates.",
                worried_about="Some actions from the first audit are still open.",
                needs_to_happen="Close the remaining actions before the next review.",
                grades=grades,
            ),
        )
        done += 1
    return done


def _demo_actions(rng: random.Random, history: list[dt.date], today: dt.date) -> int:
    """Actions on the last months' RI and Inadequate audits (and a few Good ones), added by
    their auditors; those long past their due date mostly done. Returns how many."""
    audits = (
        Audit.objects.filter(
            month__in=history[-ACTION_MONTHS:],
            status=Audit.Status.SUBMITTED,
            re_audit_of__isnull=True,
        )
        .select_related("auditor")
        .order_by("pk")
    )
    made = 0
    for audit in audits:
        if audit.overall == "G" and rng.random() > 0.15 or audit.overall == "O":
            continue
        start = audit.month + dt.timedelta(days=rng.randint(10, 27))
        for description, owner in rng.sample(ACTIONS, rng.randint(1, 2)):
            due = start + dt.timedelta(days=rng.choice([14, 21, 28, 42, 56]))
            action = action_create(
                audit=audit, actor=audit.auditor, description=description, owner=owner, due_date=due
            )
            made += 1
            if due < today - dt.timedelta(days=7) and rng.random() < 0.75:
                done = action_status_set(action=action, actor=audit.auditor, status="done")
                finished = due - dt.timedelta(days=rng.randint(-6, 10))
                Action.objects.filter(pk=done.pk).update(
                    completed_at=demo_moment(finished, timezone.now())
                )
    return made


def demo_is_seeded() -> bool:
    return User.objects.filter(username=DEMO_QA_LEAD).exists()


@transaction.atomic
def demo_seed(
    *,
    seed: int = DEFAULT_SEED,
    months: int = DEFAULT_MONTHS,
    password: str = DEFAULT_PASSWORD,
) -> DemoResult:
    """Fill an empty database with a made-up authority, its history and demo logins."""
    rng = random.Random(seed)
    today = timezone.localdate()
    qa_lead = demo_login_set(username=DEMO_QA_LEAD, password=password, roles=[Role.QA_LEAD])
    organisation = demo_organisation(rng)
    rows = history_rows(rng=rng, organisation=organisation, today=today, months=months)
    result = audits_import(rows=rows, actor=qa_lead)
    _set_targets(rng, history_months(today, months), qa_lead)
    area, team_name = DEMO_AUDITOR_TEAM
    auditor = demo_login_set(
        username=DEMO_AUDITOR,
        password=password,
        roles=[Role.AUDITOR],
        team=Team.objects.get(service_area__name=area, name=team_name),
    )
    moderator = demo_login_set(username=DEMO_MODERATOR, password=password, roles=[Role.MODERATOR])
    viewer = demo_login_set(
        username=DEMO_VIEWER,
        password=password,
        roles=[Role.VIEWER],
        service_areas=list(ServiceArea.objects.filter(name__in=DEMO_VIEWER_AREAS)),
    )
    moderators = demo_staff_activate(moderators=organisation.moderators, qa_lead=qa_lead)
    heads = demo_heads_of_service(covered=set(DEMO_VIEWER_AREAS))
    demo_moderate_history(
        # Its own generator: the history rows stay exactly those history_rows() draws.
        rng=random.Random(f"{seed}-moderation"),
        seed=seed,
        months=[
            m
            for m in history_months(today, months)
            if m >= months_before(today.replace(day=1), SERVICE_MONTHS)
        ],
        qa_lead=qa_lead,
        moderators=moderators,
        heads=heads,
        viewer=viewer,
    )
    assigned, programme = _current_month(rng, organisation, today, qa_lead, auditor)
    # Its own generator, like the moderation's: the draws above stay as they were.
    _reaudit_cohort(random.Random(f"{seed}-reaudit"), programme, history_months(today, months))
    _demo_actions(random.Random(f"{seed}-actions"), history_months(today, months), today)
    waiting = demo_moderation_queue(
        seed=seed, programme=programme, qa_lead=qa_lead, moderator=moderator
    )
    return DemoResult(
        import_result=result,
        logins=demo_logins(),
        assigned=assigned,
        staff=User.objects.count(),
        moderated=Moderation.objects.filter(status=Moderation.Status.COMPLETED).count(),
        escalations=Escalation.objects.count(),
        waiting=waiting,
    )


def demo_logins() -> list[tuple[str, str]]:
    return [
        (Role.AUDITOR.label, DEMO_AUDITOR),
        (Role.MODERATOR.label, DEMO_MODERATOR),
        (Role.VIEWER.label, DEMO_VIEWER),
        (Role.QA_LEAD.label, DEMO_QA_LEAD),
    ]


def database_is_empty() -> bool:
    return not (Audit.objects.exists() or ServiceArea.objects.exists())
