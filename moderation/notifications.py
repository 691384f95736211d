"""E-mails about audits, moderation and escalations, sent through Django's mail settings.

E-mails name a case by its reference and link to the service; they never carry a child's
details, grades or evidence, which stay behind sign-in.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from core.models import Action, Audit, Role, User
from moderation.models import Escalation, Moderation, OutboxEmail

logger = logging.getLogger(__name__)


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# After this many failed sends (8 hours of the 10-minute beat, or a message the server will
# never take) the outbox stops trying; the row stays, with its error class, for a person.
MAX_ATTEMPTS = 48
# How long one sender holds a row: far longer than an SMTP conversation takes.
SEND_LEASE = dt.timedelta(minutes=5)


def _queue(
    kind: str, object_id: int, period: dt.date, *, subject: str, body: str, recipients: list[str]
) -> OutboxEmail | None:
    """Put this e-mail in the outbox; None if it already is (a task ran twice)."""
    recipients = sorted({r for r in recipients if r})
    # A reference stored before references were checked may hold a line break: a header
    # cannot, so the subject is one line (the mail library would refuse it on every retry).
    subject = " ".join(subject.split())[:300]
    try:
        with transaction.atomic():
            return OutboxEmail.objects.create(
                kind=kind,
                object_id=object_id,
                period=period,
                subject=subject,
                body=body,
                recipients=recipients,
                # Nobody to tell: nothing to send, and nothing to retry.
                sent_at=None if recipients else timezone.now(),
            )
    except IntegrityError:
        return None


def _deliver(row: OutboxEmail | None) -> int:
    """Send one outbox e-mail and mark it sent; 1 if it went now, else 0.

    The row is marked sent only after the mail server took the message, so a crash in between
    sends it again later (at least once), and a held row is never sent by two workers at once.
    A failed send is recorded (its error class and the attempt) and left for send_outbox.
    """
    if row is None or row.sent_at is not None:
        return 0
    now = timezone.now()
    claimed = (
        OutboxEmail.objects.filter(pk=row.pk, sent_at__isnull=True)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + SEND_LEASE)
    )
    if claimed != 1:
        return 0
    try:
        send_mail(row.subject, row.body, None, row.recipients)
    except Exception as error:  # noqa: BLE001 - any failure leaves the e-mail to retry
        OutboxEmail.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, last_error=type(error).__name__[:100], locked_until=None
        )
        # The class only: the message of an SMTP error can echo addresses back.
        logger.warning("E-mail %s (%s) not sent: %s", row.pk, row.kind, type(error).__name__)
        return 0
    OutboxEmail.objects.filter(pk=row.pk).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="", locked_until=None
    )
    return 1


def _queued(kind: str, object_id: int, period: dt.date) -> bool:
    """Whether this e-mail is already in the outbox (sent, or waiting for send_outbox)."""
    return OutboxEmail.objects.filter(kind=kind, object_id=object_id, period=period).exists()


def _notify(
    kind: str, object_id: int, period: dt.date, *, subject: str, body: str, recipients: list[str]
) -> int:
    """Queue the e-mail once and try to send it now."""
    row = _queue(kind, object_id, period, subject=subject, body=body, recipients=recipients)
    return _deliver(row)


def outbox_send() -> int:
    """Celery beat: send again every e-mail whose send failed (the mail server was down)."""
    unsent = OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
    return sum(_deliver(row) for row in unsent.order_by("pk"))


def _heads_of_service(audit: Audit) -> list[str]:
    area_id = audit.case.team.service_area_id
    heads = User.objects.filter(
        is_active=True, groups__name=Role.VIEWER, service_areas__id=area_id
    ).distinct()
    return list(heads.values_list("email", flat=True))


def moderation_completed_send(*, moderation_id: int) -> int:
    """Tell the auditor (and their line manager) that their audit has been moderated."""
    moderation = Moderation.objects.select_related(
        "audit__case", "audit__auditor__line_manager"
    ).get(pk=moderation_id)
    assert moderation.completed_at is not None  # sent once the moderation is completed
    key = ("moderation_completed", moderation.pk, moderation.completed_at.date())
    if _queued(*key):
        return 0
    auditor = moderation.audit.auditor_of_record()
    manager = auditor.line_manager
    return _notify(
        *key,
        subject=f"Moderation complete: case {moderation.audit.case.reference}",
        body="The moderation of your audit of case "
        f"{moderation.audit.case.reference} is complete.\n\n"
        "Read the moderated grades and the moderator's summary, then acknowledge them:\n"
        f"{_link(reverse('moderation:feedback'))}\n",
        recipients=[auditor.email, manager.email if manager and manager.is_active else ""],
    )


def returned_for_rework_send(*, moderation_id: int, revision_id: int) -> int:
    """Tell the auditor their audit came back for rework."""
    moderation = Moderation.objects.select_related("audit__case", "audit__auditor").get(
        pk=moderation_id
    )
    revision = Audit.objects.get(pk=revision_id)
    key = ("returned_for_rework", revision.pk, revision.created_at.date())
    if _queued(*key):
        return 0
    return _notify(
        *key,
        subject=f"Audit returned for rework: case {moderation.audit.case.reference}",
        body=f"A moderator has returned your audit of case {moderation.audit.case.reference} "
        "for rework. Their comment and your audit are here:\n"
        f"{_link(reverse('audit_edit', args=[revision_id]))}\n",
        recipients=[moderation.audit.auditor_of_record().email],
    )


def escalation_raised_send(*, escalation_id: int) -> int:
    """Ask the service area's heads of service for a management response."""
    escalation = Escalation.objects.select_related("audit__case__team").get(pk=escalation_id)
    key = ("escalation_raised", escalation.pk, escalation.created_at.date())
    if _queued(*key):
        return 0
    return _notify(
        *key,
        subject="Escalation: management response needed for case "
        f"{escalation.audit.case.reference}",
        # The e-mail never says how the case was graded: grades stay behind sign-in.
        body=f"Case {escalation.audit.case.reference} has been escalated to you. "
        f"Please record a management response by {escalation.due_date:%-d %B %Y}:\n"
        f"{_link(escalation.get_absolute_url())}\n",
        recipients=_heads_of_service(escalation.audit),
    )


