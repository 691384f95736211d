"""What waits for a person: the inbox page, the count in the header and the daily digest.

Each kind of work is defined once (`_waiting`), as a queryset over what the person may read;
the page lists each kind (one query per kind), the header counts them all in ONE query, kept
for HEADER_COUNT_SECONDS (`header_count`), and the digest e-mails case references and due
dates only. What waits on the whole team (the moderation queue, audits nobody holds,
escalation responses overdue) is shown to QA leads on the page, apart: it is not theirs to
do, so the header does not count it.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import IntegerField, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from audits.filters import action_overdue
from core.models import Action, Audit, User
from core.permissions import signed_in_and_active
from moderation import notifications
from moderation.models import Escalation, Moderation
from moderation.permissions import escalations_visible_to, moderations_visible_to


class SubqueryCount(Subquery):
    """COUNT(*) of a queryset, as a column of another query (one round trip for many counts)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


@dataclass(frozen=True)
class Item:
    """One piece of work: the case it is about, when it is due, and where it is done."""

    reference: str
    what: str
    url: str
    due: dt.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Kind:
    key: str
    heading: str
    # Who may have this kind of work (a cheap check on the user's roles, no query).
    applies: Callable[[User], bool]
    rows: Callable[[User], QuerySet]
    item: Callable[..., Item]
    empty: str = ""


def _editable(user: User) -> QuerySet[Audit]:
    return Audit.objects.filter(auditor=user, status__in=Audit.EDITABLE_STATUSES)


def _audits(user: User) -> QuerySet[Audit]:
    return _editable(user).filter(revision_of__isnull=True)


def _rework(user: User) -> QuerySet[Audit]:
    return _editable(user).filter(revision_of__isnull=False)


def _feedback(user: User) -> QuerySet[Moderation]:
    # Only the audit's auditor acknowledges (moderation.permissions.acknowledge_allowed).
    return moderations_visible_to(user).filter(
        audit__auditor=user, status=Moderation.Status.COMPLETED, acknowledged_at__isnull=True
    )


def _responses(user: User) -> QuerySet[Escalation]:
    # A head of service answers for their own areas (moderation.permissions.respond_allowed).
    return escalations_visible_to(user).filter(
        status=Escalation.Status.OPEN,
        audit__case__team__service_area__in=user.service_areas.all(),
    )


def _actions(user: User) -> QuerySet[Action]:
    # The audit's auditor follows its actions until done (core.permissions.action_write_allowed).
    return Action.objects.filter(action_overdue(), audit__auditor=user)


def _moderations(user: User) -> QuerySet[Moderation]:
    return Moderation.objects.filter(moderator=user, status=Moderation.Status.CLAIMED)


def _queue(user: User) -> QuerySet[Moderation]:
    return moderations_visible_to(user).filter(status=Moderation.Status.SAMPLED)


def _overdue_responses(user: User) -> QuerySet[Escalation]:
    return escalations_visible_to(user).filter(
        status=Escalation.Status.OPEN, due_date__lt=timezone.localdate()
    )


def _unassigned(user: User) -> QuerySet[Audit]:
    return Audit.objects.filter(auditor__isnull=True, status__in=Audit.EDITABLE_STATUSES)


def _today() -> dt.date:
    return timezone.localdate()


def _audit_item(audit: Audit) -> Item:
    started = audit.status == Audit.Status.IN_PROGRESS
    return Item(
        reference=audit.case.reference,
        what=f"{'Finish your draft' if started else 'Complete the audit'} ({audit.month:%B %Y})",
        url=reverse("audit_edit", args=[audit.pk]),
        due=audit.due_date,
        overdue=audit.is_overdue(_today()),
    )


def _rework_item(audit: Audit) -> Item:
    return Item(
        reference=audit.case.reference,
        what=f"Rework the audit, revision {audit.revision} ({audit.month:%B %Y})",
        url=reverse("audit_edit", args=[audit.pk]),
        due=audit.due_date,
        overdue=audit.is_overdue(_today()),
    )


