import importlib

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from tests.factories import AuditFactory, ServiceAreaFactory, TeamFactory, UserFactory

# The test OpenID Connect provider's fixtures (`provider`, `sso`), for tests/sso/ and the
# browser's single sign-on journey.
pytest_plugins = ["tests.sso.oidc_provider"]


def pytest_addoption(parser, pluginmanager):
    """pyproject's addopts run the suite on xdist workers (--numprocesses=2 --dist=load). With
    xdist turned off (`-p no:xdist`, to debug in one process, as `-n0` also does) those options
    would be unknown and pytest would stop: accept them and do nothing with them."""
    if not pluginmanager.has_plugin("xdist"):
        parser.addoption("--numprocesses", help="ignored: xdist is off")
        parser.addoption("--dist", help="ignored: xdist is off")


@pytest.fixture
def area(db):
    return ServiceAreaFactory(name="Children in need")


@pytest.fixture
def other_area(db):
    return ServiceAreaFactory(name="Children in care")


@pytest.fixture
def team(area):
    return TeamFactory(service_area=area, name="CIN team 1")


@pytest.fixture
def other_team(other_area):
    return TeamFactory(service_area=other_area, name="CiC team 1")


@pytest.fixture
def auditor(team):
    return UserFactory(username="auditor", team=team, roles=["auditor"])


@pytest.fixture
def same_team_auditor(team):
    return UserFactory(username="colleague", team=team, roles=["auditor"])


@pytest.fixture
def other_team_auditor(other_team):
    return UserFactory(username="other_auditor", team=other_team, roles=["auditor"])


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", team=None, roles=["moderator"])


@pytest.fixture
def viewer(area):
    user = UserFactory(username="viewer", team=None, roles=["viewer"])
    user.service_areas.add(area)
    return user


@pytest.fixture
def other_viewer(other_area):
    user = UserFactory(username="other_viewer", team=None, roles=["viewer"])
    user.service_areas.add(other_area)
    return user


@pytest.fixture
def qa_lead(db):
    return UserFactory(username="qa_lead", team=None, roles=["qa_lead"])


@pytest.fixture
def audit(auditor, team):
    """An assigned audit of a case held by the auditor's team."""
    return AuditFactory(auditor=auditor, case__team=team)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def submitted(auditor, team):
    """A submitted audit by the auditor of a case in their team, every domain Good."""
    from tests.factories import submitted_audit

    return submitted_audit(auditor=auditor, case__team=team)


@pytest.fixture
def moderation(submitted, qa_lead):
    """The submitted audit, sampled for moderation and waiting for a moderator."""
    from tests.factories import sampled_moderation

    return sampled_moderation(submitted, qa_lead)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle and sign-in lockout counts live in the caches (local memory in tests, shared by
    the process): each test starts with none, so no test is throttled or locked out by the
    requests of the tests before it."""
    from django.core.cache import caches

    for alias in ("default", "axes"):
        caches[alias].clear()
    yield
    for alias in ("default", "axes"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    """Roles and audit tools come from a data migration, which a transactional test's flush
    empties. serialized_rollback should restore them, but once Playwright has run its event
    loop Django hands later tests a new connection object without the serialized copy
    (pytest-django issue #1117), so transactional tests re-run the migration's idempotent
    function."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    migration = importlib.import_module("core.migrations.0002_roles_and_tools")
    migration.create(django_apps, None)


@pytest.fixture(autouse=True)
def _force_login_stands_for_password_and_code(monkeypatch):
    """A test sign-in stands for password + code. QA leads and administrators must enter a
    two-factor code (accounts/two_factor.py); Client.force_login (and APIClient's) marks their
    session verified with a confirmed authenticator app, so enforcement stays on in every test
    while tests about other things need not sign in twice. tests/test_two_factor.py signs in
    through the real forms instead."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.permissions import two_factor_required

    force_login = Client.force_login

    def force_login_with_code(self, user, backend=None):
        force_login(self, user, backend)
        if not two_factor_required(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login_with_code)
