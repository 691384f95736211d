"""python manage.py oidc_endpoints ISSUER: the OIDC_OP_* settings of a provider, read from its
discovery document (ISSUER/.well-known/openid-configuration), to paste into the environment."""

import requests
from django.core.management.base import BaseCommand, CommandError

# Setting -> the discovery document's field (OpenID Connect Discovery 1.0).
FIELDS = {
    "OIDC_OP_ISSUER": "issuer",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
}


class Command(BaseCommand):
    help = (
        "Print the OIDC_OP_* settings of an OpenID Connect provider from its discovery "
        "document, e.g. https://login.microsoftonline.com/TENANT_ID/v2.0 for Microsoft Entra ID."
    )

    def add_arguments(self, parser):
        parser.add_argument("issuer", help="The provider's issuer URL.")

    def handle(self, *args, issuer: str, **options):
        url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            answer = requests.get(url, timeout=10)
            answer.raise_for_status()
            document = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise CommandError(f"Could not read {url}: {error}") from error
        missing = [field for field in FIELDS.values() if not document.get(field)]
        for setting, field in FIELDS.items():
            if document.get(field):
                self.stdout.write(f"{setting}={document[field]}")
        if "end_session_endpoint" in missing:
            self.stderr.write(
                "The provider has no end_session_endpoint: signing out of the service will not "
                "sign people out of the provider."
            )
            missing.remove("end_session_endpoint")
        if missing:
            raise CommandError(f"The discovery document lacks: {', '.join(missing)}")
