"""manage.py create_qa_lead: the first QA lead of a new installation, with a link to choose a
password; everything after is done in the service."""

import io

import pytest
from django.core.management import CommandError, call_command

from core.models import StaffEvent, User

pytestmark = pytest.mark.django_db


def test_the_first_qa_lead_gets_a_link_that_sets_their_password(client):
    assert not User.objects.exists()
    out = io.StringIO()
    call_command("create_qa_lead", "q.lead", "--email", "q.lead@council.example", stdout=out)
    lead = User.objects.get(username="q.lead")
    assert lead.is_qa_lead and lead.is_active and not lead.has_usable_password()
    assert StaffEvent.objects.filter(person=lead, kind="created").count() == 1
    link = next(line for line in out.getvalue().splitlines() if "/set-password/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200
    response = client.post(
        f"/{path}",
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.check_password("a long new passphrase")
    assert client.get(f"/{path}").status_code == 404  # the link works once


def test_a_taken_or_malformed_username_is_refused_and_nothing_is_added():
    call_command("create_qa_lead", "q.lead", stdout=io.StringIO())
    with pytest.raises(CommandError, match="username"):
        call_command("create_qa_lead", "q.lead", stdout=io.StringIO())
    with pytest.raises(CommandError, match="username"):
        call_command("create_qa_lead", "not a username!", stdout=io.StringIO())
    assert User.objects.count() == 1
