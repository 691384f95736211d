"""Lift a sign-in lockout from the command line (the admin's "Unlock" action is the other
way): the counts live in the shared cache, so this works from any machine of the service."""

from django.core.management.base import BaseCommand, CommandError

from accounts.lockout import sign_in_unlock
from core.errors import DomainError
from core.models import User


class Command(BaseCommand):
    help = (
        "Unlock sign-in for USERNAME: from --address only, or from every address it failed "
        "from within the cool-off. Recorded as an 'Unlocked' sign-in event, with --actor."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--address", default=None, help="Only this client address.")
        parser.add_argument("--actor", default=None, help="The username of who asked for it.")
        parser.add_argument("--reason", default="Unlocked with manage.py unlock_sign_in.")

    def handle(self, *args, username, address, actor, reason, **options):
        by = None
        if actor is not None:
            by = User._default_manager.filter(**{User.USERNAME_FIELD: actor}).first()
            if by is None:
                raise CommandError(f"No such person: {actor}.")
        try:
            cleared = sign_in_unlock(username=username, ip_address=address, actor=by, reason=reason)
        except DomainError as error:
            raise CommandError(str(error)) from error
        for where in cleared:
            self.stdout.write(
                f"Sign-in unlocked for {username} from {where or 'an unknown address'}."
            )
