"""Report downloads (XLSX, CSV, JSON) and published snapshots: list, publish, read, download.

Downloads read the same GET filters as the report and ask reporting.permissions through
selectors.monthly_report_for_user; bad filters get a 400 page with an error summary and the
filters to correct. Snapshots are authority-wide: QA leads and moderators read them, QA leads
publish them (reporting.services.snapshot_request; the figures are computed by a Celery task).
"""

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, add_service_errors
from core.filters import MonthFormField
from core.months import format_month, months_before
from core.services.access_log import audit_read_record
from reporting import exports, permissions, selectors, services
from reporting.filters import ReportFilter
from reporting.models import ReportSnapshot
from reporting.tables.html import whole_table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _bad_download(request, message: str, *, bad_table: bool = False):
    """400: the filters as a form, its errors in an error summary, ready to correct.

    `message` is shown when the form finds nothing wrong, or always for a bad table (which
    is not one of the form's fields)."""
    form = ReportFilter(data=request.GET).form
    form.is_valid()
    if bad_table or not form.errors:
        form.add_error(None, message)
    return render(
        request,
        "reporting/snapshots_download_error.html",
        {"form": form, "action": request.path, "table": _kept_table(request.GET.get("table"))},
        status=400,
    )


def _kept_table(name: str | None) -> str:
    """The table to ask for again after an error: a valid one, or every table."""
    if not name:
        return ""
    return name if name in exports.TABLE_NAMES else "all"


REPORT_SCOPE = ("month", "service_area", "team", "tool", "table")


def _record_export(request, what: str) -> None:
    """Who downloaded which report: its filters, never its figures."""
    scope = {name: request.GET.get(name) for name in REPORT_SCOPE}
    audit_read_record(user=request.user, channel="page", what=what, scope=scope)


def _report_or_error(request):
    try:
        return selectors.monthly_report_for_user(user=request.user, filters=request.GET), None
    except DomainError as error:
        return None, error


@login_required
@require_GET
def download_xlsx(request):
    report, error = _report_or_error(request)
    if error is not None:
        return _bad_download(request, error.message)
    _record_export(request, "export:report-xlsx")
    labels = exports.filter_labels(report["filters"])
    content = exports.to_xlsx(report, labels)
    return _attachment(content, f"{exports.file_stem(report)}.xlsx", XLSX_TYPE)


@login_required
@require_GET
def download_json(request):
    """Every table of the report as JSON: each figure's count, percentage and the audit-list
    filter behind it (the same tables as the XLSX and CSV)."""
    report, error = _report_or_error(request)
    if error is not None:
        return _bad_download(request, error.message)
    _record_export(request, "export:report-json")
    content = exports.to_json(report, exports.filter_labels(report["filters"]))
    return _attachment(content, f"{exports.file_stem(report)}.json", "application/json")


@login_required
@require_GET
def download_csv(request):
    """?table=<name> for one table's CSV; without it (or "all") a zip of every table."""
    table = request.GET.get("table") or "all"
    report, error = _report_or_error(request)
    if error is not None:
        return _bad_download(request, error.message)
    if table != "all" and table not in exports.TABLE_NAMES:
        message = f"There is no table called {table!r}. Choose one of: all, " + ", ".join(
            exports.TABLE_NAMES
        )
        return _bad_download(request, message, bad_table=True)
    _record_export(request, f"export:report-csv-{table}"[:40])
    labels = exports.filter_labels(report["filters"])
    stem = exports.file_stem(report)
    if table == "all":
        return _attachment(exports.to_csv_zip(report, labels), f"{stem}.zip", "application/zip")
    content = "\ufeff" + exports.table_csv(report, table, labels)
    return _attachment(content, f"{stem}-{table}.csv", "text/csv; charset=utf-8")


# ---------------------------------------------------------------- snapshots


class PublishForm(forms.Form):
    month = MonthFormField(label="Month", help_text="As YYYY-MM, for example 2019-03.")


