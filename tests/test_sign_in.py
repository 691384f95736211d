"""Sign-in: five failures for one username from one address lock that pair for 30 minutes,
even against the right password; another address is not locked; every attempt is logged
without the password."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog

pytestmark = pytest.mark.django_db

RIGHT = "correct-horse-battery"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_failures_lock_the_username_from_that_address(client, auditor):
    for _ in range(4):
        assert sign_in(client, "auditor", "guess").status_code == 200
    locked = sign_in(client, "auditor", "guess")
    assert locked.status_code == 429
    assert b"Sign-in is locked for 30 minutes" in locked.content
    # Locked: the right password is refused too, and no session is made.
    right = sign_in(client, "auditor", RIGHT)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same person from another address is not locked out.
    elsewhere = sign_in(client, "auditor", RIGHT, address="10.0.0.2")
    assert elsewhere.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, auditor):
    for _ in range(4):
        sign_in(client, "auditor", "guess")
    assert sign_in(client, "auditor", RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "auditor", "guess").status_code == 200


def test_attempts_are_logged_without_the_password(client, auditor):
    sign_in(client, "auditor", "guess-1234")
    attempt = AccessAttempt.objects.get()
    assert "guess-1234" not in str(attempt.post_data)
    failure = AccessFailureLog.objects.get()
    assert (failure.username, failure.ip_address) == ("auditor", "10.0.0.1")
    sign_in(client, "auditor", RIGHT)
    log = AccessLog.objects.get()
    assert (log.username, log.ip_address) == ("auditor", "10.0.0.1")
    assert RIGHT not in str(vars(log)) and "guess-1234" not in str(vars(failure))


def test_the_api_token_endpoint_counts_failures_too(api_client, auditor):
    for _ in range(5):
        api_client.post("/api/token/", {"username": "auditor", "password": "guess"}, format="json")
    response = api_client.post(
        "/api/token/", {"username": "auditor", "password": RIGHT}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()
    elsewhere = api_client.post(
        "/api/token/",
        {"username": "auditor", "password": RIGHT},
        format="json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert elsewhere.status_code == 200 and elsewhere.json()["token"]
