"""Drawing the moderation sample: rules, a proportional seeded remainder, redraws."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.errors import DomainError
from core.models import Audit
from flows.moderation import moderation_complete
from moderation.models import Moderation, SampleDraw
from moderation.sampling import SampleRules, sample_draw, sample_plan
from moderation.services.claims import moderation_claim
from tests.factories import (
    AuditFactory,
    ProgrammeFactory,
    ServiceAreaFactory,
    TeamFactory,
    UserFactory,
    moderation_content,
    sampled_moderation,
)

pytestmark = pytest.mark.django_db

# Returns per service area: uneven, as real months are, and two small areas.
AREA_RETURNS = [
    ("Front door", 16),
    ("Children in need", 12),
    ("Child protection", 10),
    ("Children in care", 7),
    ("Care leavers", 3),
    ("Fostering", 2),
]
HALF = SampleRules(percent=50)


def make_programme(returns=AREA_RETURNS, *, month=dt.date(2026, 10, 1), overall="RI"):
    """A programme with submitted audits in each area; every audit judged `overall`."""
    programme = ProgrammeFactory(month=month)
    for area_name, count in returns:
        area = ServiceAreaFactory(name=area_name)
        team = TeamFactory(service_area=area, name=f"{area_name} team")
        auditor = UserFactory(team=team, roles=["auditor"])
        for _ in range(count):
            submit(programme, auditor, team, overall)
    return programme


def submit(programme, auditor, team, overall="RI", escalated=False):
    return AuditFactory(
        programme=programme,
        month=programme.month,
        auditor=auditor,
        case__team=team,
        status=Audit.Status.SUBMITTED,
        submitted_at=timezone.now(),
        overall=overall,
        escalated=escalated,
    )


def areas_of(audit_ids) -> Counter:
    return Counter(
        Audit.objects.filter(pk__in=audit_ids).values_list(
            "case__team__service_area__name", flat=True
        )
    )


def live_audit_ids(programme) -> set[int]:
    return set(
        Moderation.objects.filter(
            audit__programme=programme, status__in=Moderation.LIVE_STATUSES
        ).values_list("audit_id", flat=True)
    )


def test_half_of_fifty_returns_covers_every_area_and_the_same_seed_draws_the_same(qa_lead):
    programme = make_programme()
    assert sum(n for _, n in AREA_RETURNS) == 50

    plan = sample_plan(programme=programme, rules=HALF, seed=2026)
    again = sample_plan(programme=programme, rules=HALF, seed=2026)

    assert (plan.returned, plan.target, plan.already) == (50, 25, 0)
    assert again.choices == plan.choices
    assert len(plan.choices) == 25
    chosen = [c.audit_id for c in plan.choices]
    assert set(areas_of(chosen)) == {name for name, _ in AREA_RETURNS}
    assert all(c.note for c in plan.choices)
    other_seed = sample_plan(programme=programme, rules=HALF, seed=7)
    assert {c.audit_id for c in other_seed.choices} != set(chosen)

    # Through the service: the draw records what reproduces it, and a redraw with the same
    # seed puts exactly the same audits back in the sample.
    draw = sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=2026)
    assert (draw.seed, draw.target, draw.target_percent, draw.returned) == (2026, 25, 50, 50)
    first = live_audit_ids(programme)
    assert first == set(chosen)
    redraw = sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=2026)
    assert live_audit_ids(programme) == first
    assert redraw.moderations.count() == 25
    removed = Moderation.objects.filter(draw=draw, status=Moderation.Status.REMOVED)
    assert removed.count() == 25
    assert set(removed.values_list("removed_reason", flat=True)) == {"Replaced by a new draw."}


def test_rules_always_take_every_good_judgement_and_every_escalation(qa_lead):
    programme = make_programme([("Front door", 20), ("Children in need", 20)])
    team = TeamFactory(service_area=ServiceAreaFactory(name="Front door"))
    auditor = UserFactory(team=team, roles=["auditor"])
    good = [submit(programme, auditor, team, "G") for _ in range(3)]
    outstanding = submit(programme, auditor, team, "O")
    escalated = [submit(programme, auditor, team, "I", escalated=True) for _ in range(2)]
    unescalated_inadequate = submit(programme, auditor, team, "I")

    for seed in (1, 2, 3):
        plan = sample_plan(programme=programme, rules=SampleRules(target=2), seed=seed)
        by_audit = {c.audit_id: c for c in plan.choices}
        for audit in [*good, outstanding]:
            assert by_audit[audit.pk].selection == Moderation.Selection.RULE_GOOD
        assert "Outstanding" in by_audit[outstanding.pk].note
        for audit in escalated:
            assert by_audit[audit.pk].selection == Moderation.Selection.RULE_ESCALATION
            assert by_audit[audit.pk].note == "The auditor escalated this case."
        rule_picks = [c for c in plan.choices if c.selection.startswith("rule_")]
        assert len(rule_picks) == 6
        assert unescalated_inadequate.pk not in by_audit or (
            by_audit[unescalated_inadequate.pk].selection != Moderation.Selection.RULE_ESCALATION
        )

    rules_off = SampleRules(target=2, include_good_or_better=False, include_escalations=False)
    plan = sample_plan(programme=programme, rules=rules_off, seed=1)
    assert not [c for c in plan.choices if c.selection.startswith("rule_")]
    assert len(plan.choices) == 2


def test_the_random_part_is_split_in_proportion_with_at_least_one_per_area(db):
    programme = make_programme()
    plan = sample_plan(programme=programme, rules=HALF, seed=11)
    per_area = areas_of(c.audit_id for c in plan.choices)
    # 25 of 50 in proportion: 8, 6, 5, 3.5, 1.5, 1 -> largest remainders round up one of
    # the two halves (the first area by id), so 8 + 6 + 5 + 4 + 1 + 1 = 25.
    assert per_area == {
        "Front door": 8,
        "Children in need": 6,
        "Child protection": 5,
        "Children in care": 4,
        "Care leavers": 1,
        "Fostering": 1,
    }
    assert {c.selection for c in plan.choices} == {Moderation.Selection.RANDOM}
    front_door = next(
        c for c in plan.choices if areas_of([c.audit_id]) == Counter({"Front door": 1})
    )
    assert front_door.note == (
        "Front door returned 16 of 50 audits, so 8 of the 25 to moderate are drawn there."
    )

    # A small target still reaches every area: 10% of 50 is 5, and six areas returned.
    small = sample_plan(programme=programme, rules=SampleRules(percent=10), seed=11)
    per_area = areas_of(c.audit_id for c in small.choices)
    assert set(per_area) == {name for name, _ in AREA_RETURNS}
    assert all(n >= 1 for n in per_area.values())
    minimum = [c for c in small.choices if c.selection == Moderation.Selection.MINIMUM]
    assert {next(iter(areas_of([c.audit_id]))) for c in minimum} == {"Care leavers", "Fostering"}
    assert all("every service area with returns has at least one" in c.note for c in minimum)


def moderate_history(auditor, team, moderator, qa_lead, results):
    """Completed moderations of the auditor's earlier audits: (auditor's, moderator's) overall."""
    earlier = ProgrammeFactory(month=dt.date(2026, 7, 1))
    for index, (before, after) in enumerate(results):
        audit = submit(earlier, auditor, team, before)
        claimed = moderation_claim(actor=moderator, moderation=sampled_moderation(audit, qa_lead))
        content = moderation_content(claimed.audit.tool, grade=after, overall=after)
        content.summary = f"Moderation {index}."
        moderation_complete(
            actor=moderator, moderation=claimed, version=claimed.version, content=content
        )


