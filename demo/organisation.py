"""The made-up authority's structure and staff, and the demo logins.

Everything is invented: staff names are random pairings of common names."""

import random
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from core.models import Case, Role, ServiceArea, Team, User
from core.services.people import person_update

DEMO_AUDITOR = "demo.auditor"


DEMO_MODERATOR = "demo.moderator"


DEMO_VIEWER = "demo.viewer"


DEMO_QA_LEAD = "demo.qalead"


DEMO_AUDITOR_TEAM = ("Child protection", "Child protection team 1")


DEMO_VIEWER_AREAS = ("Children in need", "Child protection")


# (service area, case type, teams); a team may name its own case type.
ORGANISATION: list[tuple[str, str, list[str | tuple[str, str]]]] = [
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


AUDITORS_PER_TEAM = 2


TEAMS_WITH_A_THIRD_AUDITOR = 10


MODERATORS = 8


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


def demo_logins() -> list[tuple[str, str]]:
    return [
        (Role.AUDITOR.label, DEMO_AUDITOR),
        (Role.MODERATOR.label, DEMO_MODERATOR),
        (Role.VIEWER.label, DEMO_VIEWER),
        (Role.QA_LEAD.label, DEMO_QA_LEAD),
    ]


def demo_line_managers_set(organisation: DemoOrganisation, actor: User) -> int:
    """Each team's other managers report to its first, so a line manager reads (and is told
    of) the moderations of the people they manage, as the service shows them; through the
    staff service, one recorded change each. Returns how many were set."""
    done = 0
    for team in organisation.teams:
        people = {u.username: u for u in User.objects.filter(username__in=team.auditors)}
        lead = people.get(team.auditors[0])
        if lead is None:
            continue
        for username in team.auditors[1:]:
            person = people.get(username)
            if person is None or person.line_manager_id == lead.pk:
                continue
            person_update(
                actor=actor,
                person=person,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                team=person.team,
                line_manager=lead,
                service_areas=list(person.service_areas.all()),
                reason="Line management in the demo organisation.",
            )
            done += 1
    return done