def _feedback_item(moderation: Moderation) -> Item:
    return Item(
        reference=moderation.audit.case.reference,
        what=f"Read and acknowledge the moderation ({moderation.audit.month:%B %Y} audit)",
        url=moderation.get_absolute_url(),
    )


def _response_item(escalation: Escalation) -> Item:
    return Item(
        reference=escalation.audit.case.reference,
        what="Give the management response to the escalation",
        url=escalation.get_absolute_url(),
        due=escalation.due_date,
        overdue=escalation.is_overdue(_today()),
    )


def _action_item(action: Action) -> Item:
    return Item(
        reference=action.audit.case.reference,
        what="Follow up the overdue action, or mark it done",
        url=action.audit.get_absolute_url(),
        due=action.due_date,
        overdue=True,
    )


def _moderation_item(moderation: Moderation) -> Item:
    return Item(
        reference=moderation.audit.case.reference,
        what=f"Finish the moderation you claimed ({moderation.audit.month:%B %Y} audit)",
        url=moderation.get_absolute_url(),
    )


def _queue_item(moderation: Moderation) -> Item:
    return Item(
        reference=moderation.audit.case.reference,
        what=f"Waiting for a moderator ({moderation.audit.month:%B %Y} audit)",
        url=reverse("moderation:queue"),
    )


def _unassigned_item(audit: Audit) -> Item:
    return Item(
        reference=audit.case.reference,
        what=f"Nobody holds the {audit.month:%B %Y} audit: give it to an auditor",
        url=f"{reverse('reassign')}?audit={audit.pk}",
        due=audit.due_date,
        overdue=audit.is_overdue(_today()),
    )


def _everyone(user: User) -> bool:
    return True


def _viewer(user: User) -> bool:
    return user.is_viewer


def _moderator(user: User) -> bool:
    return user.is_moderator


def _qa_lead(user: User) -> bool:
    return user.is_qa_lead


# What waits for the person themself: listed on the page, counted in the header, e-mailed.
# Audits and actions are the auditor's whatever roles they hold (nobody else has any).
OWN: tuple[Kind, ...] = (
    Kind("rework", "Returned to you for rework", _everyone, _rework, _rework_item),
    Kind("audits", "Audits to complete", _everyone, _audits, _audit_item),
    Kind("feedback", "Feedback to acknowledge", _everyone, _feedback, _feedback_item),
    Kind("responses", "Escalations waiting for your response", _viewer, _responses, _response_item),
    Kind("actions", "Actions overdue on your audits", _everyone, _actions, _action_item),
    Kind("moderations", "Moderations you have claimed", _moderator, _moderations, _moderation_item),
)
# What waits on the QA team: on a QA lead's page only, not in their count.
TEAM: tuple[Kind, ...] = (
    Kind("queue", "Audits waiting for a moderator", _qa_lead, _queue, _queue_item),
    Kind("unassigned", "Audits nobody holds", _qa_lead, _unassigned, _unassigned_item),
    Kind(
        "overdue_responses",
        "Escalation responses overdue",
        _qa_lead,
        _overdue_responses,
        _response_item,
    ),
)

_RELATED = {
    "rework": ("case",),
    "audits": ("case",),
    "feedback": ("audit__case",),
    "responses": ("audit__case",),
    "actions": ("audit__case",),
    "moderations": ("audit__case",),
    "queue": ("audit__case",),
    "unassigned": ("case",),
    "overdue_responses": ("audit__case",),
}
_ORDER = {
    "rework": ("due_date", "pk"),
    "audits": ("due_date", "pk"),
    "feedback": ("completed_at", "pk"),
    "responses": ("due_date", "pk"),
    "actions": ("due_date", "pk"),
    "moderations": ("claimed_at", "pk"),
    "queue": ("audit__month", "created_at", "pk"),
    "unassigned": ("due_date", "pk"),
    "overdue_responses": ("due_date", "pk"),
}


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    items: list[Item]