def test_an_auditor_often_downgraded_has_more_audits_drawn_with_the_reason(qa_lead, moderator):
    area = ServiceAreaFactory(name="Child protection")
    team = TeamFactory(service_area=area, name="CP team 1")
    often = UserFactory(username="often.downgraded", team=team, roles=["auditor"])
    seldom = UserFactory(username="seldom.downgraded", team=team, roles=["auditor"])
    # Oldest first: of `often`'s last three, two were downgraded; of `seldom`'s, one.
    moderate_history(often, team, moderator, qa_lead, [("RI", "RI"), ("RI", "I"), ("G", "RI")])
    moderate_history(seldom, team, moderator, qa_lead, [("RI", "I"), ("RI", "RI"), ("RI", "RI")])
    programme = make_programme([("Front door", 10)])
    often_audits = [submit(programme, often, team) for _ in range(4)]
    seldom_audits = [submit(programme, seldom, team) for _ in range(4)]

    plan = sample_plan(programme=programme, rules=SampleRules(target=3), seed=5)

    by_audit = {c.audit_id: c for c in plan.choices}
    for audit in often_audits:
        assert by_audit[audit.pk].selection == Moderation.Selection.WIDENED
        assert by_audit[audit.pk].note == (
            "2 of this auditor's last 3 moderated audits were downgraded, "
            "so more of their audits are moderated."
        )
    assert not any(
        by_audit.get(a.pk) and by_audit[a.pk].selection == Moderation.Selection.WIDENED
        for a in seldom_audits
    )
    stricter = SampleRules(target=3, widen_downgrades=3, widen_window=3)
    plan = sample_plan(programme=programme, rules=stricter, seed=5)
    assert Moderation.Selection.WIDENED not in {c.selection for c in plan.choices}


