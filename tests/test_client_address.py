"""The client's address behind a TLS proxy, and throttle counts every process shares.

PROXY_COUNT says how many proxies stand in front of the service; the sign-in lockout
(django-axes through django-ipware) and DRF's throttles both take the client's address from
that many hops of X-Forwarded-For, and from REMOTE_ADDR alone when it is 0, so a header the
client sends itself changes nothing. Throttle counts live in the shared cache (Redis from
CACHE_URL), not in one process's memory.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.test import override_settings

from tests.test_environment import everything_set

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
RIGHT = "correct-horse-battery"
PROXY = "10.0.0.254"
CLIENT_A = "81.2.69.142"
CLIENT_B = "81.2.69.160"
TEST_REDIS_URL = os.environ.get("TEST_CACHE_URL", "redis://127.0.0.1:6379/3")


def proxies(count: int):
    """PROXY_COUNT as the environment would set it: the lockout's and DRF's settings."""
    return override_settings(
        PROXY_COUNT=count, REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": count}
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client, password, **meta):
    return client.post("/accounts/login/", {"username": "auditor", "password": password}, **meta)


def through_proxy(forwarded_for: str) -> dict:
    # What a TLS proxy hands on: its own address as the peer, the chain in the header.
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for}


@proxies(1)
def test_behind_one_proxy_five_failures_lock_that_client_and_no_other(client, auditor):
    for _ in range(4):
        assert sign_in(client, "guess", **through_proxy(CLIENT_A)).status_code == 200
    assert sign_in(client, "guess", **through_proxy(CLIENT_A)).status_code == 429
    assert sign_in(client, RIGHT, **through_proxy(CLIENT_A)).status_code == 429
    # Another client behind the same proxy is not locked out of the same account.
    assert sign_in(client, RIGHT, **through_proxy(CLIENT_B)).status_code == 302


@proxies(1)
def test_behind_one_proxy_a_forged_header_locks_only_the_sender(client, auditor):
    # The proxy appends the address it saw to whatever the client sent.
    forged = f"{CLIENT_B}, {CLIENT_A}"
    for _ in range(5):
        sign_in(client, "guess", **through_proxy(forged))
    assert sign_in(client, RIGHT, **through_proxy(CLIENT_A)).status_code == 429
    assert sign_in(client, RIGHT, **through_proxy(CLIENT_B)).status_code == 302


@proxies(0)
def test_without_a_proxy_a_client_sent_forwarded_for_changes_nothing(client, auditor):
    for n in range(5):
        sign_in(client, "guess", REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=f"81.2.69.{n}")
    locked = sign_in(client, RIGHT, REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=CLIENT_B)
    assert locked.status_code == 429


@proxies(2)
def test_the_lockout_and_the_throttles_take_the_same_hop(rf):
    from rest_framework.request import Request
    from rest_framework.throttling import AnonRateThrottle

    from config.client_address import client_address

    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {CLIENT_A}, 10.0.0.3")
    assert client_address(request) == CLIENT_A
    assert AnonRateThrottle().get_ident(Request(request)) == CLIENT_A


def token_attempt(api_client, **meta):
    return api_client.post(
        "/api/token/", {"username": "nobody", "password": "guess"}, format="json", **meta
    )


@proxies(0)
def test_without_a_proxy_the_token_throttle_ignores_a_client_sent_forwarded_for(api_client):
    for n in range(20):
        response = token_attempt(api_client, HTTP_X_FORWARDED_FOR=f"81.2.69.{n}")
        assert response.status_code == 400
    assert token_attempt(api_client, HTTP_X_FORWARDED_FOR="81.2.69.99").status_code == 429


@proxies(1)
def test_behind_one_proxy_the_token_throttle_counts_each_client(api_client):
    for _ in range(20):
        assert token_attempt(api_client, **through_proxy(CLIENT_A)).status_code == 400
    assert token_attempt(api_client, **through_proxy(f"{CLIENT_B}, {CLIENT_A}")).status_code == 429
    assert token_attempt(api_client, **through_proxy(CLIENT_B)).status_code == 400


@pytest.fixture
def redis_cache_settings():
    """The production cache (settings.CACHES from CACHE_URL) on this test's own key prefix,
    whose keys are deleted afterwards."""
    import redis

    from config.settings import cache_settings

    prefix = f"test-{uuid.uuid4().hex}"
    shared = cache_settings(TEST_REDIS_URL)
    shared["default"]["KEY_PREFIX"] = prefix
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis is not reachable at {TEST_REDIS_URL} ({error}).")
    yield shared
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@proxies(0)
def test_the_token_throttle_count_lives_in_redis_for_every_process(
    api_client, redis_cache_settings
):
    with override_settings(CACHES=redis_cache_settings):
        assert caches["default"].__class__.__name__ == "RedisCache"
        for _ in range(3):
            token_attempt(api_client)
        # A second client, as another gunicorn worker would have, sees the same count ...
        other_worker = caches.create_connection("default")
        key = "throttle_anon_127.0.0.1"  # the test client's address
        history = other_worker.get(key)
        assert len(history) == 3
        # ... and what it adds counts here: the limit is the service's, not the process's.
        other_worker.set(key, [time.time()] * 17 + history, 60)
        assert token_attempt(api_client).status_code == 429


def settings_in_a_fresh_process(**env) -> str:
    code = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=everything_set(**env),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_cache_url_puts_the_cache_on_redis_and_the_embedded_default_keeps_it_in_memory():
    assert settings_in_a_fresh_process(CACHE_URL="redis://cache:6379/0", PROXY_COUNT="2") == (
        "django.core.cache.backends.redis.RedisCache 2"
    )
    # The embedded default (DEBUG=1, no CACHE_URL), or one process's memory on purpose.
    assert (
        settings_in_a_fresh_process(CACHE_URL="", DEBUG="1")
        == settings_in_a_fresh_process(CACHE_URL="locmemcache://")
        == "django.core.cache.backends.locmem.LocMemCache 0"
    )