# How far back send_unsent looks for events whose e-mail task never reached the queue.
UNSENT_WINDOW = dt.timedelta(days=7)


def unsent_send(*, now: dt.datetime | None = None) -> int:
    """Send the event e-mails whose task was lost (the broker was down when the change was
    committed): every recent event with no outbox e-mail yet. Safe to run any time."""
    since = (now or timezone.now()) - UNSENT_WINDOW

    def sent(kind: str):
        return OutboxEmail.objects.filter(kind=kind).values("object_id")

    count = 0
    completed = Moderation.objects.filter(
        status=Moderation.Status.COMPLETED,
        source=Moderation.Source.PRODUCT,
        completed_at__gte=since,
    ).exclude(pk__in=sent("moderation_completed"))
    for moderation_id in completed.values_list("pk", flat=True):
        count += moderation_completed_send(moderation_id=moderation_id)
    raised = Escalation.objects.filter(
        status=Escalation.Status.OPEN, created_at__gte=since
    ).exclude(pk__in=sent("escalation_raised"))
    for escalation_id in raised.values_list("pk", flat=True):
        count += escalation_raised_send(escalation_id=escalation_id)
    revisions = Audit.objects.filter(
        revision_of__isnull=False, status__in=Audit.EDITABLE_STATUSES, created_at__gte=since
    ).exclude(pk__in=sent("returned_for_rework"))
    for revision in revisions.only("pk", "revision_of_id"):
        assert revision.revision_of_id is not None  # revision_of__isnull=False above
        returned = (
            Moderation.objects.filter(
                audit_id=revision.revision_of_id, status=Moderation.Status.RETURNED
            )
            .order_by("-pk")
            .first()
        )
        if returned is not None:
            count += returned_for_rework_send(moderation_id=returned.pk, revision_id=revision.pk)
    return count


