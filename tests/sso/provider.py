"""A small but real OpenID Connect provider for the single sign-on tests (Authlib + Flask).

Run as its own process on 127.0.0.1 (tests/sso/oidc_provider.py starts it); it listens on the
first free port of the range and prints it:

    python tests/sso/provider.py --ports 8110-8119

It serves what a council's provider (Microsoft Entra ID, Keycloak, ...) serves to the service:
discovery (/.well-known/openid-configuration), the signing keys (/jwks), the authorization
endpoint with its own sign-in form and session cookie, the token endpoint (authorization code
with PKCE, client secret by POST or Basic), userinfo and end-session. Tokens are RS256 ID
tokens signed with a key made at start-up. People and their groups are set by the tests
through /test/people and /test/clients (this provider's own set-up door; a real provider has an
administration console instead), and /test/events says what the provider was asked to do.
Nothing is stored on disk: a restart forgets everyone.
"""

import argparse
import secrets
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant as _AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator as _BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode as _OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, abort, jsonify, make_response, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

SESSION_COOKIE = "op_session"
KEY = RSAKey.generate_key(2048, parameters={"kid": "test-signing-key", "use": "sig"})

PEOPLE: dict[str, dict] = {}  # subject -> {"email", "given_name", "family_name", "groups"}
CLIENTS: dict[str, "Client"] = {}
CODES: dict[str, "AuthorizationCode"] = {}
TOKENS: dict[str, "Token"] = {}
SESSIONS: dict[str, str] = {}  # the provider's own sign-in sessions: cookie value -> subject
EVENTS: list[dict] = []


