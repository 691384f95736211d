"""The tools API: a QA lead creates a tool (version 1) and its next versions; each refusal
is a 400 naming its field; drafts are the QA lead's alone."""

import pytest

from core.models import AuditTool, Domain
from core.tool_definitions import CODE_MESSAGE

TOOLS = "/api/tools/"
D = {"O": "Exemplary.", "G": "Good.", "RI": "Patchy.", "I": "Unsafe."}


def domain(code, title=None, **extra):
    return {"code": code, "title": title or code.title(), "descriptors": D} | extra


def body(**extra):
    return {
        "code": "ours",
        "name": "Our audit",
        "offers_outstanding": True,
        "blind_moderation": False,
        "domains": [domain("plan", "Plan (and permanence planning)"), domain("voice")],
    } | extra


@pytest.fixture
def lead_client(api_client, qa_lead):
    api_client.force_authenticate(qa_lead)
    return api_client


def test_a_qa_lead_creates_version_1_published(lead_client):
    response = lead_client.post(TOOLS, body(), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["version"] == 1 and created["published"] is True
    assert [d["code"] for d in created["domains"]] == ["plan", "voice"]
    assert created["domains"][0]["descriptors"] == D
    tool = AuditTool.objects.get(code="ours")
    assert tool.is_published() and tool.audit_type == "case_file"
    listed = lead_client.get(TOOLS, {"page_size": 100}).json()["results"]
    assert "ours" in {t["code"] for t in listed}


def test_a_draft_is_seen_only_by_qa_leads(lead_client, api_client, auditor):
    response = lead_client.post(TOOLS, body(draft=True), format="json")
    assert response.status_code == 201 and response.json()["published"] is False
    tool_id = response.json()["id"]
    api_client.force_authenticate(auditor)
    listed = api_client.get(TOOLS, {"page_size": 100}).json()["results"]
    assert "ours" not in {t["code"] for t in listed}
    assert api_client.get(f"{TOOLS}{tool_id}/").status_code == 404


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"code": "Bad Code"}, "code", CODE_MESSAGE),
        ({"name": ""}, "name", "This field may not be blank."),
        ({"domains": []}, "domains", "Give the tool at least one domain."),
        ({"audit_type": "nonsense"}, "audit_type", '"nonsense" is not a valid choice.'),
        ({"offers_outstanding": "yes"}, "offers_outstanding", "Enter true or false."),
    ],
)
def test_a_bad_tool_field_is_a_400_naming_it(lead_client, change, field, message):
    response = lead_client.post(TOOLS, body(**change), format="json")
    assert response.status_code == 400
    assert message in response.json()[field]
    assert not AuditTool.objects.filter(code="ours").exists()


def test_bad_domains_are_each_named_at_once(lead_client):
    domains = [
        domain("plan"),
        domain("plan"),  # duplicate code
        {"code": "9x", "title": "X", "descriptors": D},  # bad pattern
        {"code": "voice", "title": "Voice", "descriptors": {"G": "Good."}},  # missing
    ]
    response = lead_client.post(TOOLS, body(domains=domains), format="json")
    assert response.status_code == 400
    errors = response.json()["domains"]
    assert errors["2"]["code"] == [CODE_MESSAGE]
    # The pattern error stops the definition's cross-checks until it is put right.
    domains[2]["code"] = "x"
    errors = lead_client.post(TOOLS, body(domains=domains), format="json").json()["domains"]
    assert "0" not in errors and "2" not in errors
    assert errors["1"]["code"] == ["Another domain of this version has the code plan."]
    assert set(errors["3"]["descriptors"]) == {"O", "RI", "I"}
    assert errors["3"]["descriptors"]["RI"] == ["Enter the descriptor for Requires improvement."]


def test_an_existing_code_is_refused(lead_client):
    assert lead_client.post(TOOLS, body(), format="json").status_code == 201
    response = lead_client.post(TOOLS, body(), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == ["A tool with the code ours exists already."]


def test_a_new_version_splits_a_domain(lead_client):
    lead_client.post(TOOLS, body(), format="json")
    new = {
        "domains": [
            domain("plan", "Plan"),
            domain("permanence", "Permanence and contingency planning"),
            domain("voice"),
        ],
        "maps": {"plan": ["plan"], "permanence": ["plan"]},
    }
    response = lead_client.post(f"{TOOLS}ours/versions/", new, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["version"] == 2 and created["published"] is True
    old_plan = Domain.objects.get(tool__code="ours", tool__version=1, code="plan")
    old_voice = Domain.objects.get(tool__code="ours", tool__version=1, code="voice")
    lineage = {d["code"]: d["continues"] for d in created["domains"]}
    assert lineage == {
        "plan": [old_plan.pk],
        "permanence": [old_plan.pk],
        "voice": [old_voice.pk],  # the same code, not named in maps
    }


def test_version_refusals_name_their_field(lead_client):
    lead_client.post(TOOLS, body(), format="json")
    url = f"{TOOLS}ours/versions/"
    response = lead_client.post(
        url, {"domains": [domain("plan")], "maps": {"plan": ["gone"]}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["maps"] == {
        "plan": ["The previous version has no domain with the code gone."]
    }
    response = lead_client.post(
        url, {"domains": [domain("plan")], "maps": {"other": ["plan"]}}, format="json"
    )
    assert response.json()["maps"] == {"other": ["No domain with this code in domains."]}
    response = lead_client.post(url, {"domains": []}, format="json")
    assert response.json()["domains"] == ["Give the tool at least one domain."]
    assert lead_client.post(f"{TOOLS}nope/versions/", {}, format="json").status_code == 404
    assert AuditTool.objects.filter(code="ours").count() == 1


def test_a_draft_version_blocks_another_until_published(lead_client):
    lead_client.post(TOOLS, body(), format="json")
    url = f"{TOOLS}ours/versions/"
    assert (
        lead_client.post(url, {"domains": [domain("plan")], "draft": True}, format="json")
    ).status_code == 201
    response = lead_client.post(url, {"domains": [domain("plan")]}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_only_a_qa_lead_writes_tools(api_client, request, who, qa_lead):
    api_client.force_authenticate(request.getfixturevalue(who))
    assert api_client.post(TOOLS, body(), format="json").status_code == 403
    assert api_client.post(f"{TOOLS}case-file/versions/", {}, format="json").status_code == 403
    assert api_client.get(TOOLS).status_code == 200
    assert not AuditTool.objects.filter(code="ours").exists()
    assert AuditTool.objects.filter(code="case-file").count() == 1