def test_a_redraw_replaces_unclaimed_picks_and_keeps_claimed_and_hand_picked(qa_lead, moderator):
    programme = make_programme()
    first = sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=1)
    picks = list(first.moderations.order_by("pk"))
    claimed = moderation_claim(actor=moderator, moderation=picks[0])
    unpicked = Audit.objects.filter(programme=programme).exclude(pk__in=[m.audit_id for m in picks])
    by_hand = sampled_moderation(unpicked.first(), qa_lead)

    second = sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=99)

    claimed.refresh_from_db()
    by_hand.refresh_from_db()
    assert claimed.status == Moderation.Status.CLAIMED and claimed.draw == first
    assert by_hand.status == Moderation.Status.SAMPLED
    for moderation in picks[1:]:
        moderation.refresh_from_db()
        assert moderation.status == Moderation.Status.REMOVED
    new_audits = set(second.moderations.values_list("audit_id", flat=True))
    assert claimed.audit_id not in new_audits and by_hand.audit_id not in new_audits
    # The kept ones count towards the new target rather than coming on top of it.
    plan = sample_plan(programme=programme, rules=HALF, seed=99)
    assert plan.already == 2 + len(new_audits)
    assert len(live_audit_ids(programme)) == 2 + len(new_audits) >= 25
    assert set(areas_of(live_audit_ids(programme))) == {name for name, _ in AREA_RETURNS}


def test_a_claimed_audit_can_be_completed_after_a_redraw(qa_lead, moderator):
    programme = make_programme([("Front door", 4)])
    first = sample_draw(actor=qa_lead, programme=programme, rules=SampleRules(target=1), seed=3)
    claimed = moderation_claim(actor=moderator, moderation=first.moderations.get())
    sample_draw(actor=qa_lead, programme=programme, rules=SampleRules(target=2), seed=3)
    content = moderation_content(claimed.audit.tool, grade="RI", overall="RI")
    done = moderation_complete(
        actor=moderator, moderation=claimed, version=claimed.version, content=content
    )
    assert done.status == Moderation.Status.COMPLETED
    assert len(live_audit_ids(programme)) == 2


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        (SampleRules(), "target"),
        (SampleRules(target=5, percent=50), "target"),
        (SampleRules(target=0), "target"),
        (SampleRules(percent=0), "percent"),
        (SampleRules(percent=101), "percent"),
        (SampleRules(percent=50, widen_downgrades=4, widen_window=3), "widen_downgrades"),
        (SampleRules(percent=50, widen_downgrades=0), "widen_downgrades"),
        (SampleRules(percent=50, widen_window=0), "widen_downgrades"),
    ],
)
def test_bad_rules_are_field_errors_and_draw_nothing(qa_lead, rules, field):
    programme = make_programme([("Front door", 3)])
    with pytest.raises(DomainError) as error:
        sample_draw(actor=qa_lead, programme=programme, rules=rules, seed=1)
    assert list(error.value.field_errors) == [field]
    assert not SampleDraw.objects.exists() and not Moderation.objects.exists()


