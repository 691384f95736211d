"""A mail backend standing in for an SMTP server that is down: outside the project, so the
tests replace it rather than anything of ours. Switch it with `FlakySMTP.down` / `.up`."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FlakySMTP(EmailBackend):
    """Delivers into django.core.mail.outbox like locmem, or refuses while it is down."""

    is_down = False
    attempts = 0

    @classmethod
    def down(cls) -> None:
        cls.is_down = True

    @classmethod
    def up(cls) -> None:
        cls.is_down = False

    def send_messages(self, messages):
        type(self).attempts += 1
        if type(self).is_down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
