"""A made-up local authority for demonstrations and trying the service out.

Everything is invented (demo/organisation.py, demo/history.py). History goes through the
import service, so the demo data takes the same path as a real authority's spreadsheets; its
moderation goes through the moderation services (demo/moderation.py), as moderators' would;
this month's work through the audit services (demo/current_month.py).
"""

import random
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from core.models import Audit, Role, ServiceArea, Team, User
from core.months import months_before
from demo.current_month import (
    demo_actions_follow,
    demo_current_month,
    demo_reaudit_cohort,
    demo_targets_set,
)
from demo.history import (
    SERVICE_MONTHS,
    case_file_v2,
    grade_permanence,
    history_months,
    history_rows,
    split_rows,
)
from demo.moderation import (
    demo_heads_of_service,
    demo_moderate_history,
    demo_moderation_queue,
    demo_staff_activate,
)
from demo.organisation import (
    DEMO_AUDITOR,
    DEMO_AUDITOR_TEAM,
    DEMO_MODERATOR,
    DEMO_QA_LEAD,
    DEMO_VIEWER,
    DEMO_VIEWER_AREAS,
    demo_line_managers_set,
    demo_login_set,
    demo_logins,
    demo_organisation,
)
from flows.importer import ImportResult, audits_import
from moderation.models import Escalation, Moderation

DEFAULT_SEED = 2026


DEFAULT_MONTHS = 18


DEFAULT_PASSWORD = "demo-password-2026"


@dataclass
class DemoResult:
    import_result: ImportResult
    logins: list[tuple[str, str]]  # (role label, username)
    assigned: int
    staff: int
    moderated: int = 0
    escalations: int = 0
    waiting: int = 0


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
    # The earlier months under the case-file tool's version 1, then version 2 (a split
    # domain) and the last months under it, as an authority changing its tool would.
    before, after = split_rows(rows, today)
    result = ImportResult(dry_run=False)
    if before:
        result = audits_import(rows=before, actor=qa_lead)
    if after:
        case_file_v2(actor=qa_lead)
        grade_permanence(random.Random(f"{seed}-v2"), after)
        result = merged(result, audits_import(rows=after, actor=qa_lead))
    demo_targets_set(rng, history_months(today, months), qa_lead)
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
    demo_line_managers_set(organisation, qa_lead)
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
    assigned, programme = demo_current_month(rng, organisation, today, qa_lead, auditor)
    # Its own generator, like the moderation's: the draws above stay as they were.
    demo_reaudit_cohort(random.Random(f"{seed}-reaudit"), programme, history_months(today, months))
    demo_actions_follow(random.Random(f"{seed}-actions"), history_months(today, months), today)
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


def merged(first: ImportResult, second: ImportResult) -> ImportResult:
    """Two imports' results as one (the demo imports its history in two parts)."""
    lists = ("service_areas", "teams", "people", "programmes", "ignored_columns")
    counts = ("rows", "audits", "skipped", "moderations", "cases")
    return replace(
        first,
        **{name: getattr(first, name) + getattr(second, name) for name in counts},
        **{name: getattr(first, name) + getattr(second, name) for name in lists},
    )


def database_is_empty() -> bool:
    return not (Audit.objects.exists() or ServiceArea.objects.exists())
