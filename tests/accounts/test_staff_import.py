"""Staff import from an HR spreadsheet: page, command, API; all or nothing; idempotent."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from core.models import ServiceArea, StaffEvent, Team, User
from core.services import people
from flows.importer import ImportFailed
from flows.staff_import import staff_import
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["username", "email", "name", "team", "service_area", "roles", "line_manager"]


def hr_rows(n: int = 20) -> list[dict[str, str]]:
    """A head of QA, two team managers' managers and n people in two areas."""
    rows = [
        {
            "username": "hos1",
            "email": "hos1@example.gov.uk",
            "name": "Ada Head",
            "team": "",
            "service_area": "",
            "roles": "head of service; QA lead",
            "line_manager": "",
        }
    ]
    for i in range(1, n):
        area = "Children in need" if i % 2 else "Children in care"
        rows.append(
            {
                "username": f"staff{i}",
                "email": f"staff{i}@example.gov.uk",
                "name": f"Person Number{i}",
                "team": f"{area} team {i % 3 + 1}",
                "service_area": area,
                "roles": "Team manager" if i % 4 else "auditor; moderator",
                "line_manager": "hos1" if i < 4 else f"staff{i % 3 + 1}@example.gov.uk",
            }
        )
    return rows


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def as_xlsx(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([h.replace("_", " ").title() for h in rows[0]])
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_twenty_people_import_and_a_second_run_changes_nothing(qa_lead):
    result = staff_import(rows=hr_rows(), actor=qa_lead)
    assert len(result.created) == 20 and not result.changed
    assert {"Children in need", "Children in care"} <= set(result.service_areas)
    assert len(result.teams) == 6
    person = User.objects.get(username="staff5")
    assert (person.first_name, person.last_name) == ("Person", "Number5")
    assert person.team is not None and person.team.name == "Children in need team 3"
    assert person.line_manager is not None and person.line_manager.username == "staff3"
    assert person.is_auditor and person.is_active and not person.has_usable_password()
    head = User.objects.get(username="hos1")
    assert head.is_viewer and head.is_qa_lead
    again = staff_import(rows=hr_rows(), actor=qa_lead)
    assert (len(again.created), len(again.changed), again.unchanged) == (0, 0, 20)
    assert "0 created, 0 changed." in again.summary_lines()


def test_a_change_in_the_file_is_one_recorded_change(qa_lead):
    staff_import(rows=hr_rows(), actor=qa_lead)
    rows = hr_rows()
    rows[5]["roles"] = "moderator"
    rows[6]["name"] = "Renamed Person"
    result = staff_import(rows=rows, actor=qa_lead)
    assert sorted(result.changed) == ["staff5", "staff6"] and not result.created
    event = StaffEvent.objects.get(person__username="staff5", kind="roles")
    assert (event.old, event.new, event.reason) == (
        "Auditor (team manager)",
        "Moderator (QA officer)",
        "Staff import",
    )
    assert event.actor == qa_lead


def test_the_dry_run_reports_exactly_and_writes_nothing(qa_lead):
    users = User.objects.count()
    dry = staff_import(rows=hr_rows(), actor=qa_lead, dry_run=True)
    assert len(dry.created) == 20 and dry.dry_run
    assert User.objects.count() == users
    assert not ServiceArea.objects.filter(name="Children in care").exists()
    real = staff_import(rows=hr_rows(), actor=qa_lead)
    assert real.created == dry.created and real.teams == dry.teams


def test_history_import_people_are_matched_and_activated(qa_lead):
    # As flows/importer makes them: inactive, no password, named by their e-mail.
    ghost = UserFactory(username="staff3", email="staff3@example.gov.uk", team=None)
    ghost.is_active = False
    ghost.set_unusable_password()
    ghost.save()
    by_email = UserFactory(username="s7", email="STAFF7@example.gov.uk", team=None)
    by_email.is_active = False
    by_email.save()
    left = UserFactory(username="staff9", email="staff9@example.gov.uk", team=None)
    people.person_deactivate(actor=qa_lead, person=left, reason="Left the council.")
    result = staff_import(rows=hr_rows(), actor=qa_lead)
    assert sorted(result.activated) == ["s7", "staff3"]
    assert result.left_deactivated == ["staff9"]
    assert len(result.created) == 17
    assert User.objects.get(pk=ghost.pk).is_active
    renamed = User.objects.get(pk=by_email.pk)
    assert renamed.is_active and renamed.username == "staff7"
    assert not User.objects.get(pk=left.pk).is_active
    assert User.objects.filter(email__iexact="staff7@example.gov.uk").count() == 1


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(qa_lead, auditor):
    rows = hr_rows(6)
    rows[1]["roles"] = "wizard"  # row 3
    rows[2]["email"] = "not an address"  # row 4
    rows[3]["line_manager"] = "nobody"  # row 5
    rows[4]["username"] = "hos1"  # row 6: the same person as row 2
    rows[5]["team"], rows[5]["service_area"] = "Lonely team", ""  # row 7
    rows.append({**rows[0], "username": "", "email": "", "name": "No one"})  # row 8
    users = User.objects.count()
    with pytest.raises(ImportFailed) as failure:
        staff_import(rows=rows, actor=qa_lead)
    found = {(e.row, e.column) for e in failure.value.errors}
    assert {
        (3, "roles"),
        (4, "email"),
        (5, "line_manager"),
        (6, "username"),
        (7, "service_area"),
        (8, "username"),
    } <= found
    assert User.objects.count() == users
    assert not Team.objects.filter(name__startswith="Children").exists()


def test_line_managers_in_a_circle_are_refused(qa_lead):
    rows = [
        {"username": "a1", "line_manager": "b1", "roles": "auditor"},
        {"username": "b1", "line_manager": "a1", "roles": "auditor"},
    ]
    with pytest.raises(ImportFailed) as failure:
        staff_import(rows=rows, actor=qa_lead)
    assert {(e.row, e.column) for e in failure.value.errors} == {
        (2, "line_manager"),
        (3, "line_manager"),
    }


def test_the_page_imports_an_xlsx_and_refuses_others(client, qa_lead, auditor):
    url = reverse("staff:import")
    client.force_login(auditor)
    upload = SimpleUploadedFile("hr.csv", as_csv(hr_rows()), content_type="text/csv")
    assert client.post(url, {"file": upload}).status_code == 403
    assert not User.objects.filter(username="staff1").exists()
    client.force_login(qa_lead)
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("hr.xlsx", as_xlsx(hr_rows()))
    response = client.post(url, {"file": upload, "dry_run": "on"})
    assert response.status_code == 200
    assert "20 created, 0 changed" in response.content.decode()
    assert not User.objects.filter(username="staff1").exists()
    upload = SimpleUploadedFile("hr.xlsx", as_xlsx(hr_rows()))
    response = client.post(url, {"file": upload})
    assert "20 created, 0 changed" in response.content.decode()
    assert User.objects.filter(username="staff1", is_active=True).exists()
    bad = hr_rows(3)
    bad[2]["roles"] = "wizard"
    upload = SimpleUploadedFile("hr.csv", as_csv(bad))
    response = client.post(url, {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and "&#x27;wizard&#x27; is not a role" in html


def test_the_command_imports_and_reports(tmp_path, qa_lead, capsys):
    path = tmp_path / "hr.csv"
    path.write_bytes(as_csv(hr_rows()))
    call_command("import_staff", str(path), "--dry-run")
    assert "20 created, 0 changed." in capsys.readouterr().out
    assert not User.objects.filter(username="staff1").exists()
    call_command("import_staff", str(path), "--actor", "qa_lead")
    call_command("import_staff", str(path))
    assert "0 created, 0 changed." in capsys.readouterr().out
    bad = hr_rows(3)
    bad[1]["line_manager"] = "ghost"
    path.write_bytes(as_csv(bad))
    with pytest.raises(CommandError):
        call_command("import_staff", str(path))
    assert "row 3, column line_manager" in capsys.readouterr().err


def test_the_api_imports_for_qa_leads_only(api_client, qa_lead, auditor, viewer):
    url = "/api/staff-import/"
    for user in (auditor, viewer):
        api_client.force_authenticate(user)
        assert api_client.post(url, {"rows": hr_rows()}, format="json").status_code == 403
    assert not User.objects.filter(username="staff1").exists()
    client = Client()
    client.force_login(qa_lead)
    api_client.force_authenticate(qa_lead)
    response = api_client.post(url, {"rows": hr_rows(), "dry_run": True}, format="json")
    assert response.status_code == 200 and len(response.json()["created"]) == 20
    assert not User.objects.filter(username="staff1").exists()
    response = api_client.post(url, {"csv": as_csv(hr_rows()).decode()}, format="json")
    assert response.status_code == 200 and len(response.json()["created"]) == 20
    again = api_client.post(url, {"rows": hr_rows()}, format="json").json()
    assert (again["created"], again["changed"]) == ([], [])
    bad = hr_rows(3)
    bad[1]["roles"] = "wizard"
    response = api_client.post(url, {"rows": bad}, format="json")
    assert response.status_code == 400
    assert {"row": 3, "column": "roles"}.items() <= response.json()["errors"][0].items()
    assert api_client.post(url, {}, format="json").status_code == 400


def test_the_apis_400s_match_their_documented_schema(api_client, qa_lead):
    """Both kinds of 400 (a bad body, a bad row) carry what the API reference says they do."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/staff-import/"]["post"]
    ref = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    documented = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    api_client.force_authenticate(qa_lead)
    bad = hr_rows(3)
    bad[1]["roles"] = "wizard"
    for body in ({}, {"rows": [], "csv": "username"}, {"rows": bad}):
        response = api_client.post("/api/staff-import/", body, format="json")
        assert response.status_code == 400
        assert set(documented["required"]) <= set(response.json()), body
