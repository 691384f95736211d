"""The QA lead's audit tool pages: every bad field named at once, drafts changed, the preview
as an auditor sees it, publishing, a new version; a 403 for everyone else."""

import html

import pytest
from django.urls import reverse

from core.models import AuditTool, Domain
from core.services import tools as services
from core.tool_definitions import CODE_MESSAGE, DomainSpec, ToolSpec

D = {"O": "Exemplary work.", "G": "Good work.", "RI": "Patchy work.", "I": "Unsafe work."}


def text(response) -> str:
    return html.unescape(response.content.decode())


def domain_data(code="plan", title="Plan", **extra):
    data = {
        "code": code,
        "title": title,
        "guidance": f"Guidance for {title}.",
        "descriptor_O": f"{title}: outstanding.",
        "descriptor_G": f"{title}: good.",
        "descriptor_RI": f"{title}: requires improvement.",
        "descriptor_I": f"{title}: inadequate.",
    }
    return data | extra


@pytest.fixture
def draft(qa_lead):
    tool = services.tool_create(actor=qa_lead, spec=ToolSpec(code="ours", name="Our audit"))
    for code in ("plan", "voice", "review"):
        services.domain_add(
            tool=tool, actor=qa_lead, spec=DomainSpec(code=code, title=code.title(), descriptors=D)
        )
    return tool


def test_creating_a_tool_names_every_bad_field_at_once(client, qa_lead):
    client.force_login(qa_lead)
    response = client.post(reverse("tool_create"), {"code": "Not A Code", "name": ""})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page
    for message in [
        CODE_MESSAGE,
        "Enter the tool's name.",
        "Choose the audit type.",
        "Choose whether Outstanding is offered.",
        "Choose whether moderation is blind by default.",
    ]:
        assert message in page
    assert page.count("govuk-error-summary__list") == 1
    assert not AuditTool.objects.filter(name="").exists()


def test_a_qa_lead_creates_a_draft_and_builds_its_domains(client, qa_lead):
    client.force_login(qa_lead)
    form = text(client.get(reverse("tool_create")))
    assert "Case file audit" in form and "Foster carer audit" in form  # the audit types
    response = client.post(
        reverse("tool_create"),
        {
            "code": "early-help",
            "name": "Early help audit",
            "audit_type": "early_help",
            "offers_outstanding": "yes",
            "blind_moderation": "no",
        },
    )
    tool = AuditTool.objects.get(code="early-help")
    assert response.status_code == 302 and response["Location"] == f"/tools/{tool.pk}/"
    assert not tool.is_published() and tool.audit_type == "early_help"
    add = reverse("tool_domain_add", args=[tool.pk])
    # Every bad field of a domain at once.
    response = client.post(add, {"code": "9bad", "title": "", "descriptor_G": "Good."})
    assert response.status_code == 400
    page = text(response)
    for message in [
        CODE_MESSAGE,
        "Enter the domain's title.",
        "Enter the descriptor for Outstanding.",
        "Enter the descriptor for Requires improvement.",
        "Enter the descriptor for Inadequate.",
    ]:
        assert message in page
    assert 'href="#id_descriptor_RI"' in page  # the summary links to the field
    assert client.post(add, domain_data("plan", "Plan")).status_code == 302
    assert client.post(add, domain_data("voice", "Voice", na_allowed="on")).status_code == 302
    response = client.post(add, domain_data("voice", "Voice again"))
    assert "Another domain of this version has the code voice." in text(response)
    voice = Domain.objects.get(tool=tool, code="voice")
    assert voice.na_allowed and voice.position == 2
    client.post(reverse("tool_domain_move", args=[voice.pk]), {"direction": "up"})
    assert list(tool.domains.order_by("position").values_list("code", flat=True)) == [
        "voice",
        "plan",
    ]
    edit = reverse("tool_domain_edit", args=[voice.pk])
    assert "Voice: good." in text(client.get(edit))
    client.post(edit, domain_data("voice", "Voice of the child", na_allowed="on"))
    assert Domain.objects.get(pk=voice.pk).title == "Voice of the child"
    plan = Domain.objects.get(tool=tool, code="plan")
    remove = reverse("tool_domain_remove", args=[plan.pk])
    assert "Remove Plan?" in text(client.get(remove))
    client.post(remove)
    assert list(tool.domains.values_list("code", "position")) == [("voice", 1)]