class Client(ClientMixin):
    def __init__(self, client_id: str, client_secret: str, redirect_uris: list[str]):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.client_metadata: dict = {}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        allowed = {"openid", "email", "profile", "groups"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


class AuthorizationCode(AuthorizationCodeMixin):
    def __init__(self, **fields):
        self.__dict__.update(fields)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_amr(self):
        return ["pwd", "mfa"]


class Token(TokenMixin):
    def __init__(self, client: Client, subject: str, scope: str, expires_in: int):
        self.client, self.subject, self.scope = client, subject, scope
        self.expires_at = time.time() + expires_in

    def check_client(self, client):
        return client.client_id == self.client.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int(self.expires_at - time.time())

    def is_expired(self):
        return time.time() > self.expires_at

    def is_revoked(self):
        return False

    def get_user(self):
        return self.subject

    def get_client(self):
        return self.client


def user_info(subject: str, scope: str) -> UserInfo:
    person = PEOPLE[subject]
    claims = UserInfo(sub=subject, groups=list(person["groups"]))
    if "email" in scope:
        claims["email"] = person["email"]
    if "profile" in scope:
        claims["given_name"] = person["given_name"]
        claims["family_name"] = person["family_name"]
        claims["name"] = f"{person['given_name']} {person['family_name']}"
    return claims


class OpenIDCode(_OpenIDCode):
    def exists_nonce(self, nonce, request):
        return any(code.nonce == nonce for code in CODES.values())

    def resolve_client_private_key(self, client):
        return KEY

    def get_client_algorithm(self, client):
        return "RS256"

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": KEY.kid}

    def get_client_claims(self, client):
        return {"iss": ISSUER, "aud": [client.get_client_id()]}

    def generate_user_info(self, user, scope):
        return user_info(user, scope)


class AuthorizationCodeGrant(_AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        data = request.payload.data
        CODES[code] = AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            subject=request.user,
            nonce=data.get("nonce"),
            auth_time=int(time.time()),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code, client):
        item = CODES.get(code)
        if item is not None and item.client_id == client.client_id:
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.subject


class BearerTokenValidator(_BearerTokenValidator):
    def authenticate_token(self, token_string):
        return TOKENS.get(token_string)


class ProviderUserInfo(UserInfoEndpoint):
    def get_issuer(self):
        return ISSUER

    def generate_user_info(self, user, scope):
        return user_info(user, scope)

    def resolve_private_key(self):
        return KEY


def save_token(token, request):
    TOKENS[token["access_token"]] = Token(
        request.client, request.user, token.get("scope", ""), token["expires_in"]
    )


app = Flask(__name__)
server = AuthorizationServer(app, query_client=CLIENTS.get, save_token=save_token)
server.register_grant(AuthorizationCodeGrant, [OpenIDCode(require_nonce=True), CodeChallenge()])
resource_protector = ResourceProtector()
resource_protector.register_token_validator(BearerTokenValidator())
server.register_endpoint(ProviderUserInfo(resource_protector=resource_protector))
ISSUER = ""


def signed_in_subject() -> str | None:
    subject = SESSIONS.get(request.cookies.get(SESSION_COOKIE, ""))
    return subject if subject in PEOPLE else None


SIGN_IN_FORM = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Council sign-in</title></head>
<body><main><h1>Council sign-in</h1>{error}
<form method="post">
<label for="email">Work e-mail address</label>
<input id="email" name="email" type="email" autocomplete="username">
<button type="submit">Continue</button>
</form></main></body></html>"""


@app.get("/.well-known/openid-configuration")
def discovery():
    return jsonify(
        issuer=ISSUER,
        authorization_endpoint=f"{ISSUER}/authorize",
        token_endpoint=f"{ISSUER}/token",
        userinfo_endpoint=f"{ISSUER}/userinfo",
        jwks_uri=f"{ISSUER}/jwks",
        end_session_endpoint=f"{ISSUER}/end-session",
        response_types_supported=["code"],
        subject_types_supported=["public"],
        id_token_signing_alg_values_supported=["RS256"],
        scopes_supported=["openid", "email", "profile", "groups"],
        token_endpoint_auth_methods_supported=["client_secret_post", "client_secret_basic"],
        code_challenge_methods_supported=["S256"],
        claims_supported=["sub", "email", "given_name", "family_name", "name", "groups"],
    )


@app.get("/jwks")
def jwks():
    return jsonify(keys=[KEY.as_dict(private=False)])


@app.route("/authorize", methods=["GET", "POST"])
def authorize():
    subject = signed_in_subject()
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        subject = next((s for s, p in PEOPLE.items() if p["email"].lower() == email), None)
        if subject is None:
            error = '<p id="error">No account with that e-mail address.</p>'
            return SIGN_IN_FORM.format(error=error), 200
    try:
        server.get_consent_grant(end_user=subject)
    except OAuth2Error as error:
        return jsonify(dict(error.get_body())), 400
    if subject is None:
        return SIGN_IN_FORM.format(error=""), 200
    EVENTS.append({"event": "authorize", "sub": subject})
    response = server.create_authorization_response(grant_user=subject)
    if request.method == "POST":
        cookie = secrets.token_urlsafe(16)
        SESSIONS[cookie] = subject
        response.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="Lax")
    return response


@app.post("/token")
def issue_token():
    return server.create_token_response()


@app.route("/userinfo", methods=["GET", "POST"])
def userinfo():
    return server.create_endpoint_response("userinfo")


@app.route("/end-session", methods=["GET", "POST"])
def end_session():
    """RP-initiated logout: the provider's session ends; back to the service if it asks."""
    values = request.values
    hint = values.get("id_token_hint", "")
    try:
        claims = jwt.decode(hint, KEY).claims if hint else {}
    except ValueError:
        abort(400, "id_token_hint is not an ID token of this provider")
    SESSIONS.pop(request.cookies.get(SESSION_COOKIE, ""), None)
    EVENTS.append({"event": "end_session", "sub": claims.get("sub"), "aud": claims.get("aud")})
    target = values.get("post_logout_redirect_uri")
    allowed = {uri for client in CLIENTS.values() for uri in client.redirect_uris}
    if target and any(target.startswith(uri.split("/accounts/")[0]) for uri in allowed):
        response = redirect(target)
    else:
        response = make_response("<!DOCTYPE html><title>Signed out</title><h1>Signed out</h1>")
    response.delete_cookie(SESSION_COOKIE)
    return response


# ---------------------------------------------------------------- the tests' set-up door


@app.put("/test/clients/<client_id>")
def put_client(client_id):
    body = request.get_json()
    CLIENTS[client_id] = Client(client_id, body["client_secret"], body["redirect_uris"])
    return jsonify(ok=True)


@app.put("/test/people/<subject>")
def put_person(subject):
    body = request.get_json()
    PEOPLE[subject] = {
        "email": body["email"],
        "given_name": body.get("given_name", ""),
        "family_name": body.get("family_name", ""),
        "groups": list(body.get("groups", [])),
    }
    return jsonify(ok=True)


@app.get("/test/events")
def events():
    return jsonify(EVENTS)


def main():
    global ISSUER
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", required=True, help="first-last, e.g. 8110-8119")
    args = parser.parse_args()
    first, last = (int(p) for p in args.ports.split("-"))
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 3600}
    for port in range(first, last + 1):
        try:
            # Werkzeug's server, threads for the service's parallel calls; loopback only. Binding
            # here, not probing first, is what keeps two test processes off one port.
            http = make_server("127.0.0.1", port, app, threaded=True)
        except (OSError, SystemExit):  # Werkzeug exits on "address already in use"
            continue
        ISSUER = f"http://127.0.0.1:{port}"
        print(port, flush=True)
        http.serve_forever()
        return
    raise SystemExit(f"No free port in {args.ports}")


if __name__ == "__main__":
    main()