def _kinds_for(user: User, kinds: tuple[Kind, ...]) -> list[Kind]:
    if not signed_in_and_active(user):
        return []
    return [kind for kind in kinds if kind.applies(user)]


def inbox_for_user(*, user: User) -> tuple[list[Section], list[Section]]:
    """The person's own work, and (QA leads) the team's, by kind: one query per kind."""

    def sections(kinds: tuple[Kind, ...]) -> list[Section]:
        found = []
        for kind in _kinds_for(user, kinds):
            rows = kind.rows(user).select_related(*_RELATED[kind.key]).order_by(*_ORDER[kind.key])
            found.append(Section(kind.key, kind.heading, [kind.item(row) for row in rows]))
        return found

    return sections(OWN), sections(TEAM)


def inbox_count(*, user: User) -> int:
    """How many things wait for the person themself (the header's count): ONE query."""
    kinds = _kinds_for(user, OWN)
    if not kinds:
        return 0
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            **{
                f"n_{kind.key}": SubqueryCount(kind.rows(user).order_by().values("pk"))
                for kind in kinds
            }
        )
        .values_list(*[f"n_{kind.key}" for kind in kinds])
        .first()
    )
    return sum(counts or ())


# The header's count is on every page a person opens: counting it afresh each time was a fifth
# of a page's work. It is kept this long in the shared cache, per person. What the person does
# themself shows at once (any change they send forgets it: config.middleware), what others do
# (a moderator returning an audit for rework) within this time; the inbox page always counts
# afresh, and the header on it shows its own count.
HEADER_COUNT_SECONDS = 30


def _header_key(user: User) -> str:
    return f"inbox-count:{user.pk}"


def header_count(*, user: User) -> int:
    """The header's count: kept for HEADER_COUNT_SECONDS, else counted (one query)."""
    count = cache.get(_header_key(user))
    if count is None:
        count = inbox_count(user=user)
        header_count_keep(user=user, count=count)
    return count


def header_count_keep(*, user: User, count: int) -> None:
    cache.set(_header_key(user), count, HEADER_COUNT_SECONDS)


def header_count_forget(*, user: User) -> None:
    """After the person changed something: their next page counts afresh."""
    cache.delete(_header_key(user))


# ---------------------------------------------------------------- the daily digest


def _digest_body(sections: list[Section]) -> str:
    """Case references and due dates only: what the work is stays behind sign-in."""
    lines = ["These wait for you in the case file audit service:", ""]
    for section in sections:
        if not section.items:
            continue
        lines.append(f"{section.heading}:")
        for item in section.items:
            due = f", due {item.due:%-d %B %Y}" if item.due else ""
            late = " (overdue)" if item.overdue else ""
            lines.append(f"- case {item.reference}{due}{late}")
        lines.append("")
    lines.append(f"Open your inbox: {notifications.link(reverse('inbox'))}")
    return "\n".join(lines) + "\n"


def inbox_digest_send(*, user: User, today: dt.date | None = None) -> int:
    """E-mail one person their inbox once a day if they have an address and something waits;
    1 if an e-mail went now. Safe to run twice (the outbox keys it by person and day)."""
    today = today or timezone.localdate()
    if not user.email or not signed_in_and_active(user):
        return 0
    key = ("inbox_digest", user.pk, today)
    if notifications.queued(*key):
        return 0
    own, _ = inbox_for_user(user=user)
    waiting = sum(len(s.items) for s in own)
    if not waiting:
        return 0
    return notifications.notify(
        *key,
        subject=f"{waiting} thing{'s' if waiting != 1 else ''} waiting for you today",
        body=_digest_body(own),
        recipients=[user.email],
    )


def inbox_digests_send(*, today: dt.date | None = None) -> int:
    """Celery beat, daily: each active person with an e-mail address and something waiting."""
    people = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    sent = 0
    for person in people:
        if inbox_count(user=person):
            sent += inbox_digest_send(user=person, today=today)
    return sent
