"""The sign-in lockout counts for the whole service, not for one process.

Separate Python processes, as separate gunicorn workers or machines are, each with the
service's settings, the same Redis (CACHE_URL) and the same database, and nothing else in
common: failures in one count in the other, the lockout one of them makes refuses the right
password in a third, and `manage.py unlock_sign_in` run in a fourth lifts it for all.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt
from django.conf import settings

from config.settings import cache_settings
from core.models import SignInEvent
from tests.factories import UserFactory
from tests.reporting.conftest import worker_database_url
from tests.test_environment import everything_set, manage, production_env

# Committed rows, so that the other processes read the person and this one their records.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROOT = Path(__file__).resolve().parents[1]
TEST_REDIS_URL = os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379/3")
RIGHT = "correct-horse-battery"
ADDRESS = "81.2.69.142"

# One process: the service's settings, a test client (the whole stack: middleware, the
# sign-in page, django-axes), the passwords given, the status codes printed.
SIGN_IN = """
import json, os, sys
import django
django.setup()
from django.conf import settings
from django.test import Client
username, address, *passwords = sys.argv[1:]
client = Client()
codes = [
    client.post(
        "/accounts/login/", {"username": username, "password": p}, REMOTE_ADDR=address
    ).status_code
    for p in passwords
]
print(json.dumps({"pid": os.getpid(), "codes": codes, "cache": settings.CACHES["axes"]}))
"""


@pytest.fixture
def service_env():
    """What a process of the service gets: the same Redis and database as this test."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL} ({error}).")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "CACHE_URL": TEST_REDIS_URL,
        "DATABASE_URL": worker_database_url(),
        "CONN_MAX_AGE": "0",
    }
    yield env
    client.close()


@pytest.fixture
def person():
    """Someone no other test or run signs in as: their count in Redis is this test's alone."""
    return UserFactory(username=f"lockout-{uuid.uuid4().hex[:12]}", team=None, roles=["auditor"])


@pytest.fixture
def lockout_key(person):
    """The person's count in Redis, as django-axes names it under CACHES["axes"]; deleted
    afterwards."""
    import redis

    (key,) = get_client_cache_keys(AccessAttempt(username=person.username, ip_address=ADDRESS))
    prefix = cache_settings(TEST_REDIS_URL)["axes"]["KEY_PREFIX"]
    full = f"{prefix}:1:{key}"
    client = redis.Redis.from_url(TEST_REDIS_URL)
    yield lambda: client.get(full)
    client.delete(full)
    client.close()


def sign_in_process(env: dict, username: str, *passwords: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SIGN_IN, username, ADDRESS, *passwords],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_failures_in_one_process_count_in_another(service_env, person, lockout_key):
    limit = settings.AXES_FAILURE_LIMIT
    first = sign_in_process(service_env, person.username, *["guess"] * (limit - 2))
    assert first["codes"] == [200] * (limit - 2)
    assert first["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert first["cache"]["LOCATION"] == TEST_REDIS_URL
    assert int(lockout_key()) == limit - 2
    # Another process: its second failure is the limit's, counted with the first process's.
    second = sign_in_process(service_env, person.username, "guess", "guess", RIGHT)
    assert second["pid"] != first["pid"]
    assert second["codes"] == [200, 429, 429]
    # A third process refuses the right password too.
    third = sign_in_process(service_env, person.username, RIGHT)
    assert third["codes"] == [429]
    assert len({first["pid"], second["pid"], third["pid"]}) == 3
    # Every process wrote its attempts to the one record.
    events = SignInEvent.objects.filter(username=person.username).order_by("pk")
    assert list(events.values_list("kind", flat=True)) == (
        [SignInEvent.Kind.FAILED] * (limit - 1)
        + [SignInEvent.Kind.LOCKED]
        + [SignInEvent.Kind.REFUSED] * 2
    )
    assert list(events.values_list("failures", flat=True)) == list(range(1, limit + 3))


def test_an_unlock_in_one_process_lets_the_person_in_through_another(
    service_env, person, lockout_key
):
    limit = settings.AXES_FAILURE_LIMIT
    locked = sign_in_process(service_env, person.username, *["guess"] * limit, RIGHT)
    assert locked["codes"] == [200] * (limit - 1) + [429, 429]
    unlock = subprocess.run(
        [sys.executable, "manage.py", "unlock_sign_in", person.username, "--address", ADDRESS],
        cwd=ROOT,
        env=service_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert unlock.returncode == 0, unlock.stderr
    assert f"Sign-in unlocked for {person.username} from {ADDRESS}." in unlock.stdout
    assert lockout_key() is None
    assert sign_in_process(service_env, person.username, RIGHT)["codes"] == [302]
    assert SignInEvent.objects.filter(
        username=person.username, kind=SignInEvent.Kind.UNLOCKED, ip_address=ADDRESS
    ).exists()


LOCKOUT_SETTINGS = (
    "from django.conf import settings as s; import json; "
    "print(json.dumps([s.AXES_HANDLER, s.AXES_CACHE, s.CACHES['default'], s.CACHES['axes']]))"
)


def lockout_settings(env: dict) -> list:
    result = subprocess.run(
        [sys.executable, "-c", LOCKOUT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=False)
def test_cache_url_puts_the_lockout_on_redis_in_its_own_cache():
    handler, alias, default, axes = lockout_settings(
        everything_set(CACHE_URL="redis://cache.example.gov.uk:6379/1")
    )
    assert (handler, alias) == ("axes.handlers.cache.AxesCacheHandler", "axes")
    assert axes["BACKEND"] == default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert axes["LOCATION"] == default["LOCATION"] == "redis://cache.example.gov.uk:6379/1"
    assert axes["KEY_PREFIX"] != default["KEY_PREFIX"]


@pytest.mark.django_db(transaction=False)
def test_the_embedded_default_counts_in_its_own_memory_and_says_so_only_in_production():
    handler, alias, default, axes = lockout_settings(production_env(DEBUG="1"))
    assert (handler, alias) == ("axes.handlers.cache.AxesCacheHandler", "axes")
    assert axes["BACKEND"] == default["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert axes["LOCATION"] != default["LOCATION"]
    # DEBUG=1: one process, on purpose. DEBUG=0 with one process's memory: django-axes warns.
    assert "axes.W001" not in manage("check", env=production_env(DEBUG="1")).stderr
    deploy = manage("check", "--deploy", env=everything_set(CACHE_URL="locmemcache://"))
    assert "axes.W001" in deploy.stderr + deploy.stdout
