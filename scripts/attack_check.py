"""Issue 10's findings, tried again against a running server with the demo data.

    BASE=http://127.0.0.1:8200 .venv/bin/python scripts/attack_check.py

Run it with the server's own environment (DATABASE_URL, SECRET_KEY, ...), after
`manage.py seed_demo`, against gunicorn started with `PROXY_COUNT=1` (the script plays the
proxy). It signs in as the demo people over HTTP, as an attacker would; it uses the database
only to stand for what a person did elsewhere (the QA lead's authenticator app, a password
changed in the admin) and to read what was stored (token digests, the access log). It prints
one line per check with what the server answered; the tests named in each line hold the same
promise in the suite. It changes the demo data: run it on a copy.
"""

import base64
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import TypeVar

import django
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django_otp.oath import TOTP  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from core.models import ApiToken, Audit, AuditRead, Programme, User  # noqa: E402
from moderation.models import Moderation  # noqa: E402

BASE = os.environ.get("BASE", "http://127.0.0.1:8200").rstrip("/")
PASSWORD = "demo-password-2026"
FAILED: list[str] = []
NEUTRAL = "Chosen for the moderation sample."
SEED = "run manage.py seed_demo first (on a copy)."

T = TypeVar("T")


def needed(value: T | None, missing: str) -> T:
    """The value, or stop with what is missing: the checks below cannot run without it."""
    if value is None:
        sys.exit(missing)
    return value


def check(name: str, ok: bool, answer) -> None:
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {answer}")
    if not ok:
        FAILED.append(name)


def short(response: requests.Response) -> str:
    return f"{response.status_code} {response.text[:160]!r}"


