"""Migration 0015: the role changes single sign-on recorded (RoleChange) become the person's
StaffEvents, each with the same before / after, who, when and why, and stay append-only."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("audits", "0014_staff_import_jobs")]
AFTER = [("audits", "0015_staff_events_one_history")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_role_changes_become_the_persons_history():
    old = _migrate(BEFORE)
    try:
        User = old.get_model("audits", "User")
        RoleChange = old.get_model("audits", "RoleChange")
        ann = User.objects.create(username="ann")
        lead = User.objects.create(username="lead")
        at = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)
        RoleChange.objects.create(
            user=ann,
            change="role_added",
            value="auditor",
            reason="from the identity provider",
            changed_at=at,
        )
        RoleChange.objects.create(
            user=ann,
            change="area_removed",
            value="Children in need",
            changed_by=lead,
            reason="moved",
            changed_at=at,
        )
        new = _migrate(AFTER)
        StaffEvent = new.get_model("audits", "StaffEvent")
        events = StaffEvent.objects.filter(person_id=ann.pk, kind="access").order_by("pk")
        assert [(e.old, e.new, e.actor_id, e.reason, e.at) for e in events] == [
            ("", "Role: Auditor (team manager)", None, "from the identity provider", at),
            ("Service area read: Children in need", "", lead.pk, "moved", at),
        ]
        with pytest.raises(IntegrityError), transaction.atomic():
            StaffEvent.objects.filter(pk=events[0].pk).update(reason="edited")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
