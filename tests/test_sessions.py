"""Sessions: a new key at sign-in, sign-out after 30 idle minutes and 8 hours after sign-in,
and the old cookie refused after signing out."""

import time

import pytest

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    return client


def age(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_an_active_session_stays_signed_in(client, auditor):
    signed_in(client, auditor)
    age(client, last_seen=29 * 60, signed_in_at=7 * 60 * 60)
    assert client.get("/audits/mine/").status_code == 200


def test_thirty_idle_minutes_sign_you_out(client, auditor):
    signed_in(client, auditor)
    assert client.get("/audits/mine/").status_code == 200
    age(client, last_seen=31 * 60)
    response = client.get("/audits/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_eight_hours_after_sign_in_you_are_signed_out_however_active(client, auditor):
    signed_in(client, auditor)
    age(client, last_seen=0, signed_in_at=8 * 60 * 60 + 1)
    response = client.get("/audits/mine/")
    assert response.status_code == 302


def test_sign_in_makes_a_new_session_key(client, auditor):
    client.get("/accounts/login/")
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    signed_in(client, auditor)
    assert client.session.session_key != before


def test_the_old_cookie_is_refused_after_sign_out(client, auditor):
    from django.test import Client

    signed_in(client, auditor)
    cookie = client.cookies["sessionid"].value
    assert client.post("/accounts/logout/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = cookie
    response = replay.get("/audits/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
