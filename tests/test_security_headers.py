"""Every sample response carries the security headers: CSP, no-store, nosniff, frame denial,
referrer policy; HSTS over HTTPS; session and CSRF cookies HttpOnly where they can be."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/accounts/login/",
    "/audits/mine/",
    "/audits/",
    "/moderation/",
    "/escalations/",
    "/programmes/",
    "/api/",
    "/api/audits/",
    "/api/moderations/",
    "/api/docs/",
]


def csp_directives(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, qa_lead, path):
    client.force_login(qa_lead)
    response = client.get(path)
    assert response.status_code == 200, path
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["object-src"] == {"'none'"}
    assert policy["base-uri"] == {"'none'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["script-src"] == {"'self'"}  # no 'unsafe-inline', no other origin
    assert policy["style-src"] == {"'self'"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client, qa_lead):
    client.force_login(qa_lead)
    for path in PAGES:
        body = client.get(path).content.decode()
        assert "<script>" not in body and '<script type="module">' not in body, path
        assert ' style="' not in body, path
        assert " onclick=" not in body, path


def test_https_responses_carry_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_is_http_only_and_new_at_sign_in(client, qa_lead):
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = client.post(
        "/accounts/login/", {"username": qa_lead.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert before is None or cookie.value != before.value


def test_the_api_documentation_has_no_inline_style_or_script(client, qa_lead):
    # The reference is drawn on the server (config/api_docs.py): no Swagger UI, whose template
    # wrote an inline <style> and <script> that the policy blocks.
    client.force_login(qa_lead)
    response = client.get("/api/docs/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<style" not in body and "<script>" not in body and ' style="' not in body
    assert "/static/api/reference.css" in body
