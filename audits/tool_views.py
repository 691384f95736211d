"""The QA lead's audit tool pages, included under /tools/ by audits/urls.py: the list of tools
and versions, a new tool, a version's domains (added, changed, moved and removed while it is a
draft), a preview of the audit form as an auditor will see it, publishing, and a new version.

Every page is the QA lead's (core.permissions.tools_configure_allowed, a 403 for anyone else);
every write is a service of core.services.tools.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from audits import selectors
from audits.forms import AuditForm
from audits.tool_forms import DomainForm, ToolFileForm, ToolForm, domain_initial
from core.errors import DomainError, add_service_errors
from core.models import Audit, AuditTool, Domain
from core.permissions import (
    TOOLS_REFUSED,
    domain_for_user,
    require,
    tool_for_user,
    tools_configure_allowed,
)
from core.services import tools as services
from core.tool_definitions import ToolSpec
from flows.tool_file import ToolFileError, tool_file_import, tool_json, tool_xlsx


def _tool(request, tool_id: int) -> AuditTool:
    require(tools_configure_allowed(user=request.user), TOOLS_REFUSED)
    return tool_for_user(user=request.user, tool_id=tool_id, write=True)


def _domain(request, domain_id: int) -> Domain:
    require(tools_configure_allowed(user=request.user), TOOLS_REFUSED)
    return domain_for_user(user=request.user, domain_id=domain_id, write=True)


@login_required
def tool_list(request):
    require(tools_configure_allowed(user=request.user), TOOLS_REFUSED)
    return render(
        request, "audits/tools/list.html", {"tools": selectors.tool_versions(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def tool_create(request):
    require(tools_configure_allowed(user=request.user), TOOLS_REFUSED)
    form = ToolForm(
        request.POST if request.method == "POST" else None,
        initial={"audit_type": AuditTool.AuditType.CASE_FILE, "blind_moderation": "no"},
    )
    if form.is_bound and form.is_valid():
        spec = ToolSpec(
            code=form.cleaned_data["code"].strip(),
            name=form.cleaned_data["name"],
            audit_type=form.cleaned_data["audit_type"],
            offers_outstanding=form.cleaned_data["offers_outstanding"],
            blind_moderation=form.cleaned_data["blind_moderation"],
        )
        try:
            tool = services.tool_create(actor=request.user, spec=spec)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{tool.name} created as a draft. Now add its domains.")
            return redirect("tool_detail", tool_id=tool.pk)
    return render(
        request,
        "audits/tools/tool_form.html",
        {"form": form, "tool": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def tool_edit(request, tool_id: int):
    tool = _tool(request, tool_id)
    if tool.is_published():
        return _frozen(request, tool)
    initial = {
        "name": tool.name,
        "audit_type": tool.audit_type,
        "offers_outstanding": "yes" if tool.offers_outstanding else "no",
        "blind_moderation": "yes" if tool.blind_moderation else "no",
    }
    form = ToolForm(request.POST if request.method == "POST" else None, tool=tool, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.tool_update(tool=tool, actor=request.user, **form.cleaned_data)
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Tool details saved.")
            return redirect("tool_detail", tool_id=tool.pk)
    return render(
        request,
        "audits/tools/tool_form.html",
        {"form": form, "tool": tool},
        status=400 if form.errors else 200,
    )


def _publish_problems(tool: AuditTool, error: DomainError, domains: list[Domain]) -> list[dict]:
    """The publish refusal's messages, each naming the domain it is about and linking there."""
    problems = []
    for key, texts in error.field_errors.items():
        parts = key.split(".")
        domain = None
        if parts[0] == "domains" and len(parts) > 2 and int(parts[1]) < len(domains):
            domain = domains[int(parts[1])]
        for text in texts:
            if domain is not None:
                problems.append(
                    {"text": f"{domain.title}: {text}", "domain": domain, "field": parts[2]}
                )
            else:
                problems.append({"text": text, "domain": None, "field": key})
    return problems


def _detail(request, tool: AuditTool, problems: list | None = None, status: int = 200):
    domains = list(tool.domains.order_by("position").prefetch_related("continues__tool"))
    retired = []
    if tool.previous_id is not None:
        continued = {old.pk for d in domains for old in d.continues.all()}
        retired = [
            d for d in Domain.objects.filter(tool_id=tool.previous_id) if d.pk not in continued
        ]
    latest = selectors.tool_latest_any(code=tool.code)
    return render(
        request,
        "audits/tools/detail.html",
        {
            "tool": tool,
            "domains": domains,
            "retired": retired,
            "problems": problems or [],
            "can_revise": tool.is_published() and latest is not None and latest.pk == tool.pk,
        },
        status=status,
    )


