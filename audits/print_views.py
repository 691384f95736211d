"""Paper: one audit printed (both grades side by side, the moderation, actions), a tool
version's blank form for drafting on paper, and the audit list as CSV or XLSX.

PDF: the print view is laid out for A4 and the browser's "Print" saves it as a PDF. A PDF
library (WeasyPrint) would need Debian's Pango in every image and CI machine, which
./scripts/install does not install, so the service renders no PDF itself.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audits import printing, selectors
from audits.filters import AUDIT_SORTS
from audits.list_export import audit_list_table, export_name
from core.filters import known_sort
from core.permissions import tool_for_user
from core.services.access_log import audit_read_record
from flows.importer.format import csv_bytes, xlsx_bytes
from moderation.access import audit_for_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_GET
def audit_print(request, audit_id: int):
    audit = audit_for_user(user=request.user, audit_id=audit_id)
    audit_read_record(user=request.user, audit=audit, channel="page", what="audit print")
    context = printing.printed_audit(user=request.user, audit=audit)
    return render(request, "audits/audit_print.html", {**context, "printed": timezone.now()})


@login_required
@require_GET
def tool_blank_form(request, tool_id: int):
    tool = tool_for_user(user=request.user, tool_id=tool_id)
    return render(
        request,
        "audits/tool_blank_form.html",
        {
            "tool": tool,
            "domains": printing.blank_form(tool=tool),
            "overall_choices": printing.overall_choices(tool=tool),
        },
    )


def _list_download(request, extension: str) -> HttpResponse:
    """The audit list as the reader sees it: its filters, its columns, its audits only."""
    # The list's sort too, so the rows come in the order the reader chose.
    query = known_sort(request.GET, AUDIT_SORTS)
    audit_filter = selectors.audit_filter_for_user(user=request.user, data=query)
    columns, rows = audit_list_table(audit_filter)
    audit_read_record(
        user=request.user,
        channel="page",
        what=f"export:audit-list-{extension}",
        scope={
            name: request.GET.get(name) for name in audit_filter.filters if request.GET.get(name)
        },
    )
    name = export_name(audit_filter, timezone.localdate(), extension)
    if extension == "csv":
        response = HttpResponse(csv_bytes(columns, rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(xlsx_bytes(columns, rows, title="Audits"), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def audit_list_csv(request):
    return _list_download(request, "csv")


@login_required
@require_GET
def audit_list_xlsx(request):
    return _list_download(request, "xlsx")
