"""The demo authority's moderation, done through the same services moderators use.

About half of each month's returns are drawn (seeded, so a --seed gives the same sample),
claimed and completed by the demo's QA officers, who mostly agree with the auditors and, when
they do not, more often grade down than up. Escalations are answered by the service area's
head of service, feedback is acknowledged, and this month's sample is left waiting so that
demo.moderator has a queue.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from core.grades import RANK
from core.models import Audit, Programme, Role, ServiceArea, User
from flows.moderation import moderation_complete
from moderation.models import Escalation, Moderation, SampleDraw
from moderation.sampling import SampleRules, sample_draw
from moderation.services.claims import moderation_claim
from moderation.services.escalations import escalation_respond
from moderation.services.moderating import (
    ModerationContent,
    moderation_acknowledge,
    moderation_save_draft,
)
from moderation.services.sample import moderation_add

RANK_GRADE = {rank: grade for grade, rank in RANK.items()}
SAMPLE_PERCENT = 45  # with the rules (every Good, every escalation) about half is moderated
# How a moderator's domain grade sits against the auditor's: agree, one down, one up, two down.
DOMAIN_SHIFTS = [(0, 0.70), (-1, 0.22), (1, 0.06), (-2, 0.02)]
OVERALL_SHIFTS = [(0, 0.76), (-1, 0.18), (1, 0.06)]
OUTSTANDING_RANK = RANK["O"]
OUTSTANDING_RAISE_KEPT = 0.25
RECENT_MONTHS = 2  # feedback and escalations still open in the last months of history
RATIONALES = {
    -1: [
        "The evidence does not support this grade: the record shows drift since the last review.",
        "Actions are listed without owners or timescales, so impact cannot be seen.",
        "The child's lived experience is described but not analysed.",
        "Management oversight is recorded but does not direct the next steps.",
    ],
    -2: [
        "There is no evidence on file for this domain since the case was opened.",
        "Risks identified at the strategy discussion were not followed up.",
    ],
    1: [
        "The case notes show more purposeful work than the audit credits.",
        "Partner agencies' contributions are recorded and used in the plan.",
    ],
}
SUMMARIES = {
    "agreed": [
        "A thorough audit. I agree with your grades; the evidence you cite is on file.",
        "I agree with your judgements. Your evidence is clear and specific.",
    ],
    "down": [
        "Your audit is detailed, but the evidence supports a lower grade in places. Please "
        "look at the analysis of risk with the social worker.",
        "I have graded some domains lower: the plan lacks timescales and the child's views "
        "are not used to shape it. Happy to talk this through.",
    ],
    "up": [
        "You were harder on the practice than the record suggests: the visits are purposeful "
        "and the plan is being followed.",
    ],
}
OVERALL_REASONS = {
    "down": [
        "The domain grades, read together, show risk that is not yet managed.",
        "Drift in the plan outweighs the strengths the audit records.",
    ],
    "up": [
        "The record shows purposeful visits and a plan that is being followed.",
        "The child's progress since the last review is evident across the domains.",
    ],
}
RESPONSES = [
    "Reviewed with the team manager. A strategy discussion has been held and the plan updated.",
    "The case has been allocated to an experienced social worker; weekly oversight is in place.",
    "A legal planning meeting is booked. I will review progress with the service manager.",
]
ESCALATION_REASONS = [
    "The child has not been seen alone for over eight weeks and risks are not reassessed.",
    "Repeated referrals for neglect with no change in the plan: a management response is needed.",
]


@dataclass
class DemoModerationResult:
    completed: int = 0
    escalations: int = 0
    waiting: int = 0


def demo_staff_activate(*, moderators: list[str], qa_lead: User) -> list[User]:
    """The authority's people are staff: imported accounts are made active, QA officers added.

    Nobody but the demo logins has a password, so these accounts cannot be signed in to.
    """
    User.objects.filter(is_active=False, groups__name=Role.AUDITOR).update(is_active=True)
    group = Group.objects.get(name=Role.MODERATOR)
    people = []
    for username in moderators:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(username=username, password=make_password(None))
        user.is_active = True
        user.save(update_fields=["is_active"])
        user.groups.add(group)
        people.append(user)
    return people


def demo_heads_of_service(*, covered: set[str]) -> dict[int, User]:
    """A head of service for every area not already covered by the demo viewer."""
    group = Group.objects.get(name=Role.VIEWER)
    heads = {}
    for area in ServiceArea.objects.order_by("name"):
        if area.name in covered:
            continue
        slug = "".join(c for c in area.name.lower().split(" (")[0] if c.isalnum() or c == " ")
        user = User.objects.create(
            username=f"head.{slug.replace(' ', '.')}", password=make_password(None)
        )
        user.groups.add(group)
        user.service_areas.add(area)
        heads[area.pk] = user
    return heads


def shifted(rng: random.Random, rank: int, shifts, top: int) -> int:
    """The rank moved by a step drawn from `shifts` ((step, chance), ...), kept on the scale.
    A moderator rarely raises a grade to Outstanding: such a step is kept only
    OUTSTANDING_RAISE_KEPT of the time (issue 12 snag 26)."""
    roll, total = rng.random(), 0.0
    for step, chance in shifts:
        total += chance
        if roll < total:
            moved = max(1, min(top, rank + step))
            if moved == OUTSTANDING_RANK > rank and rng.random() >= OUTSTANDING_RAISE_KEPT:
                return rank
            return moved
    return rank


def _content(rng, audit: Audit, force_escalation: bool) -> ModerationContent:
    top = 4 if audit.tool.offers_outstanding else 3
    grades, moves = {}, []
    for row in audit.grades.all():
        if row.grade not in RANK:
            grades[row.domain.code] = (row.grade, "", "")
            continue
        before = RANK[row.grade]
        after = shifted(rng, before, DOMAIN_SHIFTS, top)
        rationale = ""
        if after != before:
            rationale = rng.choice(RATIONALES[max(-2, min(1, after - before))])
            moves.append(after - before)
        grades[row.domain.code] = (RANK_GRADE[after], rationale, "")
    overall = shifted(rng, RANK[audit.overall], OVERALL_SHIFTS, top)
    if force_escalation:
        overall = 1
    escalated = overall == 1 and (force_escalation or audit.escalated or rng.random() < 0.15)
    # The summary follows the overall judgement first, then the domains: an upgrade never
    # reads "I have graded some domains lower" (issue 12 snag 26).
    change = overall - RANK[audit.overall] or sum(moves) or min(moves, default=0)
    mood = "down" if change < 0 else "up" if change > 0 else "agreed"
    reason = ""
    if overall != RANK[audit.overall]:
        reason = rng.choice(OVERALL_REASONS["down" if overall < RANK[audit.overall] else "up"])
    return ModerationContent(
        overall=RANK_GRADE[overall],
        overall_revision_reason=reason,
        escalated=escalated,
        escalation_reason=rng.choice(ESCALATION_REASONS) if escalated else "",
        summary=rng.choice(SUMMARIES[mood]),
        grades=grades,
    )


def demo_moment(day: dt.date, now: dt.datetime) -> dt.datetime:
    """10 a.m. on the day, or now if that is still to come."""
    return min(now, timezone.make_aware(dt.datetime.combine(day, dt.time(10))))


def _moderate(rng, moderation, moderators, force_escalation: bool) -> Moderation:
    audit = moderation.audit
    moderator = rng.choice([m for m in moderators if m.pk != audit.auditor_id])
    claimed = moderation_claim(actor=moderator, moderation=moderation)
    return moderation_complete(
        actor=moderator,
        moderation=claimed,
        version=claimed.version,
        content=_content(rng, audit, force_escalation),
    )


def _backdate(rng, done: Moderation, now: dt.datetime) -> Moderation:
    """Services stamp the present; the demo's history happened months ago, so move it back.

    Only the demo does this, on rows it has just written, and only the dates.
    """
    submitted = timezone.localdate(done.audit.submitted_at)
    completed = demo_moment(submitted + dt.timedelta(days=rng.randint(3, 20)), now)
    Moderation.objects.filter(pk=done.pk).update(
        created_at=min(now, completed - dt.timedelta(days=2)),
        claimed_at=min(now, completed - dt.timedelta(days=1)),
        completed_at=completed,
    )
    Escalation.objects.filter(audit=done.audit).update(
        created_at=completed,
        due_date=timezone.localdate(completed) + dt.timedelta(days=10),
    )
    done.completed_at = completed
    return done


def _history_programmes(months: list[dt.date]):
    return Programme.objects.filter(month__in=months).order_by("month", "tool__code", "pk")


def demo_moderate_history(
    *,
    rng: random.Random,
    seed: int,
    months: list[dt.date],
    qa_lead: User,
    moderators: list[User],
    heads: dict[int, User],
    viewer: User,
) -> DemoModerationResult:
    """Draw, moderate and follow up about half of every past month's returns."""
    result = DemoModerationResult()
    now = timezone.now()
    # Feedback imported from before the service was read long ago: the demo auditor's list
    # shows only this service's recent moderations as waiting to be acknowledged.
    for imported in Moderation.objects.filter(
        source=Moderation.Source.IMPORT, audit__auditor__username="demo.auditor"
    ).order_by("pk"):
        moderation_acknowledge(actor=imported.audit.auditor_of_record(), moderation=imported)
        assert imported.completed_at is not None  # imported history is completed
        Moderation.objects.filter(pk=imported.pk).update(
            acknowledged_at=min(now, imported.completed_at + dt.timedelta(days=4))
        )
    recent = set(months[-RECENT_MONTHS:])
    viewer_areas = set(viewer.service_areas.values_list("pk", flat=True))
    needs_open_escalation = True
    needs_demo_feedback = True
    for programme in reversed(list(_history_programmes(months))):
        # The newest month first, so the viewer's open escalation is placed there.
        draw = sample_draw(
            actor=qa_lead,
            programme=programme,
            rules=SampleRules(percent=SAMPLE_PERCENT),
            seed=seed * 100 + programme.month.month + programme.month.year % 100,
        )
        if programme.month in recent and needs_demo_feedback:
            needs_demo_feedback = not _add_demo_auditors_audit(programme, draw, qa_lead)
        sampled = (
            Moderation.objects.filter(audit__programme=programme, status=Moderation.Status.SAMPLED)
            .select_related("audit__tool", "audit__case__team", "audit__auditor")
            .prefetch_related("audit__grades__domain")
        )
        for moderation in sampled:
            area_id = moderation.audit.case.team.service_area_id
            force = (
                needs_open_escalation
                and programme.month in recent
                and area_id in viewer_areas
                and moderation.audit.overall in ("RI", "I")
            )
            done = _backdate(rng, _moderate(rng, moderation, moderators, force), now)
            result.completed += 1
            if force:
                needs_open_escalation = False
            _follow_up(rng, done, programme.month in recent, force, heads, viewer, now)
            result.escalations += int(done.escalated)
        SampleDraw.objects.filter(pk=draw.pk).update(
            drawn_at=demo_moment(programme.month + dt.timedelta(days=35), now)
        )
    return result