@pytest.mark.parametrize("roles", [["moderator"], ["auditor"], ["viewer"], []])
def test_only_a_qa_lead_draws_the_sample(roles):
    programme = make_programme([("Front door", 3)])
    user = UserFactory(roles=roles)
    with pytest.raises(PermissionDenied):
        sample_draw(actor=user, programme=programme, rules=HALF, seed=1)
    assert not SampleDraw.objects.exists() and not Moderation.objects.exists()


def test_an_inactive_qa_lead_cannot_draw(qa_lead):
    programme = make_programme([("Front door", 3)])
    qa_lead.is_active = False
    qa_lead.save()
    with pytest.raises(PermissionDenied):
        sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=1)


def test_a_programme_with_no_returns_draws_an_empty_sample(qa_lead):
    programme = ProgrammeFactory(month=dt.date(2026, 9, 1))
    draw = sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=1)
    assert (draw.returned, draw.target, draw.moderations.count()) == (0, 0, 0)


# ---- issue 12 snag 21: the sample does not go stale after the draw


def test_a_submission_after_the_draw_meets_the_draws_rules_as_it_arrives(qa_lead):
    from tests.factories import submitted_audit

    programme = make_programme([("Front door", 4)])
    draw = sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=5)
    team = Audit.objects.filter(programme=programme).first().case.team
    auditor = UserFactory(team=team, roles=["auditor"])

    good = submitted_audit(
        auditor=auditor, programme=programme, month=programme.month, case__team=team
    )
    moderation = Moderation.objects.get(audit=good, status=Moderation.Status.SAMPLED)
    assert moderation.selection == Moderation.Selection.RULE_GOOD
    assert moderation.draw_id == draw.pk
    assert "Sampled as it arrived" in moderation.selection_note

    ri = submitted_audit(
        auditor=auditor,
        programme=programme,
        month=programme.month,
        case__team=team,
        grade="RI",
        overall="RI",
    )
    assert not Moderation.objects.filter(audit=ri).exists()


def test_what_waits_for_the_next_draw_is_counted_on_the_sample_page(client, qa_lead):
    from tests.factories import submitted_audit

    programme = make_programme([("Front door", 4)])
    sample_draw(actor=qa_lead, programme=programme, rules=HALF, seed=5)
    team = Audit.objects.filter(programme=programme).first().case.team
    auditor = UserFactory(team=team, roles=["auditor"])
    for _ in range(2):  # RI: no rule takes them, so they wait for the random share
        submitted_audit(
            auditor=auditor,
            programme=programme,
            month=programme.month,
            case__team=team,
            grade="RI",
            overall="RI",
        )
    client.force_login(qa_lead)
    text = client.get(f"/moderation/programmes/{programme.pk}/sample/").content.decode()
    assert "2 audits returned since this draw are not in the sample." in text


def test_before_any_draw_nothing_is_sampled_on_arrival(qa_lead):
    from tests.factories import submitted_audit

    programme = ProgrammeFactory(month=dt.date(2026, 10, 1))
    audit = submitted_audit(programme=programme, month=programme.month)
    assert not Moderation.objects.filter(audit=audit).exists()
