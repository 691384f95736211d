"""The test OpenID Connect provider (tests/sso/provider.py) as a real process on 127.0.0.1,
and the service configured to use it, read from the provider's discovery document. A plugin
of tests/conftest.py, so that tests/sso/ and tests/browser/ both have its fixtures."""

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from config.sso_settings import with_provider_sign_out

PROVIDER = Path(__file__).with_name("provider.py")
PORTS = range(8110, 8120)  # this work's ports; each test process takes the first free one
CLIENT_ID = "case-file-audit"
CLIENT_SECRET = "test-client-secret-not-for-production"  # noqa: S105 - the test provider's own
GROUP_ROLES = {
    "cfa-qa-leads": "qa_lead",
    "cfa-qa-officers": ["moderator"],
    "cfa-cin-team-1": {
        "label": "CIN team 1 managers",
        "roles": ["auditor"],
        "team": "Children in need / CIN team 1",
    },
    "cfa-heads-cin": {"roles": ["viewer"], "areas": ["Children in need"]},
}


@dataclass
class Provider:
    url: str
    process: subprocess.Popen
    discovery: dict

    def register(self, redirect_uri: str) -> None:
        answer = requests.put(
            f"{self.url}/test/clients/{CLIENT_ID}",
            json={"client_secret": CLIENT_SECRET, "redirect_uris": [redirect_uri]},
            timeout=5,
        )
        answer.raise_for_status()

    def person(self, subject: str, email: str, groups: list[str], **names) -> None:
        answer = requests.put(
            f"{self.url}/test/people/{subject}",
            json={"email": email, "groups": groups, **names},
            timeout=5,
        )
        answer.raise_for_status()

    def events(self) -> list[dict]:
        return requests.get(f"{self.url}/test/events", timeout=5).json()


def _start() -> Provider:
    """The provider binds the first free port of this work's range and says which."""
    process = subprocess.Popen(
        [sys.executable, str(PROVIDER), "--ports", f"{PORTS.start}-{PORTS.stop - 1}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    with process.stdout:
        line = process.stdout.readline().strip()  # the port, once bound (empty if it gave up)
    if not line.isdigit():
        process.kill()
        process.wait()
        raise RuntimeError(f"The test OpenID Connect provider found no free port in {PORTS}.")
    url = f"http://127.0.0.1:{line}"
    deadline = time.monotonic() + 20
    while True:
        try:
            discovery = requests.get(f"{url}/.well-known/openid-configuration", timeout=1)
            return Provider(url=url, process=process, discovery=discovery.json())
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def provider():
    running = _start()
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def configure(settings, provider: Provider, **overrides) -> None:
    """The service's OIDC settings, as a council would set them from the discovery document."""
    found = provider.discovery
    values = {
        "OIDC_ENABLED": True,
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_OP_ISSUER": found["issuer"],
        "OIDC_OP_AUTHORIZATION_ENDPOINT": found["authorization_endpoint"],
        "OIDC_OP_TOKEN_ENDPOINT": found["token_endpoint"],
        "OIDC_OP_USER_ENDPOINT": found["userinfo_endpoint"],
        "OIDC_OP_JWKS_ENDPOINT": found["jwks_uri"],
        "OIDC_OP_END_SESSION_ENDPOINT": found["end_session_endpoint"],
        "OIDC_RP_SCOPES": "openid email profile groups",
        "OIDC_GROUP_ROLES": GROUP_ROLES,
        "OIDC_MATCH_BY": "email",
        "OIDC_CREATE_USERS": True,
        "OIDC_SKIP_LOCAL_TWO_FACTOR": True,
    }
    for name, value in {**values, **overrides}.items():
        setattr(settings, name, value)
    settings.CONTENT_SECURITY_POLICY = with_provider_sign_out(
        settings.CONTENT_SECURITY_POLICY, settings.OIDC_OP_END_SESSION_ENDPOINT
    )


@pytest.fixture
def sso(settings, provider):
    """Single sign-on on, against the test provider, for the Django test client."""
    provider.register("http://testserver/accounts/oidc/callback/")
    configure(settings, provider)
    return provider


class Browser:
    """The person's browser on the provider's side (its own cookies: the provider's session),
    the Django test client on the service's side."""

    def __init__(self, client):
        self.client = client
        self.at_provider = requests.Session()

    def sign_in(self, email: str, next_path: str = ""):
        """Start at the service, sign in at the provider (unless its session is still on),
        come back with the code: the service's answer to the callback."""
        start = self.client.get("/accounts/oidc/start/", {"next": next_path} if next_path else {})
        assert start.status_code == 302, start
        authorize = start["Location"]
        answer = self.at_provider.get(authorize, allow_redirects=False, timeout=5)
        if answer.status_code == 200:  # the provider's sign-in form
            answer = self.at_provider.post(
                authorize, data={"email": email}, allow_redirects=False, timeout=5
            )
        assert answer.status_code == 302, answer.text
        back = urlsplit(answer.headers["Location"])
        assert back.path == "/accounts/oidc/callback/"
        return self.client.get(f"{back.path}?{back.query}")

    def sign_out(self):
        """Sign out of the service; follow it to the provider when the service sends it there."""
        answer = self.client.post("/accounts/logout/")
        assert answer.status_code == 302
        location = answer["Location"]
        if location.startswith("http://127.0.0.1"):
            at_provider = self.at_provider.get(location, allow_redirects=False, timeout=5)
            return answer, at_provider
        return answer, None
