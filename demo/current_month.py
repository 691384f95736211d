"""The demo's present: the history's targets, this month's programme, a re-audit cohort and
the actions followed since, all through the services staff use."""

import calendar
import datetime as dt
import math
import random

from django.utils import timezone

from core.grades import RANK
from core.models import Action, Audit, AuditTool, Case, Programme, Role, Team, User
from core.months import months_before
from core.services.actions import action_create, action_status_set
from core.services.assignments import audits_reassign
from core.services.audits import AuditContent, audit_create, audit_reaudit_start, audit_save_draft
from core.services.cases import case_create
from core.services.programmes import programme_create, programme_update
from demo.history import RANK_GRADE, draw_grades, new_reference
from demo.moderation import demo_moment
from demo.organisation import DEMO_AUDITOR, DEMO_AUDITOR_TEAM, FOSTERING_AREA, DemoOrganisation
from flows.audits import audit_submit

THEMES = [
    "Voice of the child",
    "Section 47 enquiries",
    "Management oversight",
    "Permanence planning",
    "Neglect",
    "Pre-birth assessments",
    "Contextual safeguarding",
    "Children missing from home or care",
]
# Themes are the month's across the whole sample (child protection, children in care, early
# help), so none that fits one kind of case only: "Pathway plans" (care leavers) on a child
# protection case read as a mistake (issue 12 snag 26).


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


def demo_targets_set(rng: random.Random, months: list[dt.date], actor: User) -> None:
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


def demo_current_month(
    rng, organisation: DemoOrganisation, today, qa_lead, auditor
) -> tuple[int, Programme]:
    """This month's programme: work assigned (the demo auditor's under way), a few returned."""
    tool = AuditTool.objects.filter(code="case-file").latest("version")
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
            reference=new_reference(rng, references),
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
            reference=new_reference(rng, references),
            team=team_rows[(team.area, team.name)],
            case_type=team.case_type,
        )
        author = authors[team.auditors[-1]]
        audit = audit_create(
            actor=qa_lead, case=case, auditor=author, tool=tool, programme=programme
        )
        _submit(rng, audit, author)
    if len(audits) > 3:
        # A manager's audit whose cover is not agreed yet: the QA lead sees it needs an owner.
        audits_reassign(
            actor=qa_lead,
            audit_ids=[audits[-1].pk],
            to=None,
            reason="Manager moved to another team; cover not yet agreed",
        )
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
    grades = draw_grades(rng, min(top, overall), domains, top)
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


def demo_reaudit_cohort(rng: random.Random, programme: Programme, history: list[dt.date]) -> int:
    """Re-audit this month, by another manager of the same team than the first auditor, cases
    judged RI or I about six months ago, graded afresh: most improved, some not. Returns how
    many were re-audited."""
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
    managers: dict[int | None, list[User]] = {}
    for user in User.objects.filter(groups__name=Role.AUDITOR, is_active=True).exclude(
        username=DEMO_AUDITOR
    ):
        managers.setdefault(user.team_id, []).append(user)

    def re_auditor(audit: Audit) -> User | None:
        # A fresh pair of eyes: never the earlier audit's auditor (issue 12 snag 22).
        others = [m for m in managers.get(audit.case.team_id, []) if m.pk != audit.auditor_id]
        return others[0] if others else None

    chosen = [audit for audit in earlier if re_auditor(audit) is not None]
    top = 4 if programme.tool.offers_outstanding else 3
    picked = rng.sample(chosen, min(REAUDITS, len(chosen)))
    # Three in four improved, whatever the draw: practice changed for most of the cohort.
    improving = set(rng.sample(range(len(picked)), math.ceil(len(picked) * 0.75)))
    done = 0
    for index, original in enumerate(picked):
        author = re_auditor(original)
        assert author is not None  # chosen above
        draft = audit_reaudit_start(actor=author, original=original, programme=programme)
        improve = index in improving
        before = dict(original.grades.values_list("domain__code", "grade"))
        grades = {}
        for grade in draft.grades.select_related("domain"):
            if before.get(grade.domain.code) == "NA":
                grades[grade.domain.code] = ("NA", "")
                continue
            # A domain the earlier tool did not have starts from the earlier overall judgement.
            rank = RANK.get(before.get(grade.domain.code, ""), RANK[original.overall])
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


def demo_actions_follow(rng: random.Random, history: list[dt.date], today: dt.date) -> int:
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
                audit=audit,
                actor=audit.auditor_of_record(),
                description=description,
                owner=owner,
                due_date=due,
            )
            made += 1
            if due < today - dt.timedelta(days=7) and rng.random() < 0.75:
                done = action_status_set(
                    action=action, actor=audit.auditor_of_record(), status="done"
                )
                finished = due - dt.timedelta(days=rng.randint(-6, 10))
                Action.objects.filter(pk=done.pk).update(
                    completed_at=demo_moment(finished, timezone.now())
                )
    return made
