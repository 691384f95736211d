"""Issue 13, item 1: single sign-on against a real OpenID Connect provider process
(tests/sso/provider.py, Authlib + Flask on 127.0.0.1), through mozilla-django-oidc: sign-in,
a refused group, a removed group taking the role away at the next sign-in, sign-out of the
service and of the provider, and the rules around them."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.oidc import (
    ADMINISTRATOR,
    NO_ACCOUNT,
    NO_MAPPED_GROUP,
    OTHER_SUBJECT,
    SSO_SESSION_KEY,
)
from core.models import StaffEvent, User
from core.services.roles import FROM_PROVIDER
from tests.factories import UserFactory
from tests.sso.oidc_provider import CLIENT_ID, GROUP_ROLES, Browser, configure

pytestmark = pytest.mark.django_db


def signed_in_as(client) -> str | None:
    page = client.get("/audits/mine/")
    if page.status_code != 200:
        return None
    return page.context["user"].get_username()


def test_a_first_sign_in_makes_the_account_with_the_role_and_team_its_group_gives(
    client, sso, team
):
    sso.person(
        "sub-ann",
        "ann.manager@council.example",
        ["cfa-cin-team-1", "cfa-other"],
        given_name="Ann",
        family_name="Manager",
    )
    answer = Browser(client).sign_in("ann.manager@council.example", next_path="/audits/mine/")
    assert answer.status_code == 302 and answer["Location"] == "/audits/mine/"
    assert signed_in_as(client) == "ann.manager@council.example"
    user = User.objects.get(oidc_subject="sub-ann")
    assert (user.email, user.first_name, user.last_name) == (
        "ann.manager@council.example",
        "Ann",
        "Manager",
    )
    assert not user.has_usable_password()
    assert user.is_auditor and not user.is_moderator and user.team == team
    changes = StaffEvent.objects.filter(person=user, kind="access")
    assert sorted((c.old, c.new) for c in changes) == [
        ("", "Role: Auditor (team manager)"),
        ("", "Team: Children in need / CIN team 1"),
    ]
    assert {(c.reason, c.actor) for c in changes} == {(FROM_PROVIDER, None)}
    assert client.session[SSO_SESSION_KEY] is True


def test_someone_in_no_mapped_group_is_refused_with_a_page_that_says_why(client, sso):
    sso.person("sub-fin", "finance@council.example", ["finance-team"])
    answer = Browser(client).sign_in("finance@council.example")
    assert answer.status_code == 403
    assert "You cannot sign in to this service" in answer.content.decode()
    assert NO_MAPPED_GROUP in answer.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.filter(email="finance@council.example").exists()


def test_a_group_taken_away_at_the_provider_takes_its_role_away_at_the_next_sign_in(
    client, sso, area
):
    sso.person("sub-kim", "kim@council.example", ["cfa-qa-officers", "cfa-heads-cin"])
    browser = Browser(client)
    browser.sign_in("kim@council.example")
    kim = User.objects.get(oidc_subject="sub-kim")
    assert kim.is_moderator and kim.is_viewer and list(kim.service_areas.all()) == [area]
    browser.sign_out()

    sso.person("sub-kim", "kim@council.example", ["cfa-qa-officers"])
    assert browser.sign_in("kim@council.example").status_code == 302
    kim = User.objects.get(pk=kim.pk)
    assert kim.is_moderator and not kim.is_viewer and not kim.service_areas.exists()
    removed = StaffEvent.objects.filter(person=kim, kind="access", new="")
    assert sorted((c.old, c.reason) for c in removed) == [
        ("Role: Viewer (head of service)", FROM_PROVIDER),
        ("Service area read: Children in need", FROM_PROVIDER),
    ]
    browser.sign_out()

    # Out of every mapped group: refused, and the last role goes too (recorded).
    sso.person("sub-kim", "kim@council.example", [])
    refused = browser.sign_in("kim@council.example")
    assert refused.status_code == 403 and NO_MAPPED_GROUP in refused.content.decode()
    kim = User.objects.get(pk=kim.pk)
    assert not kim.groups.exists()
    assert StaffEvent.objects.filter(
        person=kim, kind="access", old="Role: Moderator (QA officer)", new=""
    ).exists()
    assert signed_in_as(client) is None


def test_sign_out_ends_the_service_session_and_the_providers(client, sso, team):
    sso.person("sub-sam", "sam@council.example", ["cfa-cin-team-1"])
    browser = Browser(client)
    browser.sign_in("sam@council.example")
    assert signed_in_as(client) == "sam@council.example"
    old_cookie = client.cookies["sessionid"].value
    answer, at_provider = browser.sign_out()
    assert answer["Location"].startswith(sso.discovery["end_session_endpoint"] + "?")
    # The provider ended its session for this person and this service, and sent them back.
    assert at_provider.status_code == 302
    assert at_provider.headers["Location"] == "http://testserver/accounts/login/"
    ended = [e for e in sso.events() if e["event"] == "end_session"][-1]
    assert ended == {"event": "end_session", "sub": "sub-sam", "aud": [CLIENT_ID]}
    assert signed_in_as(client) is None
    client.cookies["sessionid"] = old_cookie
    assert signed_in_as(client) is None  # the old cookie is worthless
    # The provider asks who they are again: its session is gone too.
    start = client.get("/accounts/oidc/start/")
    assert "Work e-mail address" in browser.at_provider.get(start["Location"], timeout=5).text


def test_without_an_end_session_endpoint_only_the_service_session_ends(client, sso, settings, team):
    settings.OIDC_OP_END_SESSION_ENDPOINT = ""
    sso.person("sub-lee", "lee@council.example", ["cfa-cin-team-1"])
    browser = Browser(client)
    browser.sign_in("lee@council.example")
    answer, at_provider = browser.sign_out()
    assert answer["Location"] == "/accounts/login/" and at_provider is None
    assert signed_in_as(client) is None


def test_a_qa_lead_is_not_asked_for_the_services_own_code_unless_the_setting_says_so(
    client, sso, settings
):
    sso.person("sub-qa", "qa.lead@council.example", ["cfa-qa-leads"])
    Browser(client).sign_in("qa.lead@council.example")
    assert client.get("/reports/monthly/").status_code == 200
    client.logout()
    settings.OIDC_SKIP_LOCAL_TWO_FACTOR = False
    Browser(client).sign_in("qa.lead@council.example")
    assert client.get("/reports/monthly/")["Location"].startswith("/account/two-factor/setup/")


def test_matched_by_email_an_existing_account_keeps_its_username_and_stores_the_subject(
    client, sso, team
):
    existing = UserFactory(username="jo", email="Jo.Smith@Council.example", roles=["moderator"])
    sso.person("sub-jo", "jo.smith@council.example", ["cfa-cin-team-1"])
    Browser(client).sign_in("jo.smith@council.example")
    assert signed_in_as(client) == "jo"
    existing.refresh_from_db()
    assert existing.oidc_subject == "sub-jo"
    assert existing.is_auditor and not existing.is_moderator  # the provider decides


def test_matched_by_email_a_changed_address_still_finds_the_person_by_subject(client, sso):
    person = UserFactory(username="viv", email="viv@council.example", roles=["moderator"])
    sso.person("sub-viv", "viv@council.example", ["cfa-qa-officers"])
    browser = Browser(client)
    browser.sign_in("viv@council.example")
    browser.sign_out()
    sso.person("sub-viv", "vivian.jones@council.example", ["cfa-qa-officers"])
    browser.sign_in("vivian.jones@council.example")
    assert signed_in_as(client) == "viv"
    person.refresh_from_db()
    assert person.email == "vivian.jones@council.example"
    assert User.objects.filter(oidc_subject="sub-viv").count() == 1


def test_an_account_linked_to_another_subject_is_refused(client, sso):
    UserFactory(username="pat", email="pat@council.example", oidc_subject="sub-original")
    sso.person("sub-impostor", "pat@council.example", ["cfa-qa-leads"])
    answer = Browser(client).sign_in("pat@council.example")
    assert answer.status_code == 403 and OTHER_SUBJECT in answer.content.decode()


def test_matched_by_subject_a_changed_email_still_finds_the_person(client, sso, settings):
    settings.OIDC_MATCH_BY = "subject"
    person = UserFactory(username="alex", email="old@council.example", oidc_subject="sub-alex")
    sso.person("sub-alex", "alex.new@council.example", ["cfa-qa-officers"])
    Browser(client).sign_in("alex.new@council.example")
    assert signed_in_as(client) == "alex"
    person.refresh_from_db()
    assert person.email == "alex.new@council.example" and person.is_moderator


def test_without_account_creation_someone_new_is_refused(client, sso, settings):
    settings.OIDC_CREATE_USERS = False
    sso.person("sub-new", "new@council.example", ["cfa-qa-officers"])
    answer = Browser(client).sign_in("new@council.example")
    assert answer.status_code == 403 and NO_ACCOUNT in answer.content.decode()
    assert not User.objects.filter(oidc_subject="sub-new").exists()


def test_an_administrator_signs_in_with_a_password_never_through_the_provider(client, sso):
    UserFactory(username="admin", email="admin@council.example", is_staff=True)
    sso.person("sub-admin", "admin@council.example", ["cfa-qa-leads"])
    answer = Browser(client).sign_in("admin@council.example")
    assert answer.status_code == 403 and ADMINISTRATOR in answer.content.decode()
    # The break-glass way in stays: the password (then the two-factor set-up it requires).
    client.post("/accounts/login/", {"username": "admin", "password": "correct-horse-battery"})
    assert client.get("/audits/mine/")["Location"].startswith("/account/two-factor/setup/")


def test_the_sign_in_page_offers_the_council_account_only_when_configured(client, sso, settings):
    page = client.get("/accounts/login/?next=/reports/monthly/").content.decode()
    assert "Sign in with your council account" in page
    assert 'href="/accounts/oidc/start/?next=/reports/monthly/"' in page
    settings.OIDC_ENABLED = False
    assert (
        "Sign in with your council account" not in client.get("/accounts/login/").content.decode()
    )
    assert client.get("/accounts/oidc/start/").status_code == 404


def test_a_provider_that_does_not_answer_is_a_page_not_a_500(client, sso, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens there
    sso.person("sub-ola", "ola@council.example", ["cfa-qa-officers"])
    answer = Browser(client).sign_in("ola@council.example")
    assert answer.status_code == 502
    assert "did not answer as expected" in answer.content.decode()
    assert signed_in_as(client) is None


def test_a_callback_with_a_forged_state_signs_nobody_in(client, sso):
    answer = client.get("/accounts/oidc/callback/", {"code": "x", "state": "forged"})
    assert answer.status_code == 502
    client.get("/accounts/oidc/start/")  # a real state in the session, not this one
    answer = client.get("/accounts/oidc/callback/", {"code": "x", "state": "forged"})
    assert answer.status_code == 502
    assert signed_in_as(client) is None


def test_an_id_token_from_another_issuer_is_refused(client, sso, settings, provider):
    """mozilla-django-oidc checks the signature only; the issuer (and audience) are checked
    here (accounts/oidc.py)."""
    provider.register("http://testserver/accounts/oidc/callback/")
    configure(settings, provider, OIDC_OP_ISSUER="http://issuer.elsewhere.example")
    sso.person("sub-iss", "iss@council.example", ["cfa-qa-officers"])
    answer = Browser(client).sign_in("iss@council.example")
    assert answer.status_code == 502 and signed_in_as(client) is None


def test_a_qa_lead_reads_which_group_gives_what(client, sso, settings, qa_lead, auditor, area):
    fostering = {"roles": ["viewer"], "areas": ["Fostering"]}  # no such area in the service
    settings.OIDC_GROUP_ROLES = {**GROUP_ROLES, "cfa-heads-fostering": fostering}
    assert client.get("/sign-in-groups/")["Location"].startswith("/accounts/login/")
    client.force_login(auditor)
    assert client.get("/sign-in-groups/").status_code == 403
    sso.person("sub-kim", "kim@council.example", ["cfa-heads-cin"])
    Browser(client).sign_in("kim@council.example")
    client.force_login(qa_lead)
    page = client.get("/sign-in-groups/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "CIN team 1 managers" in html and "cfa-cin-team-1" in html
    assert "Auditor (team manager)" in html and "QA lead" in html
    # An area the mapping names that the service does not have: flagged, not hidden.
    assert html.count("Not in the service") == 1 and "Not in the service: Fostering" in html
    assert "Given: Role: Viewer (head of service)" in html
    assert "Given: Service area read: Children in need" in html
    assert "from the identity provider" in html


def test_a_broken_mapping_refuses_everyone_with_a_reason_and_the_page_says_so(
    client, sso, settings, qa_lead
):
    settings.OIDC_GROUP_ROLES = {"cfa-qa-leads": "qa-lead"}  # not a role
    sso.person("sub-qa", "qa.lead@council.example", ["cfa-qa-leads"])
    answer = Browser(client).sign_in("qa.lead@council.example")
    assert answer.status_code == 403 and "list of which groups give which roles is wrong" in (
        answer.content.decode()
    )
    client.force_login(qa_lead)
    assert (
        "names unknown roles [&#x27;qa-lead&#x27;]"
        in client.get("/sign-in-groups/").content.decode()
    )


def test_the_role_changes_are_append_only(client, sso, team):
    from django.db import IntegrityError, transaction

    sso.person("sub-ann", "ann@council.example", ["cfa-cin-team-1"])
    Browser(client).sign_in("ann@council.example")
    change = StaffEvent.objects.filter(kind="access").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffEvent.objects.filter(pk=change.pk).update(reason="edited")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffEvent.objects.filter(pk=change.pk).delete()


def test_a_local_device_is_not_asked_for_after_single_sign_on(client, sso, team):
    sso.person("sub-dev", "dev@council.example", ["cfa-cin-team-1"])
    Browser(client).sign_in("dev@council.example")
    user = User.objects.get(oidc_subject="sub-dev")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.logout()
    Browser(client).sign_in("dev@council.example")
    assert client.get("/audits/mine/").status_code == 200


def test_refused_single_sign_ons_lock_nobody_out(client, sso, team):
    """The lockout counts password guesses per username and address; a refusal after the
    provider vouched for someone is no guess, and must not lock a colleague at the same office
    (the same address) out of single sign-on or of their password."""
    sso.person("sub-fin", "finance@council.example", ["finance-team"])
    for _ in range(6):
        assert Browser(client).sign_in("finance@council.example").status_code == 403
    sso.person("sub-ann", "ann@council.example", ["cfa-cin-team-1"])
    assert Browser(client).sign_in("ann@council.example").status_code == 302
    assert signed_in_as(client) == "ann@council.example"
    client.logout()
    UserFactory(username="colleague", roles=["auditor"])
    client.post("/accounts/login/", {"username": "colleague", "password": "correct-horse-battery"})
    assert signed_in_as(client) == "colleague"


def test_the_endpoints_come_from_the_providers_discovery_document(provider):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("oidc_endpoints", provider.url, stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert lines["OIDC_OP_ISSUER"] == provider.url
    assert lines["OIDC_OP_TOKEN_ENDPOINT"] == f"{provider.url}/token"
    assert lines["OIDC_OP_END_SESSION_ENDPOINT"] == f"{provider.url}/end-session"
    assert len(lines) == 6