def _add_demo_auditors_audit(programme: Programme, draw: SampleDraw, qa_lead: User) -> bool:
    """Make sure the demo auditor has recent feedback to read, added by hand if not drawn."""
    if draw.moderations.filter(audit__auditor__username="demo.auditor").exists():
        return True
    audit = programme.audits.filter(
        auditor__username="demo.auditor", status=Audit.Status.SUBMITTED
    ).first()
    if audit is None:
        return False
    moderation_add(
        actor=qa_lead, audit=audit, reason="The team manager asked for feedback on this audit."
    )
    return True


def _follow_up(rng, done: Moderation, recent: bool, keep_open: bool, heads, viewer, now):
    """Escalations answered and feedback acknowledged, as older months would be by now."""
    auditor = done.audit.auditor_of_record()
    completed = timezone.localdate(done.completed_at)
    escalation = Escalation.objects.filter(audit=done.audit, status="open").first()
    if escalation is not None and not keep_open and (not recent or rng.random() < 0.4):
        area_id = done.audit.case.team.service_area_id
        head = heads.get(area_id, viewer)
        closed = escalation_respond(
            actor=head, escalation=escalation, response=rng.choice(RESPONSES)
        )
        Escalation.objects.filter(pk=closed.pk).update(
            responded_at=demo_moment(completed + dt.timedelta(days=rng.randint(2, 9)), now)
        )
    demo_auditor_waits = recent and auditor.username == "demo.auditor"
    if not demo_auditor_waits and rng.random() < (0.6 if recent else 0.92):
        moderation_acknowledge(actor=auditor, moderation=done)
        Moderation.objects.filter(pk=done.pk).update(
            acknowledged_at=demo_moment(completed + dt.timedelta(days=rng.randint(1, 6)), now)
        )


def demo_moderation_queue(
    *, seed: int, programme: Programme, qa_lead: User, moderator: User
) -> int:
    """This month's sample: waiting in the queue, one of them under way by demo.moderator."""
    draw = sample_draw(
        actor=qa_lead, programme=programme, rules=SampleRules(percent=50), seed=seed * 100
    )
    waiting = list(draw.moderations.select_related("audit__tool").order_by("pk"))
    started = moderation_claim(actor=moderator, moderation=waiting[0])
    first = started.audit.grades.select_related("domain").order_by("domain__position").first()
    assert first is not None  # the audit was submitted with its grades
    moderation_save_draft(
        actor=moderator,
        moderation=started,
        version=started.version,
        content=ModerationContent(
            grades={first.domain.code: (first.grade, "", "")},
            summary="Started: the chronology is up to date; checking the plan next.",
        ),
    )
    return len(waiting) - 1
