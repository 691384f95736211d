"""The first QA lead of a new installation: after this, everything (tools, staff, history) is
done in the service by QA leads, without a developer or the Django admin."""

from django.core.management.base import BaseCommand, CommandError

from accounts.invites import invite_link
from core.errors import DomainError
from core.services.people import person_create


class Command(BaseCommand):
    help = (
        "Add a QA lead and print the link where they choose their password (it works once, "
        "for PASSWORD_RESET_TIMEOUT). With single sign-on, map a provider group to qa_lead "
        "instead (OIDC_GROUP_ROLES)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")

    def handle(self, *args, username, email, first_name, last_name, **options):
        try:
            person = person_create(
                actor=None,
                username=username,
                email=email,
                first_name=first_name,
                last_name=last_name,
                roles=["qa_lead"],
                reason="Added at installation (manage.py create_qa_lead).",
            )
        except DomainError as error:
            problems = [f"{field}: {' '.join(msgs)}" for field, msgs in error.field_errors.items()]
            raise CommandError(f"{error} {' '.join(problems)}") from error
        self.stdout.write(f"{person.username} is a QA lead. Choose a password here:")
        self.stdout.write(invite_link(person))
        self.stdout.write("Two-factor sign-in is set up at the first sign-in.")
