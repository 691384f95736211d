"""python manage.py seed_load --out FILE: accounts and work for a load test (scripts/load).

Runs after seed_demo on a throwaway database. Every simulated user gets an account of its own
and work nobody else touches, so the load test measures the service, not 409s between users:

- auditors: their own drafts this month, to open, save and submit (HTML pages, signed in);
- moderators: an API token and their own audits in the moderation sample, to claim, save and
  complete (the queue itself is shared and only read);
- viewers (heads of service): two service areas each, to read reports and audits.

The accounts, their passwords or tokens and the ids of their work go to a JSON file that
loadtest/locustfile.py reads. All of it is made up: cases are LOAD-nnnnnn references.
"""

import json
import time
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.tokens import api_token_issue
from core.models import Audit, Programme, Role, ServiceArea, Team, User
from core.services.audits import AuditContent, audit_create
from core.services.cases import case_create
from demo.organisation import DEMO_QA_LEAD, FOSTERING_AREA
from flows.audits import audit_submit
from moderation.services.sample import moderation_add

DEFAULT_PASSWORD = "load-password-2026"
PREFIX = "load"


class Command(BaseCommand):
    help = (
        "Add load-test accounts (auditors with drafts, moderators with sampled audits, viewers) "
        "to a database filled by seed_demo, and write them to a JSON file for locust."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="Where to write the users file (JSON).")
        parser.add_argument("--auditors", type=int, default=32)
        parser.add_argument("--drafts", type=int, default=25, help="Drafts per auditor.")
        parser.add_argument("--moderators", type=int, default=12)
        parser.add_argument("--items", type=int, default=30, help="Sampled audits per moderator.")
        parser.add_argument("--viewers", type=int, default=12)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)

    def handle(self, *args, out, auditors, drafts, moderators, items, viewers, password, **opts):
        qa_lead = User.objects.filter(username=DEMO_QA_LEAD).first()
        programme = (
            Programme.objects.filter(
                tool__code="case-file", month=timezone.localdate().replace(day=1)
            )
            .select_related("tool")
            .first()
        )
        if qa_lead is None or programme is None:
            raise CommandError("Run seed_demo first: seed_load builds on the demo authority.")
        if moderators and items and not auditors:
            raise CommandError("Moderators' sampled audits are written by load auditors: add some.")
        if User.objects.filter(username__startswith=f"{PREFIX}.").exists():
            raise CommandError("This database already has load-test accounts: use a fresh one.")
        started = time.perf_counter()
        # Made-up people: their e-mails go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            users = seed_load(
                qa_lead=qa_lead,
                programme=programme,
                auditors=auditors,
                drafts=drafts,
                moderators=moderators,
                items=items,
                viewers=viewers,
                password=password,
            )
        Path(out).write_text(json.dumps(users, indent=1))
        self.stdout.write(
            f"Load accounts: {auditors} auditors x {drafts} drafts, {moderators} moderators x "
            f"{items} sampled audits, {viewers} viewers; written to {out} "
            f"({time.perf_counter() - started:.1f} s)."
        )


def _account(username: str, role: str, password_hash: str, **fields) -> User:
    user = User.objects.create(
        username=username, password=password_hash, email=f"{username}@example.invalid", **fields
    )
    user.groups.add(Group.objects.get(name=role))
    return user


class _Cases:
    """New LOAD-nnnnnn cases, so the load never re-audits a demo case."""

    def __init__(self, actor: User):
        self.actor = actor
        self.number = 0

    def new(self, team: Team):
        self.number += 1
        case_type = team.cases.values_list("case_type", flat=True).first() or "cin"
        return case_create(
            actor=self.actor,
            reference=f"LOAD-{self.number:06d}",
            team=team,
            case_type=case_type,
        )


def _complete_content(audit: Audit) -> AuditContent:
    return AuditContent(
        overall="RI",
        working_well="Visits are regular and the child is seen alone.",
        worried_about="The plan has actions without owners or dates.",
        needs_to_happen="Update the plan with timescales at the next review.",
        grades={
            d.code: ("RI", "Seen in the case notes and the plan.") for d in audit.tool.domains.all()
        },
    )


@transaction.atomic
def seed_load(
    *,
    qa_lead: User,
    programme: Programme,
    auditors: int,
    drafts: int,
    moderators: int,
    items: int,
    viewers: int,
    password: str,
) -> dict:
    """The accounts and their work; returns what the users file holds."""
    password_hash = make_password(password)  # hashed once: hashing is slow by design
    teams = list(
        Team.objects.exclude(service_area__name=FOSTERING_AREA).order_by("service_area", "name")
    )
    cases = _Cases(qa_lead)
    tool = programme.tool
    auditor_rows, auditor_users = [], []
    for n in range(auditors):
        team = teams[n % len(teams)]
        user = _account(f"{PREFIX}.auditor.{n + 1:03d}", Role.AUDITOR, password_hash, team=team)
        ids = [
            audit_create(
                actor=qa_lead, case=cases.new(team), auditor=user, tool=tool, programme=programme
            ).pk
            for _ in range(drafts)
        ]
        auditor_users.append(user)
        auditor_rows.append({"username": user.username, "password": password, "audits": ids})
    moderator_rows = []
    for n in range(moderators):
        user = _account(f"{PREFIX}.moderator.{n + 1:03d}", Role.MODERATOR, password_hash)
        ids = []
        for i in range(items):
            author = auditor_users[(n * items + i) % len(auditor_users)]
            assert author.team is not None  # every auditor here has a team
            audit = audit_create(
                actor=qa_lead,
                case=cases.new(author.team),
                auditor=author,
                tool=tool,
                programme=programme,
            )
            audit = audit_submit(
                audit=audit, actor=author, version=audit.version, content=_complete_content(audit)
            )
            ids.append(moderation_add(actor=qa_lead, audit=audit, reason="Load test sample.").pk)
        _instance, token = api_token_issue(user=user, device=None)
        moderator_rows.append({"username": user.username, "token": token, "moderations": ids})
    areas = list(ServiceArea.objects.order_by("name").values_list("pk", flat=True))
    viewer_rows = []
    for n in range(viewers):
        user = _account(f"{PREFIX}.viewer.{n + 1:03d}", Role.VIEWER, password_hash)
        mine = [areas[n % len(areas)], areas[(n + 1) % len(areas)]]
        user.service_areas.set(mine)
        viewer_rows.append({"username": user.username, "password": password, "areas": mine})
    months = Programme.objects.order_by("-month").values_list("month", flat=True).distinct()
    return {
        "report_months": [f"{m:%Y-%m}" for m in list(months)[:6]],
        "auditors": auditor_rows,
        "moderators": moderator_rows,
        "viewers": viewer_rows,
    }