def test_the_preview_is_the_audit_form_with_guidance_and_descriptors(client, qa_lead, draft):
    client.force_login(qa_lead)
    response = client.get(reverse("tool_preview", args=[draft.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "as an auditor will see it" in page
    for title in ("Plan", "Voice", "Review"):
        assert f"Grade for {title}" in page
    assert "Exemplary work." in page and "Unsafe work." in page
    assert "Overall judgement for this case" in page
    assert "<form" not in page.split('id="preview"')[1]  # nothing to submit
    assert 'name="grade_plan"' in page and 'name="evidence_plan"' in page


def test_publishing_freezes_the_version_and_a_new_version_is_a_draft(client, qa_lead, draft):
    client.force_login(qa_lead)
    plan = draft.domains.get(code="plan")
    response = client.post(reverse("tool_publish", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published()
    page = text(client.get(reverse("tool_detail", args=[draft.pk])))
    assert "Make a new version" in page and "Add a domain" not in page
    # Pages of a published version do not change it.
    client.post(reverse("tool_domain_edit", args=[plan.pk]), domain_data("plan", "Renamed"))
    client.post(reverse("tool_edit", args=[draft.pk]), {"name": "Renamed"})
    assert Domain.objects.get(pk=plan.pk).title == "Plan"
    assert AuditTool.objects.get(pk=draft.pk).name == "Our audit"
    response = client.post(reverse("tool_domain_move", args=[plan.pk]), {"direction": "down"})
    assert list(draft.domains.order_by("position").values_list("code", flat=True))[0] == "plan"
    # A new version: a draft copy whose domains continue the old ones; split plan in two.
    response = client.post(reverse("tool_new_version", args=[draft.pk]))
    v2 = AuditTool.objects.get(code="ours", version=2)
    assert response["Location"] == f"/tools/{v2.pk}/"
    add = reverse("tool_domain_add", args=[v2.pk])
    form = text(client.get(add))
    assert "Which domains of the previous version does it continue?" in form
    response = client.post(add, domain_data("permanence", "Permanence", continues=[plan.pk]))
    assert response.status_code == 302
    permanence = Domain.objects.get(tool=v2, code="permanence")
    assert list(permanence.continues.all()) == [plan]
    assert client.post(reverse("tool_publish", args=[v2.pk])).status_code == 302
    assert set(plan.continued_by.values_list("code", flat=True)) == {"plan", "permanence"}


def test_publishing_a_version_with_problems_lists_each(client, qa_lead):
    client.force_login(qa_lead)
    tool = services.tool_create(actor=qa_lead, spec=ToolSpec(code="empty", name="Empty"))
    response = client.post(reverse("tool_publish", args=[tool.pk]))
    assert response.status_code == 400
    assert "Give the tool at least one domain." in text(response)
    assert not AuditTool.objects.get(pk=tool.pk).is_published()


def test_the_list_shows_every_tool_and_version(client, qa_lead, draft):
    client.force_login(qa_lead)
    page = text(client.get(reverse("tool_list")))
    assert "Our audit" in page and "Draft" in page and "Case file audit" in page
    assert "Published" in page


def test_the_programme_form_offers_published_versions_only(client, qa_lead, draft):
    client.force_login(qa_lead)
    page = text(client.get(reverse("programme_create")))
    assert "Case file audit (version 1)" in page
    assert "Our audit" not in page
    services.tool_publish(tool=draft, actor=qa_lead)
    assert "Our audit (version 1)" in text(client.get(reverse("programme_create")))


@pytest.mark.parametrize("who", ["auditor", "moderator", "viewer"])
def test_everyone_but_a_qa_lead_is_refused(client, request, who, qa_lead, draft):
    client.force_login(request.getfixturevalue(who))
    domain = draft.domains.first()
    gets = [
        reverse("tool_list"),
        reverse("tool_create"),
        reverse("tool_detail", args=[draft.pk]),
        reverse("tool_edit", args=[draft.pk]),
        reverse("tool_preview", args=[draft.pk]),
        reverse("tool_domain_add", args=[draft.pk]),
        reverse("tool_domain_edit", args=[domain.pk]),
        reverse("tool_domain_remove", args=[domain.pk]),
    ]
    posts = [
        reverse("tool_create"),
        reverse("tool_publish", args=[draft.pk]),
        reverse("tool_new_version", args=[draft.pk]),
        reverse("tool_domain_add", args=[draft.pk]),
        reverse("tool_domain_move", args=[domain.pk]),
        reverse("tool_domain_remove", args=[domain.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, domain_data()).status_code == 403, url
    assert not AuditTool.objects.get(pk=draft.pk).is_published()
    assert draft.domains.count() == 3
    # The menu does not offer the pages either.
    assert "Audit tools" not in text(client.get(reverse("my_audits")))


def test_an_unknown_tool_is_404_for_a_qa_lead(client, qa_lead):
    client.force_login(qa_lead)
    assert client.get(reverse("tool_detail", args=[999999])).status_code == 404
    assert client.get(reverse("tool_domain_edit", args=[999999])).status_code == 404
    assert "Audit tools" in text(client.get(reverse("tool_list")))
