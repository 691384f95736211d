"""When the shared cache (Redis from CACHE_URL: sign-in lockout counts, API throttles, the
header's inbox count) does not answer, people get a clear "try again" (503), never a 500:
a sign-in is refused rather than let through uncounted, and a change that was saved stays
saved."""

from contextlib import contextmanager

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.test import override_settings
from django.urls import reverse

from core.errors import SHARED_STATE_UNAVAILABLE
from core.models import Action
from tests.factories import AuditFactory, UserFactory

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call fails at once with a connection error.
NOBODY = "redis://127.0.0.1:1/0"


@contextmanager
def cache_down():
    caches = {
        alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": NOBODY}
        for alias in ("default", "axes")
    }
    # django-axes keeps its handler, and the cache it was given, for the process's life.
    AxesProxyHandler.get_implementation(force=True)
    try:
        with override_settings(CACHES=caches):
            AxesProxyHandler.get_implementation(force=True)
            yield
    finally:
        AxesProxyHandler.get_implementation(force=True)


@pytest.fixture
def person(team):
    return UserFactory(username="manager", team=team, roles=["auditor"])


def test_signing_in_is_refused_with_a_message_not_a_500(client, person):
    with cache_down():
        response = client.post(
            "/accounts/login/", {"username": "manager", "password": "correct-horse-battery"}
        )
    assert response.status_code == 503
    assert response["Retry-After"]
    assert SHARED_STATE_UNAVAILABLE in response.content.decode()
    assert "_auth_user_id" not in client.session  # not let in uncounted


def test_the_api_answers_503_in_json(api_client, person):
    """The token endpoint counts requests (throttle) and failed sign-ins, both in the cache."""
    with cache_down():
        response = api_client.post(
            "/api/token/",
            {"username": "manager", "password": "correct-horse-battery"},
            format="json",
        )
    assert response.status_code == 503
    assert response.json() == {"detail": SHARED_STATE_UNAVAILABLE}


def test_pages_still_open_with_the_inbox_uncounted(client, person):
    client.force_login(person)
    with cache_down():
        response = client.get(reverse("my_audits"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{reverse("inbox")}"' in html and "Inbox (" not in html


def test_a_saved_change_stays_saved_and_is_not_reported_as_a_failure(client, person, team):
    audit = AuditFactory(auditor=person, case__team=team)
    action = Action.objects.create(
        audit=audit, description="Visit.", owner="Social worker", due_date=audit.month
    )
    client.force_login(person)
    with cache_down():
        response = client.post(reverse("action_status", args=[action.pk]), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == Action.Status.DONE
