"""The QA lead's upload page for importing audit history from CSV or XLSX."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from audits.import_forms import ImportForm
from core.permissions import CONFIGURE_REFUSED, configure_allowed, require
from flows.importer import ImportFailed, audits_import, read_table

# A file with thousands of problems is usually one mistake repeated: the first page is enough.
ERRORS_SHOWN = 200


@login_required
@require_http_methods(["GET", "POST"])
def import_audits(request):
    require(configure_allowed(user=request.user), CONFIGURE_REFUSED)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    result = failure = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload, upload.name)
            # Shown on the POST response, not after a redirect: re-sending the same file
            # imports nothing new, so a browser refresh is harmless.
            result = audits_import(
                rows=rows, actor=request.user, dry_run=form.cleaned_data["dry_run"]
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
            "result": result,
            "errors": errors[:ERRORS_SHOWN],
            "error_count": len(errors),
            "errors_truncated": len(errors) > ERRORS_SHOWN,
        },
        status=200,
    )