@login_required
def tool_detail(request, tool_id: int):
    return _detail(request, _tool(request, tool_id))


@login_required
@require_POST
def tool_publish(request, tool_id: int):
    tool = _tool(request, tool_id)
    try:
        services.tool_publish(tool=tool, actor=request.user)
    except DomainError as error:
        domains = list(tool.domains.order_by("position"))
        problems = _publish_problems(tool, error, domains) or [
            {"text": error.message, "domain": None, "field": ""}
        ]
        return _detail(request, tool, problems, status=400)
    messages.success(request, f"Version {tool.version} published: programmes can now choose it.")
    return redirect("tool_detail", tool_id=tool.pk)


@login_required
@require_POST
def tool_new_version(request, tool_id: int):
    tool = _tool(request, tool_id)
    try:
        new = services.tool_draft_new_version(actor=request.user, tool=tool)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("tool_detail", tool_id=tool.pk)
    messages.success(
        request,
        f"Version {new.version} started as a draft, continuing every domain of version "
        f"{tool.version}. Change, split, merge, add or remove domains, then publish it.",
    )
    return redirect("tool_detail", tool_id=new.pk)


@login_required
def tool_preview(request, tool_id: int):
    tool = _tool(request, tool_id)
    domains = list(tool.domains.order_by("position"))
    # An audit that is never saved: the real form, with nothing to submit it to.
    form = AuditForm(audit=Audit(tool=tool, version=1), domains=domains, initial={})
    return render(
        request,
        "audits/tools/preview.html",
        {"tool": tool, "form": form, "sections": list(form.sections())},
    )


def _frozen(request, tool: AuditTool):
    """A published version's page to go back to, with why: it never changes."""
    messages.info(request, "A published version never changes: make a new version.")
    return redirect("tool_detail", tool_id=tool.pk)


def _domain_form_page(request, tool: AuditTool, domain: Domain | None, save, saved: str):
    """Adding or changing a domain of a draft: save(spec) writes it; `saved` is the message."""
    if tool.is_published():
        return _frozen(request, tool)
    form = DomainForm(
        request.POST if request.method == "POST" else None,
        tool=tool,
        domain=domain,
        initial=domain_initial(domain) if domain else None,
    )
    if form.is_bound and form.is_valid():
        try:
            save(form.spec())
        except DomainError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved.format(title=form.cleaned_data["title"]))
            return redirect("tool_detail", tool_id=tool.pk)
    return render(
        request,
        "audits/tools/domain_form.html",
        {"form": form, "tool": tool, "domain": domain},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def domain_add(request, tool_id: int):
    tool = _tool(request, tool_id)
    return _domain_form_page(
        request,
        tool,
        None,
        lambda spec: services.domain_add(tool=tool, actor=request.user, spec=spec),
        "Domain {title} added.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def domain_edit(request, domain_id: int):
    domain = _domain(request, domain_id)
    return _domain_form_page(
        request,
        domain.tool,
        domain,
        lambda spec: services.domain_update(domain=domain, actor=request.user, spec=spec),
        "Domain saved.",
    )


@login_required
@require_POST
def domain_move(request, domain_id: int):
    domain = _domain(request, domain_id)
    try:
        services.domain_move(
            domain=domain, actor=request.user, up=request.POST.get("direction") == "up"
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("tool_detail", tool_id=domain.tool_id)


@login_required
@require_http_methods(["GET", "POST"])
def domain_remove(request, domain_id: int):
    domain = _domain(request, domain_id)
    if request.method == "POST":
        try:
            services.domain_remove(domain=domain, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Domain {domain.title} removed.")
        return redirect("tool_detail", tool_id=domain.tool_id)
    return render(request, "audits/tools/domain_remove.html", {"domain": domain})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def tool_download(request, tool_id: int, kind: str):
    tool = _tool(request, tool_id)
    content, content_type = (
        (tool_json(tool), "application/json") if kind == "json" else (tool_xlsx(tool), XLSX)
    )
    response = HttpResponse(content, content_type=content_type)
    filename = f"{tool.code}-v{tool.version}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def tool_import(request):
    require(tools_configure_allowed(user=request.user), TOOLS_REFUSED)
    posted = request.method == "POST"
    form = ToolFileForm(request.POST if posted else None, request.FILES if posted else None)
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            tool = tool_file_import(actor=request.user, file_obj=upload, filename=upload.name)
        except ToolFileError as error:
            for message in error.errors:
                form.add_error("file", message)
        else:
            messages.success(
                request,
                f"{tool.name} version {tool.version} imported as a draft: check it, preview "
                "the form and publish it.",
            )
            return redirect("tool_detail", tool_id=tool.pk)
    return render(
        request, "audits/tools/import.html", {"form": form}, status=400 if form.errors else 200
    )