def code(key: bytes, ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = time.time() + 30 * ahead
    return f"{totp.token():06d}"


def form_post(session, path, data, **headers):
    page = session.get(BASE + path, headers=headers)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    csrf = needed(found, f"No CSRF token in the form at {path}: {short(page)}").group(1)
    return session.post(
        BASE + path,
        {**data, "csrfmiddlewaretoken": csrf},
        headers={"Referer": BASE + path, **headers},
        allow_redirects=False,
    )


def sign_in(username, client="203.0.113.10"):
    session = requests.Session()
    session.headers["X-Forwarded-For"] = client
    form_post(session, "/accounts/login/", {"username": username, "password": PASSWORD})
    return session


def token_for(username, **extra) -> dict:
    answer = requests.post(
        BASE + "/api/token/", json={"username": username, "password": PASSWORD, **extra}
    )
    assert answer.status_code == 200, short(answer)
    return {"Authorization": f"Token {answer.json()['token']}"}


# ------------------------------------------------------------------ people
qa_user = User.objects.get(username="demo.qalead")
TOTPDevice.objects.filter(user=qa_user).delete()
device = TOTPDevice.objects.create(user=qa_user, name="Phone", confirmed=True)
qa = token_for("demo.qalead", code=code(device.bin_key))
auditor = token_for("demo.auditor")
moderator = sign_in("demo.moderator")

# ------------------------------------------------------------------ 19, then 1, 2, 4
programme = (
    Programme.objects.filter(audits__moderations__status="sampled").order_by("-month").first()
)
if programme is None:
    programme = needed(
        Programme.objects.order_by("-month").first(), "No programme in the database: " + SEED
    )
answer = requests.patch(
    f"{BASE}/api/programmes/{programme.pk}/", json={"blind_moderation": True}, headers=qa
)
check(
    "19 QA lead switches blind moderation on a programme (API)",
    answer.status_code == 200 and answer.json().get("blind_moderation") is True,
    short(answer),
)
waiting = Moderation.objects.filter(audit__programme=programme, status="sampled")
print(f"     {waiting.count()} moderations of {programme.month:%Y-%m} wait, now blind")
listed = moderator.get(f"{BASE}/api/moderations/", params={"programme": programme.pk}).json()[
    "results"
]
reasons = {
    (row["selection"], row["selection_note"]) for row in listed if row["status"] == "sampled"
}
check(
    "1  a moderator reads only a neutral selection reason while blind",
    bool(reasons) and all(sel == "sample" and "judged" not in note for sel, note in reasons),
    sorted(reasons)[:3],
)
sample = moderator.get(f"{BASE}/api/programmes/{programme.pk}/sample/").json()["moderations"]
notes = {row["selection_note"] for row in sample if row["status"] == "sampled"}
check("1  the sample API names no judgement of a waiting audit", notes == {NEUTRAL}, notes)
hidden = Audit.objects.filter(moderations__in=waiting).first()
month = f"{programme.month:%Y-%m}"
report = moderator.get(f"{BASE}/api/reports/monthly/", params={"month": month}).json()
listed_total = moderator.get(
    f"{BASE}/api/audits/", params={"month": month, "status": "submitted"}
).json()["count"]
check(
    "2  the moderator's report counts exactly what they may list",
    report["audits"]["returned"] == listed_total,
    f"report {report['audits']['returned']}, list {listed_total}, "
    f"left out {report['filters']['blind_left_out']}",
)
# Said here, where it is first read: check 2 above runs without it.
hidden = needed(hidden, f"No audit of {month} waits for moderation: " + SEED)
# An audit waiting for moderation was submitted, so it has its auditor.
hidden_auditor = needed(hidden.auditor, f"Audit {hidden.pk} waits for moderation with no auditor.")
team = {"month": month, "team": hidden.case.team_id}
team_report = moderator.get(f"{BASE}/api/reports/monthly/", params=team).json()
team_list = moderator.get(f"{BASE}/api/audits/", params={**team, "status": "submitted"})
check(
    "2  one team's report less the team's list is nothing",
    team_report["audits"]["returned"] == team_list.json()["count"],
    f"{team_report['audits']['returned']} - {team_list.json()['count']}",
)
check(
    "2  the moderator opens no blind-pending audit",
    moderator.get(f"{BASE}/api/audits/{hidden.pk}/").status_code == 404,
    moderator.get(f"{BASE}/audits/{hidden.pk}/").status_code,
)

colleague = (
    User.objects.filter(team=hidden_auditor.team_id, groups__name="auditor", is_active=True)
    .exclude(pk=hidden_auditor.pk)
    .first()
)
if colleague is not None:
    colleague.groups.add(Group.objects.get(name="moderator"))  # as an administrator would
    colleague.set_password(PASSWORD)
    colleague.save()
    both = sign_in(colleague.username)
    answers = (
        both.get(f"{BASE}/audits/{hidden.pk}/").status_code,
        both.get(f"{BASE}/api/audits/{hidden.pk}/").status_code,
    )
    check(
        "4  a team colleague who also moderates opens no blind-pending audit",
        answers == (404, 404),
        answers,
    )

# ------------------------------------------------------------------ 3, 14, 5
qr = "/account/two-factor/setup/qr.svg"
fresh = sign_in("demo.qalead")
check(
    "3  password-only session reads no QR",
    fresh.get(BASE + qr).status_code == 404,
    fresh.get(BASE + qr).status_code,
)
person = colleague.username if colleague is not None else "demo.moderator"
here, elsewhere = sign_in(person, "192.0.2.1"), sign_in(person, "192.0.2.2")
setup = here.get(BASE + "/account/two-factor/setup/")
shown = needed(
    re.search(r'<code id="secret-key">([A-Z2-7 ]+)</code>', setup.text),
    f"No secret key on the two-factor set-up page: {short(setup)}",
).group(1)
key = base64.b32decode(shown.replace(" ", "") + "=" * (-len(shown.replace(" ", "")) % 8))
form_post(here, "/account/two-factor/setup/", {"code": code(key)})
after = elsewhere.get(BASE + "/audits/", allow_redirects=False)
check(
    "14 turning two-factor on signs the person's other sessions out",
    after.status_code == 302 and "/accounts/login/" in after.headers.get("Location", ""),
    f"{after.status_code} {after.headers.get('Location')}",
)
ApiToken_before = ApiToken.objects.count()
plain = requests.post(
    BASE + "/api/token/", json={"username": "demo.auditor", "password": PASSWORD}
).json()["token"]
stored = ApiToken.objects.values_list("digest", flat=True)
check(
    "5  tokens are stored as digests only",
    all(plain not in digest for digest in stored) and ApiToken.objects.count() > ApiToken_before,
    f"{ApiToken.objects.count()} tokens, digest length {len(stored[0])}",
)
user = User.objects.get(username="demo.auditor")
user.set_password(PASSWORD)
user.save()  # as the admin's change-password page does
answer = requests.get(BASE + "/api/audits/", headers={"Authorization": f"Token {plain}"})
check(
    "5  a token stops working when the password changes", answer.status_code == 401, short(answer)
)
auditor = token_for("demo.auditor")

# ------------------------------------------------------------------ 6
answer = requests.get(BASE + "/api/audits/", params={"moderated_overall": "I"}, headers=auditor)
owners = {row["auditor"] for row in answer.json()["results"]}
check(
    "6  moderated-grade filter lists only the auditor's own audits",
    owners <= {"demo.auditor"},
    f"{answer.status_code} owners {sorted(owners)[:3]}",
)

# ------------------------------------------------------------------ 7
wrong = {"username": "demo.viewer", "password": "wrong-password"}
for _ in range(5):
    form_post(requests.Session(), "/accounts/login/", wrong, **{"X-Forwarded-For": "198.51.100.7"})
other = sign_in("demo.viewer", client="198.51.100.8")
home = other.get(BASE + "/audits/", allow_redirects=False)
locked = form_post(
    requests.Session(),
    "/accounts/login/",
    {"username": "demo.viewer", "password": PASSWORD},
    **{"X-Forwarded-For": "198.51.100.7"},
)
check(
    "7  behind one proxy, 5 failures lock that client and not a colleague",
    home.status_code == 200 and locked.status_code == 429,
    f"colleague {home.status_code}, locked client {locked.status_code}",
)

# ------------------------------------------------------------------ 9, 10
mine = requests.get(
    BASE + "/api/audits/", params={"status": "assigned", "auditor": "demo.auditor"}, headers=auditor
).json()["results"]
draft = requests.get(f"{BASE}/api/audits/{mine[0]['id']}/", headers=auditor).json()
big = requests.patch(
    f"{BASE}/api/audits/{draft['id']}/",
    data='{"version": 1, "working_well": "' + "x" * 2_200_000 + '"}',
    headers={**auditor, "Content-Type": "application/json"},
)
check("9  a 2.2 MB JSON body is refused unread", big.status_code == 413, short(big))
many = requests.patch(
    f"{BASE}/api/audits/{draft['id']}/",
    json={"version": draft["version"], "grades": {f"d{i}": {"grade": "G"} for i in range(5000)}},
    headers=auditor,
)
check("9  5,000 grades are refused before validation", many.status_code == 400, short(many))
domain = draft["grades"][0]["domain"] if draft.get("grades") else "plan"
long = requests.patch(
    f"{BASE}/api/audits/{draft['id']}/",
    json={
        "version": draft["version"],
        "grades": {domain: {"grade": "G", "evidence": "x" * 10_001}},
    },
    headers=auditor,
)
check("10 evidence over 10,000 characters is refused", long.status_code == 400, short(long))

# ------------------------------------------------------------------ 11, 12, 15
for path, params in (
    ("/reports/trends/", {"month_to": "9999-12"}),
    ("/api/reports/monthly/", {"month": "1900-01"}),
):
    answer = moderator.get(BASE + path, params=params)
    check(f"11 {path} {params}", answer.status_code == 400, answer.status_code)
answer = requests.post(
    BASE + "/api/programmes/",
    json={
        "month": "2027-03",
        "tool": "case-file",
        "theme": "T",
        "audit_target": 2**31,
        "moderation_target": 1,
        "due_date": "2027-03-31",
    },
    headers=qa,
)
check("12 a target of 2^31 is refused", answer.status_code == 400, short(answer))
past = needed(
    Programme.objects.filter(month__lt=programme.month).order_by("-month").first(),
    f"No programme before {programme.month:%Y-%m}: " + SEED,
)
case = needed(
    Audit.objects.filter(auditor__username="demo.auditor").first(),
    "No audit by demo.auditor: " + SEED,
).case.reference
answer = requests.post(
    BASE + "/api/audits/",
    json={"case": case, "programme": past.pk, "resample_reason": "Seen again."},
    headers=auditor,
)
check(
    "15 an auditor cannot add an audit to a past programme",
    answer.status_code in (400, 403),
    short(answer),
)

# ------------------------------------------------------------------ 8
answer = requests.post(
    BASE + "/api/cases/",
    json={
        "reference": "LCS-1\nBcc: x@example.invalid",
        "team": hidden.case.team_id,
        "case_type": hidden.case.case_type,
    },
    headers=qa,
)
check("8  a case reference with a line break is refused", answer.status_code == 400, short(answer))

# ------------------------------------------------------------------ 13
action = requests.get(BASE + "/api/actions/", headers=auditor).json()["results"]
reads = AuditRead.objects.count()
requests.get(f"{BASE}/api/actions/{action[0]['id']}/", headers=auditor)
moderator.get(f"{BASE}/reports/monthly/download.xlsx", params={"month": month})
check(
    "13 an action read and a report export are logged",
    AuditRead.objects.count() - reads >= 2,
    f"{AuditRead.objects.count() - reads} new access-log rows",
)

# ------------------------------------------------------------------ 17, 18
schema = requests.get(BASE + "/api/schema/")
docs = requests.get(BASE + "/api/docs/", allow_redirects=False)
check(
    "17 the schema and docs need a signed-in role",
    schema.status_code == 401 and docs.status_code == 302,
    f"schema {schema.status_code}, docs {docs.status_code}",
)
# Not `answers`: that is check 4's pair of status codes.
bodies = {
    name: requests.get(BASE + "/api/audits/", params={"auditor": name}, headers=auditor).text
    for name in ("demo.viewer", "nobody-has-this-name")
}
check(
    "17 an existing and an unknown username answer the same",
    len(set(bodies.values())) == 1,
    list(bodies.values())[0][:120],
)
submitted = needed(
    Audit.objects.filter(status="submitted", moderations__isnull=True).first(),
    "No submitted audit outside the moderation sample: " + SEED,
)
answer = requests.post(
    BASE + "/api/moderations/", json={"audit": submitted.pk, "reason": "x" * 301}, headers=qa
)
check(
    "18 a hand-added reason over 300 characters is refused",
    answer.status_code == 400,
    short(answer),
)

# ------------------------------------------------------------------ 16 (SQLite only)
if "sqlite" in django.db.connection.vendor:
    target = needed(
        Moderation.objects.filter(status="sampled")
        .exclude(audit__auditor__username="demo.moderator")
        .first(),
        "No sampled moderation of another's audit left for demo.moderator to claim: " + SEED,
    )
    statuses: list[int] = []

    def claim():
        session = sign_in("demo.moderator")
        csrf = session.cookies.get("csrftoken")
        statuses.append(
            session.post(
                f"{BASE}/api/moderations/{target.pk}/claim/",
                json={},
                headers={"X-CSRFToken": csrf, "Referer": BASE},
            ).status_code
        )

    threads = [threading.Thread(target=claim) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check("16 racing claims on SQLite: no 500", 500 not in statuses, sorted(statuses))

print(f"\n{len(FAILED)} failed" + (f": {FAILED}" if FAILED else ""))
sys.exit(1 if FAILED else 0)
