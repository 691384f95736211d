"""Single sign-on half-configured stops start-up with one message naming what is missing."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def check(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=base | {"DJANGO_SETTINGS_MODULE": "config.settings_test", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_client_id_without_the_endpoints_stops_start_up_naming_them():
    result = check(OIDC_RP_CLIENT_ID="case-file-audit", OIDC_OP_TOKEN_ENDPOINT="https://x/t")
    assert result.returncode != 0
    assert (
        "Single sign-on is on (OIDC_RP_CLIENT_ID is set) but these are not: "
        "OIDC_RP_CLIENT_SECRET, OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_USER_ENDPOINT, "
        "OIDC_OP_JWKS_ENDPOINT, OIDC_GROUP_ROLES"
    ) in result.stderr


def test_a_mapping_that_is_not_json_stops_start_up():
    result = check(OIDC_GROUP_ROLES="{cfa-qa-leads: qa_lead}")
    assert result.returncode != 0
    assert "OIDC_GROUP_ROLES is not valid JSON" in result.stderr


def test_fully_configured_it_starts():
    endpoints = {
        f"OIDC_OP_{name}_ENDPOINT": f"https://login.example/{name.lower()}"
        for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS")
    }
    result = check(
        OIDC_RP_CLIENT_ID="case-file-audit",
        OIDC_RP_CLIENT_SECRET="secret",
        OIDC_GROUP_ROLES=json.dumps({"cfa-qa-leads": "qa_lead"}),
        **endpoints,
    )
    assert result.returncode == 0, result.stderr


def test_a_mapping_naming_a_role_the_service_does_not_have_fails_the_check():
    result = check(OIDC_GROUP_ROLES=json.dumps({"cfa-qa-leads": "qa-lead"}))
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr and "names unknown roles ['qa-lead']" in result.stderr
