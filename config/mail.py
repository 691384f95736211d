"""GOV.UK Notify as a Django e-mail backend (EMAIL_PROVIDER=notify), through Notify's official
client (notifications-python-client).

Notify sends only from templates: one template whose subject is ((subject)) and whose body is
((body)) (NOTIFY_TEMPLATE_ID) carries every e-mail of the service, one notification per
recipient. A refusal or an unreachable Notify raises (unless fail_silently), so the outbox
(moderation/notifications.py) keeps the e-mail and tries again.
"""

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from notifications_python_client.notifications import NotificationsAPIClient


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self.client: NotificationsAPIClient | None = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        options: dict = {"timeout": settings.EMAIL_TIMEOUT}
        if settings.NOTIFY_BASE_URL:
            options["base_url"] = settings.NOTIFY_BASE_URL
        self.client = NotificationsAPIClient(settings.NOTIFY_API_KEY, **options)
        return True

    def close(self) -> None:
        if self.client is not None:
            self.client.request_session.close()
            self.client = None

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        opened = self.open()
        sent = 0
        try:
            for message in email_messages:
                try:
                    self._send(message)
                except Exception:
                    if not self.fail_silently:
                        raise
                else:
                    sent += 1
        finally:
            if opened:
                self.close()
        return sent

    def _send(self, message) -> None:
        assert self.client is not None
        personalisation = {"subject": message.subject, "body": message.body}
        for address in message.recipients():
            self.client.send_email_notification(
                email_address=address,
                template_id=settings.NOTIFY_TEMPLATE_ID,
                personalisation=personalisation,
            )
