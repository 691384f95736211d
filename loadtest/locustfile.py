"""A working day's mix for locust: team managers, heads of service and QA officers.

Run through scripts/load, which seeds the accounts (manage.py seed_load) and starts gunicorn;
see loadtest/README.md. Each simulated person takes an account of their own from the users
file (LOAD_USERS_FILE), with work nobody else touches, so saves never race each other: any
409, 400 or 500 here is a real failure.

- Auditors (team managers) use the pages, signed in, as a browser does: My audits, open an
  audit, open the form and save a draft, fill it in and submit.
- Viewers (heads of service) read the monthly report, trends and their areas' audits.
- Moderators (QA officers) use the API with a token: the queue, then claim, save twice and
  complete each of their sampled audits, and the monthly report's figures.

The users are locust's FastHttpUser (geventhttpclient), not HttpUser (python-requests): the
generator shares the machine's two cores with the service it measures, and FastHttpUser takes
about half the CPU a request (1.2 ms instead of 2.2 ms here).
"""

import itertools
import json
import os
import random
import threading

from locust import FastHttpUser, between, events, task
from locust.exception import StopUser
from pages import audit_form_fields, audit_form_read, audit_links  # locust puts loadtest/ first

USERS_FILE = os.environ.get("LOAD_USERS_FILE", "loadtest/users.json")
THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", "1"))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", "3"))
# Several web processes (scripts/load starts two): each simulated person is given one of these
# base URLs in turn, as a round-robin balancer would, and keeps it (its session lives there
# too, though sessions are in the database and any process could serve them).
HOSTS = os.environ.get("LOAD_HOSTS", "").split()
_hosts = itertools.cycle(HOSTS)
_hosts_lock = threading.Lock()


class SpreadUser(FastHttpUser):
    """A user whose requests go to the next of LOAD_HOSTS (or locust's --host without it)."""

    abstract = True

    def __init__(self, environment):
        super().__init__(environment)
        if HOSTS:
            with _hosts_lock:
                self.client.base_url = next(_hosts)


class Accounts:
    """The users file, handed out one account at a time (one locust process runs them all)."""

    _lock = threading.Lock()
    _data: dict | None = None
    _pools: dict = {}

    @classmethod
    def data(cls) -> dict:
        with cls._lock:
            if cls._data is None:
                with open(USERS_FILE, encoding="utf-8") as handle:
                    cls._data = json.load(handle)
                cls._pools = {
                    role: iter(cls._data[role]) for role in ("auditors", "moderators", "viewers")
                }
            return cls._data

    @classmethod
    def take(cls, role: str) -> dict:
        cls.data()
        with cls._lock:
            account = next(cls._pools[role], None)
        if account is None:
            # Loud, not silent: a run with fewer accounts than users measures the wrong thing.
            events.request.fire(
                request_type="SETUP",
                name=f"no {role[:-1]} account left (seed more with seed_load)",
                response_time=0,
                response_length=0,
                exception=RuntimeError(f"No {role} account left in {USERS_FILE}."),
                context={},
            )
            raise StopUser()
        return account


def sign_in(user: FastHttpUser, account: dict) -> None:
    """The sign-in page, then the form with its CSRF token, as a browser sends it."""
    client = user.client
    client.get("/accounts/login/", name="/accounts/login/ (page)")
    with client.post(
        "/accounts/login/",
        data={
            "username": account["username"],
            "password": account["password"],
            "csrfmiddlewaretoken": csrf(user),
        },
        name="/accounts/login/ (sign in)",
        allow_redirects=False,
        catch_response=True,
    ) as response:
        if response.status_code != 302:
            response.failure(f"sign-in refused ({status(response)})")
            raise StopUser()


def status(response) -> str:
    """The status code, or what went wrong when there is none (0: no response at all)."""
    return str(response.status_code or repr(response.error))


def csrf(user: FastHttpUser) -> str:
    """The CSRF cookie's value (FastHttpSession keeps its cookies in a standard CookieJar)."""
    # A cookie set without a value has None: that is no token either.
    return next((c.value or "" for c in user.client.cookiejar if c.name == "csrftoken"), "")


def months(user_data: dict) -> list[str]:
    return user_data["report_months"] or [""]


