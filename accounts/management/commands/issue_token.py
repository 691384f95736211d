"""python manage.py issue_token USERNAME [--rotate]: print a new API token for a user."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.tokens import api_token_issue, api_tokens_revoke
from accounts.two_factor import confirmed_device
from core.errors import DomainError
from core.models import User


class Command(BaseCommand):
    help = (
        "Print a new API token for a user (only its digest is kept, so each run issues a new "
        "one; it expires after API_TOKEN_TTL hours). --rotate revokes the user's other tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Revoke the user's tokens before issuing one."
        )

    @transaction.atomic
    def handle(self, *args, username: str, rotate: bool, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user with username {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username!r} is not active: no token issued.")
        # The administrator stands for the second factor; the token goes with the person's app.
        device = confirmed_device(user)
        if rotate:
            api_tokens_revoke(user=user, reason="rotated by an administrator")
        try:
            _instance, token = api_token_issue(user=user, device=device)
        except DomainError as error:
            raise CommandError(f"{username!r}: {error.message} No token issued.") from error
        self.stdout.write(token)