def audits_due_soon_send(*, today: dt.date | None = None) -> int:
    """Remind each auditor once about audits due in the next few days; safe to run twice."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.AUDIT_DUE_SOON_DAYS)
    # An unassigned audit has nobody to remind: the QA lead finds it on the programme's page.
    due = Audit.objects.filter(
        status__in=Audit.EDITABLE_STATUSES,
        due_date__gte=today,
        due_date__lte=horizon,
        auditor__isnull=False,
    ).select_related("case", "auditor")
    sent = 0
    for audit in due:
        # Once per audit and due date: a second run (or a second worker) finds the record.
        assert audit.due_date is not None  # due_date__gte above
        key = ("audit_due_soon", audit.pk, audit.due_date)
        if not _queued(*key):
            sent += _notify(
                *key,
                subject=f"Audit due {audit.due_date:%-d %B}: case {audit.case.reference}",
                body=f"Your audit of case {audit.case.reference} is due on "
                f"{audit.due_date:%-d %B %Y}:\n{_link(reverse('audit_edit', args=[audit.pk]))}\n",
                recipients=[audit.auditor_of_record().email],
            )
    return sent


def escalation_responses_due_send(*, today: dt.date | None = None) -> int:
    """Remind heads of service, once a day, of responses due soon or overdue."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.ESCALATION_REMINDER_DAYS)
    due = Escalation.objects.filter(status=Escalation.Status.OPEN, due_date__lte=horizon)
    sent = 0
    for escalation in due.select_related("audit__case__team"):
        # Once a day per escalation, however often the task runs.
        key = ("escalation_response_due", escalation.pk, today)
        if not _queued(*key):
            late = "overdue" if escalation.due_date < today else "due"
            sent += _notify(
                *key,
                subject=f"Escalation response {late}: case {escalation.audit.case.reference}",
                body=f"The management response for case {escalation.audit.case.reference} is "
                f"{late} ({escalation.due_date:%-d %B %Y}):\n"
                f"{_link(escalation.get_absolute_url())}\n",
                recipients=_heads_of_service(escalation.audit),
            )
    return sent


def actions_overdue_send(*, today: dt.date | None = None) -> int:
    """Remind each auditor, once a week, of the open actions on their audits that are past
    their due date: the case references and due dates, and a link to the Actions page. The
    actions' wording stays behind sign-in, as grades and evidence do."""
    today = today or timezone.localdate()
    week = today - dt.timedelta(days=today.weekday())  # its Monday: one e-mail a week
    overdue = (
        Action.objects.filter(
            status=Action.Status.OPEN,
            due_date__lt=today,
            audit__auditor__is_active=True,
        )
        .select_related("audit__case", "audit__auditor")
        .order_by("audit__auditor_id", "due_date", "pk")
    )
    by_auditor: dict[int, list[Action]] = {}
    for action in overdue:
        # Never None here: audit__auditor__is_active above leaves unassigned audits out.
        by_auditor.setdefault(action.audit.auditor_of_record().pk, []).append(action)
    link = _link(reverse("action_list") + "?overdue=true")
    sent = 0
    for auditor_id, actions in by_auditor.items():
        key = ("actions_overdue", auditor_id, week)
        if _queued(*key):
            continue
        lines = "".join(
            f"- case {a.audit.case.reference}, due {a.due_date:%-d %B %Y}\n" for a in actions
        )
        count = len(actions)
        sent += _notify(
            *key,
            subject=f"{count} overdue action{'s' if count != 1 else ''} on your audits",
            body=f"These actions on your audits are past their due date:\n{lines}\n"
            f"Follow them up, and mark them done when they are:\n{link}\n",
            recipients=[actions[0].audit.auditor_of_record().email],
        )
    return sent


# The outbox for other apps' e-mails (audits.inbox's daily digest): the same once-per-key
# queue and send, the same link to the service.
link = _link
queued = _queued
notify = _notify