class Auditor(SpreadUser):
    """A team manager working through this month's audits on the pages."""

    weight = 6
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        self.account = Accounts.take("auditors")
        self.to_do = list(self.account["audits"])
        self.submitted: list[int] = []
        self.saves = 0
        sign_in(self, self.account)

    @task(3)
    def my_audits(self):
        self.client.get("/audits/mine/", name="/audits/mine/")

    @task(3)
    def open_audit(self):
        audit_id = random.choice(self.to_do + self.submitted)
        self.client.get(f"/audits/{audit_id}/", name="/audits/[id]/")

    @task(3)
    def save_draft(self):
        if not self.to_do:
            return self.my_audits()
        audit_id = self.to_do[0]
        version, domains = self._open_form(audit_id)
        if version is None:
            return
        self.saves += 1
        # A few more domains graded each time, as a manager fills the form in over a week.
        graded = domains[: min(len(domains), 2 + self.saves % len(domains))]
        fields = audit_form_fields(
            csrf=csrf(self), version=version, domains=domains, graded=graded, submit=False
        )
        self._post_form(audit_id, fields, name="/audits/[id]/edit/ (save draft)")

    @task(1)
    def submit(self):
        if not self.to_do:
            return self.my_audits()
        audit_id = self.to_do[0]
        version, domains = self._open_form(audit_id)
        if version is None:
            return
        fields = audit_form_fields(
            csrf=csrf(self), version=version, domains=domains, graded=domains, submit=True
        )
        if self._post_form(audit_id, fields, name="/audits/[id]/edit/ (submit)"):
            self.submitted.append(self.to_do.pop(0))

    def _open_form(self, audit_id: int) -> tuple[int | None, list[str]]:
        with self.client.get(
            f"/audits/{audit_id}/edit/", name="/audits/[id]/edit/ (form)", catch_response=True
        ) as response:
            version, domains = audit_form_read(response.text or "")
            if response.status_code != 200 or version is None:
                response.failure(f"no audit form ({status(response)})")
            return version, domains

    def _post_form(self, audit_id: int, fields: dict, *, name: str) -> bool:
        """Post the form; the service's answer is a redirect, which the browser then follows."""
        with self.client.post(
            f"/audits/{audit_id}/edit/",
            data=fields,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not saved ({status(response)})")
                return False
            location = response.headers["Location"]
        follow = "/audits/[id]/" if "edit" not in location else "/audits/[id]/edit/ (form)"
        self.client.get(location, name=follow)
        return True


class Viewer(SpreadUser):
    """A head of service reading the monthly report, trends and their areas' audits."""

    weight = 2
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        self.account = Accounts.take("viewers")
        self.months = months(Accounts.data())
        self.seen: list[str] = []
        sign_in(self, self.account)

    @task(4)
    def monthly_report(self):
        month = random.choice(self.months[:3])
        self.client.get(f"/reports/monthly/?month={month}", name="/reports/monthly/")

    @task(1)
    def monthly_report_for_an_area(self):
        month = random.choice(self.months[:3])
        area = random.choice(self.account["areas"])
        self.client.get(
            f"/reports/monthly/?month={month}&service_area={area}",
            name="/reports/monthly/?service_area",
        )

    @task(2)
    def trends(self):
        self.client.get("/reports/trends/", name="/reports/trends/")

    @task(2)
    def audit_list(self):
        response = self.client.get("/audits/", name="/audits/")
        self.seen = audit_links(response.text or "") or self.seen

    @task(2)
    def open_audit(self):
        if not self.seen:
            return self.audit_list()
        self.client.get(f"/audits/{random.choice(self.seen)}/", name="/audits/[id]/")


class Moderator(SpreadUser):
    """A QA officer working through their part of the sample through the API."""

    weight = 2
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        self.account = Accounts.take("moderators")
        self.months = months(Accounts.data())
        # Sent with every request: the session's user agent's default headers.
        self.client.client.default_headers["Authorization"] = f"Token {self.account['token']}"
        self.waiting = iter(self.account["moderations"])
        self.current: dict | None = None
        self.saves = 0

    @task(3)
    def queue(self):
        self.client.get("/api/moderations/?status=sampled", name="/api/moderations/?status")

    @task(1)
    def mine(self):
        self.client.get("/api/moderations/?mine=true", name="/api/moderations/?mine")

    @task(1)
    def monthly_figures(self):
        month = random.choice(self.months[:3])
        self.client.get(f"/api/reports/monthly/?month={month}", name="/api/reports/monthly/")

    @task(5)
    def moderate(self):
        """One step at a time: claim, read, save a draft twice, complete."""
        # The moderation in hand, read once: the later steps are given it, never None.
        current = self.current
        if current is None:
            self._claim()
        elif self.saves < 2:
            self._save(current)
        else:
            self._complete(current)

    def _claim(self):
        moderation_id = next(self.waiting, None)
        if moderation_id is None:
            return self.queue()
        self.current = self._json(
            "post", f"/api/moderations/{moderation_id}/claim/", "claim", json={}
        )
        self.saves = 0

    def _save(self, current: dict):
        pk = current["id"]
        self.current = self._json("get", f"/api/moderations/{pk}/", "[id]")
        if self.current is None:
            return
        grades = self.current["grades"]
        # Agreeing with the auditor needs no rationale; a few more domains each time.
        part = grades[: (self.saves + 1) * max(1, len(grades) // 3)]
        self.current = self._json(
            "patch",
            f"/api/moderations/{pk}/",
            "[id] (save draft)",
            json={
                "version": self.current["version"],
                "grades": {g["domain"]: {"grade": g["auditor_grade"]} for g in part},
                "summary": "Checking the plan and the chronology.",
            },
        )
        self.saves += 1

    def _complete(self, current: dict):
        pk = current["id"]
        body = {
            "version": current["version"],
            "overall": current["overall_comparison"]["auditor_overall"],
            "grades": {g["domain"]: {"grade": g["auditor_grade"]} for g in current["grades"]},
            "summary": "I agree with your grades: the evidence you cite is on file.",
        }
        self._json("post", f"/api/moderations/{pk}/complete/", "[id]/complete", json=body)
        self.current = None

    def _json(self, method: str, url: str, label: str, **kwargs) -> dict | None:
        with self.client.request(
            method, url, name=f"/api/moderations/{label}", catch_response=True, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(f"{status(response)}: {(response.text or '')[:200]}")
                self.current = None
                return None
            return response.json()


@events.test_start.add_listener
def check_accounts(environment, **kwargs):
    """Fail at once, before any load, when the users file is missing or unreadable."""
    data = Accounts.data()
    roles = ("auditors", "moderators", "viewers")
    counts = ", ".join(f"{len(data[role])} {role}" for role in roles)
    print(f"Accounts in {USERS_FILE}: {counts}.")
