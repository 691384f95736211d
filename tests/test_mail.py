"""E-mail leaves by SMTP (a real aiosmtpd server on 127.0.0.1) or GOV.UK Notify (its official
client talking to a local stand-in of the Notify API), as EMAIL_PROVIDER chooses."""

import json
import os
import smtplib
import threading
import uuid
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core import mail
from django.core.management import call_command
from notifications_python_client.errors import HTTPError


def _port(offset: int) -> int:
    """This project's ports for the tests (8100-8109): one per xdist worker, so two workers
    running these tests at once never share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 8100 + offset + int(worker.removeprefix("gw") or 0) % 2


class Inbox:
    """aiosmtpd handler: keeps every message it is given, with who signed in to send it."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "login": session.auth_data if session.authenticated else None,
                "message": message_from_bytes(envelope.content),
            }
        )
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"relay-user",
        b"relay-password",
    )
    # A refusal is answered by aiosmtpd itself (535), as a real server would.
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_port(0),
        authenticator=authenticator,
        auth_require_tls=False,  # no certificate here; TLS itself is Django's and smtplib's
    )
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = "relay-user"
    settings.EMAIL_HOST_PASSWORD = "relay-password"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "case-file-audit@example.gov.uk"
    try:
        yield inbox
    finally:
        controller.stop()


def test_smtp_delivers_with_the_configured_host_port_and_sign_in(smtp_server):
    sent = mail.send_mail("Audit due soon", "Case CIN/123 is due.", None, ["tm@example.gov.uk"])
    assert sent == 1
    [received] = smtp_server.messages
    assert received["from"] == "case-file-audit@example.gov.uk"
    assert received["to"] == ["tm@example.gov.uk"]
    assert received["login"] == b"relay-user"
    assert received["message"]["Subject"] == "Audit due soon"
    assert received["message"].get_payload().strip() == "Case CIN/123 is due."


def test_smtp_with_a_wrong_password_raises_so_the_outbox_keeps_the_e_mail(smtp_server, settings):
    settings.EMAIL_HOST_PASSWORD = "wrong"
    backend = mail.get_connection()
    with pytest.raises(smtplib.SMTPAuthenticationError):
        mail.send_mail("Subject", "Body", None, ["tm@example.gov.uk"], connection=backend)
    backend.close()  # Django's backend leaves the refused connection open
    assert smtp_server.messages == []


def test_sendtestemail_goes_through_the_configured_server(smtp_server):
    call_command("sendtestemail", "you@example.org")
    [received] = smtp_server.messages
    assert received["to"] == ["you@example.org"]
    assert received["message"]["Subject"].startswith("Test email from")


# -- GOV.UK Notify ------------------------------------------------------------------------------

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"case_file_audit_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = str(uuid.uuid4())


class NotifyStandIn(BaseHTTPRequestHandler):
    """The part of Notify's API the client uses: POST /v2/notifications/email."""

    received: list[dict]
    status = 201

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append(
            {"path": self.path, "authorization": self.headers["Authorization"], "body": body}
        )
        if self.status == 201:
            answer = {
                "id": str(uuid.uuid4()),
                "content": {"subject": body["personalisation"]["subject"]},
                "template": {"id": body["template_id"], "version": 1},
            }
        else:
            answer = {
                "status_code": self.status,
                "errors": [{"error": "BadRequestError", "message": "Can't send to this recipient"}],
            }
        payload = json.dumps(answer).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def notify(settings):
    handler = type("Handler", (NotifyStandIn,), {"received": [], "status": 201})
    server = ThreadingHTTPServer(("127.0.0.1", _port(2)), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "config.mail.NotifyEmailBackend"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_TEMPLATE_ID = TEMPLATE_ID
    settings.NOTIFY_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def test_notify_sends_each_recipient_through_the_one_template(notify):
    sent = mail.send_mail(
        "Moderation complete",
        "The moderation of case CIN/123 is complete.",
        None,
        ["tm@example.gov.uk", "lm@example.gov.uk"],
    )
    assert sent == 1
    assert [r["path"] for r in notify.received] == ["/v2/notifications/email"] * 2
    assert [r["body"] for r in notify.received] == [
        {
            "email_address": address,
            "template_id": TEMPLATE_ID,
            "personalisation": {
                "subject": "Moderation complete",
                "body": "The moderation of case CIN/123 is complete.",
            },
        }
        for address in ("tm@example.gov.uk", "lm@example.gov.uk")
    ]
    # Signed with the key's secret, issued by its service, as Notify checks.
    scheme, token = notify.received[0]["authorization"].split()
    assert scheme == "Bearer"
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["iss"] == SERVICE_ID


def test_a_notify_refusal_raises_so_the_outbox_keeps_the_e_mail(notify):
    notify.status = 400
    with pytest.raises(HTTPError, match="Can't send to this recipient"):
        mail.send_mail("Subject", "Body", None, ["tm@example.gov.uk"])
    assert mail.send_mail("Subject", "Body", None, ["tm@example.gov.uk"], fail_silently=True) == 0


def test_sendtestemail_goes_through_notify(notify):
    call_command("sendtestemail", "you@example.org")
    [request] = notify.received
    assert request["body"]["email_address"] == "you@example.org"
    assert request["body"]["personalisation"]["subject"].startswith("Test email from")
