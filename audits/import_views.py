"""The QA lead's upload page for importing audit history from CSV or XLSX, the template of the
file for a tool version, and the audit list written back in the same format."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audits import selectors
from audits.import_forms import ImportForm, ToolVersionForm
from core.models import AuditTool, ImportJob
from core.permissions import CONFIGURE_REFUSED, configure_allowed, require
from core.services.access_log import audit_read_record
from flows.import_jobs import import_job_create
from flows.importer import ImportFailed, RowError, audits_import, read_table
from flows.importer.format import (
    csv_bytes,
    export_rows,
    template_columns,
    xlsx_bytes,
)
from flows.tasks import import_history_job

# A file with thousands of problems is usually one mistake repeated: the first page is enough.
ERRORS_SHOWN = 200
REFRESH_SECONDS = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _in_background(request, upload, rows: int, version, form):
    """A large file: kept as a job for a Celery worker; the job page shows how it goes."""
    upload.seek(0)
    job = import_job_create(
        actor=request.user,
        filename=upload.name,
        data=upload.read(),
        rows=rows,
        tool_version=version,
        dry_run=form.cleaned_data["dry_run"],
    )
    transaction.on_commit(lambda: import_history_job.delay(job.pk))
    return redirect("import_job", job_id=job.pk)


@login_required
@require_GET
def import_job(request, job_id: int):
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_id)
    errors = [RowError(*error) for error in job.errors]
    return render(
        request,
        "audits/import_job.html",
        {
            "job": job,
            "errors": errors[:ERRORS_SHOWN],
            "error_count": len(errors),
            "errors_truncated": len(errors) > ERRORS_SHOWN,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


def _chosen_tool(request) -> AuditTool | None:
    form = ToolVersionForm(request.GET)
    return form.cleaned_data.get("tool") if form.is_valid() else None


@login_required
@require_http_methods(["GET", "POST"])
def import_audits(request):
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    chosen = _chosen_tool(request)
    initial = {"tool_version": chosen}
    form = (
        ImportForm(request.POST, request.FILES, initial=initial)
        if request.method == "POST"
        else ImportForm(initial=initial)
    )
    result = failure = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        version = form.cleaned_data["tool_version"]
        chosen = version or chosen
        try:
            rows = read_table(upload, upload.name)
            if len(rows) > settings.IMPORT_BACKGROUND_ROWS:
                return _in_background(request, upload, len(rows), version, form)
            # Shown on the POST response, not after a redirect: re-sending the same file
            # imports nothing new, so a browser refresh is harmless.
            result = audits_import(
                rows=rows,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                tool_versions={version.code: version} if version else None,
            )
        except ImportFailed as exc:
            failure = exc
            form.add_error("file", exc.message)
    errors = failure.errors if failure else []
    return render(
        request,
        "audits/import.html",
        {
            "form": form,
            "version_form": ToolVersionForm(initial={"tool": chosen}),
            "chosen": chosen,
            "domains": chosen.domains.order_by("position") if chosen else [],
            "result": result,
            "errors": errors[:ERRORS_SHOWN],
            "error_count": len(errors),
            "errors_truncated": len(errors) > ERRORS_SHOWN,
        },
        # 200 with the problems listed, as before: existing clients read the page.
        status=200,
    )


def _template_tool(request) -> AuditTool:
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    tool = _chosen_tool(request)
    if tool is None:
        raise Http404("Choose a tool version: ?tool=<id>.")
    return tool


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def import_template_csv(request):
    tool = _template_tool(request)
    content = csv_bytes(template_columns(tool), [])
    return _download(content, "text/csv; charset=utf-8", f"import-{tool.code}-v{tool.version}.csv")


@login_required
@require_GET
def import_template_xlsx(request):
    tool = _template_tool(request)
    content = xlsx_bytes(template_columns(tool), [], title="Audits")
    return _download(content, XLSX, f"import-{tool.code}-v{tool.version}.xlsx")


def _export(request, extension: str):
    """The audit list's submitted audits (its filters apply), in the import format."""
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    audit_filter = selectors.audit_filter_for_user(user=request.user, data=request.GET)
    audit_read_record(
        user=request.user,
        channel="page",
        what=f"export:audits-for-import-{extension}",
        scope={name: request.GET.get(name) for name in audit_filter.filters},
    )
    columns, rows = export_rows(audit_filter.qs)
    today = timezone.localdate().isoformat()
    if extension == "csv":
        content = csv_bytes(columns, rows)
        return _download(content, "text/csv; charset=utf-8", f"audits-{today}.csv")
    return _download(xlsx_bytes(columns, rows, title="Audits"), XLSX, f"audits-{today}.xlsx")


@login_required
@require_GET
def audit_export_csv(request):
    return _export(request, "csv")


@login_required
@require_GET
def audit_export_xlsx(request):
    return _export(request, "xlsx")
