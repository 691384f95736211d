"""Invitations: an e-mail with a link to choose a password, made with Django's password-reset
tokens (signed, expiring after PASSWORD_RESET_TIMEOUT, and void once the password is set,
since the token covers the password hash). After setting a password the person signs in as
everyone does, and sets up two-factor sign-in where their role requires it."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from core.models import User
from core.services.people import person_invited

INVITE_SUBJECT = "You have been invited to the case file audit service"


def invite_link(person: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    path = reverse("set_password", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def person_invite(*, actor: User, person: User) -> None:
    """Record the invitation and e-mail the link once the transaction commits."""
    person_invited(actor=actor, person=person)
    body = (
        f"Hello {person.get_full_name() or person.username},\n\n"
        f"{actor.get_full_name() or actor.username} has invited you to the case file audit "
        f"service. Your username is {person.username}.\n\n"
        "Choose your password here (the link works once, for "
        f"{settings.PASSWORD_RESET_TIMEOUT // 86400} days):\n{invite_link(person)}\n\n"
        "Then sign in. If your role needs two-factor sign-in you will be asked to set up an "
        "authenticator app.\n"
    )
    email = person.email
    transaction.on_commit(
        lambda: send_mail(INVITE_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [email])
    )


def invited_person(uidb64: str, token: str) -> User | None:
    """The active person this link was made for, or None if it is wrong, used or expired."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    person = User.objects.filter(pk=pk, is_active=True).first()
    if person is None or not default_token_generator.check_token(person, token):
        return None
    return person
