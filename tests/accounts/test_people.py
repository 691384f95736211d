"""The QA lead's staff pages: areas, teams, people, invitations, roles, deactivation."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from core.errors import DomainError
from core.models import Role, ServiceArea, StaffEvent, Team, User
from core.services import people
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signs_in(username: str, password: str) -> bool:
    """Through the sign-in form, as a person would (django-axes needs the request)."""
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


PAGES_GET = [
    ("staff:people", {}),
    ("staff:person_new", {}),
    ("staff:areas", {}),
    ("staff:area_new", {}),
    ("staff:team_new", {}),
]


@pytest.fixture
def lead_client(qa_lead):
    client = Client()
    client.force_login(qa_lead)
    return client


@pytest.mark.parametrize("name,kwargs", PAGES_GET)
def test_only_a_qa_lead_gets_the_staff_pages(
    name, kwargs, client, auditor, moderator, viewer, qa_lead
):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # to sign in
    for user in (auditor, moderator, viewer):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403, user
        assert "Only a QA lead can manage staff" in response.content.decode()
    client.force_login(qa_lead)
    assert client.get(url).status_code == 200


def test_refused_writes_change_nothing(client, auditor, moderator, viewer, same_team_auditor):
    for user in (auditor, moderator, viewer):
        client.force_login(user)
        posts = [
            (reverse("staff:area_new"), {"name": "Sneaky area"}),
            (reverse("staff:person_new"), {"username": "sneaky", "roles": ["qa_lead"]}),
            (
                reverse("staff:person_roles", args=[user.pk]),
                {"roles": ["qa_lead"], "reason": "I want it"},
            ),
            (reverse("staff:person_deactivate", args=[same_team_auditor.pk]), {}),
            (reverse("staff:person_invite", args=[same_team_auditor.pk]), {}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 403
    assert not ServiceArea.objects.filter(name="Sneaky area").exists()
    assert not User.objects.filter(username="sneaky").exists()
    assert not User.objects.get(pk=auditor.pk).is_qa_lead
    assert User.objects.get(pk=same_team_auditor.pk).is_active
    assert not StaffEvent.objects.exists()
    assert not mail.outbox


def test_a_qa_lead_adds_an_area_and_a_team_and_renames_them(lead_client):
    response = lead_client.post(reverse("staff:area_new"), {"name": "  Early   help "})
    assert response.status_code == 302
    area = ServiceArea.objects.get(name="Early help")
    response = lead_client.post(
        reverse("staff:team_new"), {"service_area": area.pk, "name": "Early help team 1"}
    )
    assert response.status_code == 302
    team = Team.objects.get(service_area=area, name="Early help team 1")
    lead_client.post(reverse("staff:team_rename", args=[team.pk]), {"name": "EH North"})
    lead_client.post(reverse("staff:area_rename", args=[area.pk]), {"name": "Early Help"})
    team.refresh_from_db()
    assert (team.name, team.service_area.name) == ("EH North", "Early Help")
    page = lead_client.get(reverse("staff:areas")).content.decode()
    assert "EH North" in page and "Early Help" in page


def test_area_and_team_forms_show_every_error_in_a_summary(lead_client, area, team):
    response = lead_client.post(reverse("staff:team_new"), {"service_area": "", "name": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert 'href="#id_service_area"' in html and "Choose the team&#x27;s service area." in html
    assert 'href="#id_name"' in html and "Enter the team&#x27;s name." in html
    response = lead_client.post(reverse("staff:area_new"), {"name": area.name.upper()})
    assert response.status_code == 400
    assert "There is already a service area called" in response.content.decode()
    response = lead_client.post(
        reverse("staff:team_new"), {"service_area": area.pk, "name": team.name.lower()}
    )
    assert response.status_code == 400
    assert f"{area.name} already has a team called" in response.content.decode()
    assert Team.objects.count() == 1


def test_a_qa_lead_adds_and_invites_a_person_who_sets_a_password(
    lead_client, team, qa_lead, django_capture_on_commit_callbacks
):
    manager = UserFactory(username="boss", first_name="Pat", last_name="Boss", team=team)
    with django_capture_on_commit_callbacks(execute=True):
        response = lead_client.post(
            reverse("staff:person_new"),
            {
                "first_name": "Sam",
                "last_name": "Okafor",
                "username": "sokafor",
                "email": "sam.okafor@example.gov.uk",
                "team": team.pk,
                "line_manager": manager.pk,
                "roles": ["auditor", "viewer"],
                "service_areas": [team.service_area.pk],
                "invite": "on",
            },
        )
    assert response.status_code == 302
    person = User.objects.get(username="sokafor")
    assert (person.team, person.line_manager, person.is_active) == (team, manager, True)
    assert not person.has_usable_password()
    assert {g.name for g in person.groups.all()} == {"auditor", "viewer"}
    assert list(person.service_areas.all()) == [team.service_area]
    kinds = list(person.staff_events.order_by("pk").values_list("kind", "actor"))
    assert kinds == [("created", qa_lead.pk), ("invited", qa_lead.pk)]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam.okafor@example.gov.uk"]
    link = re.search(r"http://\S+/account/set-password/\S+/", mail.outbox[0].body)
    assert link
    path = "/" + link.group(0).split("/", 3)[3]
    anonymous = Client()
    page = anonymous.get(path)
    assert page.status_code == 200 and "sokafor" in page.content.decode()
    mismatch = anonymous.post(path, {"new_password1": "a", "new_password2": "b"})
    assert mismatch.status_code == 400 and "govuk-error-summary" in mismatch.content.decode()
    done = anonymous.post(
        path, {"new_password1": "plum-kettle-ravine-9", "new_password2": "plum-kettle-ravine-9"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    person.refresh_from_db()
    assert person.check_password("plum-kettle-ravine-9")
    assert person.staff_events.filter(kind="password_set").count() == 1
    # The link works once: the token covers the password it replaced.
    assert anonymous.get(path).status_code == 404
    assert signs_in("sokafor", "plum-kettle-ravine-9")


def test_the_add_form_names_every_problem(lead_client, auditor):
    response = lead_client.post(
        reverse("staff:person_new"),
        {"username": "auditor", "email": "not-an-address", "roles": ["wizard"], "invite": "on"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_email"' in html
    assert 'href="#id_roles_0"' in html
    response = lead_client.post(
        reverse("staff:person_new"), {"username": "AUDITOR", "email": auditor.email.upper()}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Someone already has the username AUDITOR." in html
    assert "Someone already has the e-mail address" in html
    assert User.objects.count() == 2  # the auditor and the QA lead


def test_roles_change_with_the_reason_in_the_history(lead_client, auditor, qa_lead):
    url = reverse("staff:person_roles", args=[auditor.pk])
    missing = lead_client.post(url, {"roles": ["moderator"], "reason": ""})
    assert missing.status_code == 400
    assert "Enter the reason for the change" in missing.content.decode()
    assert not User.objects.get(pk=auditor.pk).is_moderator
    response = lead_client.post(url, {"roles": ["auditor", "moderator"], "reason": "Joined QA."})
    assert response.status_code == 302
    event = StaffEvent.objects.get(person=auditor, kind="roles")
    assert (event.actor, event.old, event.reason) == (
        qa_lead,
        "Auditor (team manager)",
        "Joined QA.",
    )
    assert event.new == "Auditor (team manager), Moderator (QA officer)"
    assert User.objects.get(pk=auditor.pk).is_moderator
    page = lead_client.get(reverse("staff:person", args=[auditor.pk])).content.decode()
    assert "Joined QA." in page and "qa_lead" in page
    # The same roles again: nothing changes, nothing is recorded.
    lead_client.post(url, {"roles": ["auditor", "moderator"], "reason": "Again."})
    assert StaffEvent.objects.filter(person=auditor, kind="roles").count() == 1


def test_a_qa_lead_cannot_lock_themself_out(qa_lead):
    with pytest.raises(DomainError):
        people.person_roles_set(actor=qa_lead, person=qa_lead, roles=["auditor"], reason="x")
    with pytest.raises(DomainError):
        people.person_deactivate(actor=qa_lead, person=qa_lead)
    assert User.objects.get(pk=qa_lead.pk).is_qa_lead


def test_deactivated_people_cannot_sign_in_and_keep_their_history(
    lead_client, auditor, submitted, django_capture_on_commit_callbacks
):
    assert signs_in("auditor", "correct-horse-battery")
    signed_in = Client()
    signed_in.force_login(auditor)
    response = lead_client.post(
        reverse("staff:person_deactivate", args=[auditor.pk]), {"reason": "Left the council."}
    )
    assert response.status_code == 302
    auditor.refresh_from_db()
    assert not auditor.is_active
    assert not signs_in("auditor", "correct-horse-battery")
    # An open session ends too.
    assert signed_in.get(reverse("my_audits")).status_code == 302
    assert User.objects.filter(pk=auditor.pk).exists()
    assert submitted.auditor_id == auditor.pk
    # A deactivated person's invitation is refused.
    with django_capture_on_commit_callbacks(execute=True):
        lead_client.post(reverse("staff:person_invite", args=[auditor.pk]))
    assert not mail.outbox
    lead_client.post(reverse("staff:person_reactivate", args=[auditor.pk]), {"reason": "Back."})
    assert signs_in("auditor", "correct-horse-battery")
    kinds = list(auditor.staff_events.order_by("pk").values_list("kind", "reason"))
    assert kinds == [("deactivated", "Left the council."), ("reactivated", "Back.")]


def test_an_edit_records_what_changed(lead_client, auditor, other_team):
    url = reverse("staff:person_edit", args=[auditor.pk])
    assert lead_client.get(url).status_code == 200
    response = lead_client.post(
        url,
        {
            "first_name": "Alex",
            "last_name": "Rivers",
            "email": auditor.email,
            "team": other_team.pk,
            "line_manager": "",
        },
    )
    assert response.status_code == 302
    event = StaffEvent.objects.get(person=auditor, kind="updated")
    assert "name: -" in event.old and "name: Alex Rivers" in event.new
    assert "CiC team 1" in event.new
    assert "e-mail" not in event.new  # unchanged fields are not listed


def test_nobody_manages_themself_round_a_circle(qa_lead, auditor, same_team_auditor):
    people.person_update(
        actor=qa_lead,
        person=same_team_auditor,
        email="",
        first_name="",
        last_name="",
        team=None,
        line_manager=auditor,
        service_areas=[],
    )
    with pytest.raises(DomainError) as error:
        people.person_update(
            actor=qa_lead,
            person=auditor,
            email="",
            first_name="",
            last_name="",
            team=None,
            line_manager=same_team_auditor,
            service_areas=[],
        )
    assert "line_manager" in error.value.field_errors


def test_a_wrong_or_tampered_link_sets_nothing(client, auditor):
    assert client.get("/account/set-password/abc/def/").status_code == 404
    response = client.post(
        "/account/set-password/abc/def/",
        {"new_password1": "plum-kettle-ravine-9", "new_password2": "plum-kettle-ravine-9"},
    )
    assert response.status_code == 404
    auditor.refresh_from_db()
    assert auditor.check_password("correct-horse-battery")


def test_the_staff_list_filters_by_status(lead_client, auditor, same_team_auditor, qa_lead):
    people.person_deactivate(actor=qa_lead, person=same_team_auditor)
    active = lead_client.get(reverse("staff:people")).content.decode()
    gone = lead_client.get(reverse("staff:people"), {"status": "deactivated"}).content.decode()
    assert ">auditor<" in active and ">colleague<" not in active
    assert ">colleague<" in gone and ">auditor<" not in gone


def test_role_words_are_understood():
    assert people.role_from_word("Team Manager") == Role.AUDITOR
    assert people.role_from_word(" QA  lead ") == Role.QA_LEAD
    assert people.role_from_word("wizard") is None