# Celery beat's entry (config/settings.py) that publishes the previous month's report.
SCHEDULED_PUBLICATION = "publish-previous-month-report"


def next_scheduled_publication(now: dt.datetime) -> dict:
    """When Celery beat next publishes the previous month's report (its schedule in
    settings.CELERY_BEAT_SCHEDULE), and which month that is."""
    # A celery crontab; its stubs leave out day_of_month, hour and minute, which it has.
    schedule: Any = settings.CELERY_BEAT_SCHEDULE[SCHEDULED_PUBLICATION]["schedule"]
    day, at = min(schedule.day_of_month), dt.time(min(schedule.hour), min(schedule.minute))
    on = now.date().replace(day=day)
    if (on, at) <= (now.date(), now.time()):
        on = (on.replace(day=28) + dt.timedelta(days=8)).replace(day=day)
    return {"on": on, "at": at, "month": months_before(on.replace(day=1), 1)}


def _snapshot_list_page(request, *, form: PublishForm | None = None, status: int = 200):
    snapshots = permissions.snapshots_for_user(user=request.user)
    page = Paginator(snapshots, 50).get_page(request.GET.get("page"))
    can_publish = permissions.snapshot_publish_allowed(request.user)
    if form is None and can_publish:
        previous = months_before(timezone.localdate().replace(day=1), 1)
        form = PublishForm(initial={"month": format_month(previous)})
    return render(
        request,
        "reporting/snapshots.html",
        {
            "page_obj": page,
            "form": form,
            "can_publish": can_publish,
            "scheduled": next_scheduled_publication(timezone.localtime()),
        },
        status=status,
    )


@login_required
@require_GET
def snapshot_list(request):
    return _snapshot_list_page(request)


@login_required
@require_POST
def snapshot_publish(request):
    permissions.check_snapshot_publish(request.user)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _snapshot_list_page(request, form=form, status=400)
    try:
        snapshot = services.snapshot_request(month=form.cleaned_data["month"], actor=request.user)
    except DomainError as error:
        add_service_errors(form, error)
        return _snapshot_list_page(request, form=form, status=400)
    assert snapshot is not None  # only a scheduled request can find its version already there
    snapshot.refresh_from_db(fields=["status", "error"])
    name = f"The {snapshot.month:%B %Y} report, version {snapshot.version},"
    if snapshot.status == ReportSnapshot.Status.PUBLISHED:
        messages.success(request, f"{name} is published.")
    elif snapshot.error == services.NOT_SENT:
        messages.warning(request, f"{name} is queued. {services.NOT_SENT}")
    else:
        messages.success(request, f"{name} is being published.")
    return redirect(snapshot)


def _display_tables(data: dict) -> list:
    """The export's tables for a page, every column, with no drill-down links: the figures
    are as they stood when published, the audit list as it stands now."""
    labels = exports.filter_labels(data["filters"])
    return [whole_table(table) for table in exports.report_tables(data, labels)]


@login_required
@require_GET
def snapshot_detail(request, pk: int):
    snapshot = permissions.snapshot_for_user(user=request.user, snapshot_id=pk)
    published = snapshot.status == ReportSnapshot.Status.PUBLISHED
    return render(
        request,
        "reporting/snapshots_detail.html",
        {
            "snapshot": snapshot,
            "tables": _display_tables(snapshot.data or {}) if published else [],
        },
    )


@login_required
@require_GET
def snapshot_download(request, pk: int):
    snapshot = permissions.snapshot_for_user(user=request.user, snapshot_id=pk)
    if snapshot.status != ReportSnapshot.Status.PUBLISHED:
        raise Http404("This report snapshot has not been published.")
    filename = f"qa-report-{format_month(snapshot.month)}-v{snapshot.version}.xlsx"
    audit_read_record(
        user=request.user,
        channel="page",
        what="export:snapshot-xlsx",
        scope={"snapshot": snapshot.pk, "month": format_month(snapshot.month)},
    )
    return _attachment(snapshot.xlsx_bytes(), filename, XLSX_TYPE)
