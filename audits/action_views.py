"""The Actions page: every action on the audits you may read, to chase until it is done.

What is listed comes from selectors (which ask moderation.access.audits_visible_to); the filters
are ActionFilter's, the same as the API's. Bad filters are a 400 page with an error summary
and the form to correct them, never a list that quietly ignored one. The counts above the
table are of the filtered actions, and each links to the list filtered to exactly those.
"""

import csv
from collections.abc import Iterable, Iterator
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audits import selectors
from audits.filters import ACTION_SORTS, ActionFilter
from core.filters import known_sort, sort_headers
from core.models import Action, ServiceArea, Team, User
from core.services.access_log import audit_read_record
from core.spreadsheets import neutralise

PAGE_SIZE = 50
SORT_LABELS = [
    ("case", "Case reference"),
    ("team", "Team"),
    ("owner", "Owner"),
    ("due", "Due date"),
    ("status", "Status"),
]
CSV_CHUNK_SIZE = 2000  # rows Django reads from the database at a time
OVERDUE_CHOICES = [("", "Any"), ("true", "Yes"), ("false", "No")]
CSV_HEADER = [
    "Case reference",
    "Audit month",
    "Service area",
    "Team",
    "Action",
    "Owner",
    "Due date",
    "Status",
    "Completed on",
]


def _own_areas(user: User):
    """The areas a person chooses from: all for QA leads and moderators (they read the whole
    authority); a head of service their own areas, as the report filters; a team manager
    those and their team's area."""
    if user.is_qa_lead or user.is_moderator:
        return ServiceArea.objects.all()
    own = Q(pk__in=user.service_areas.values("pk"))
    if user.team_id is not None:
        own |= Q(pk__in=Team.objects.filter(pk=user.team_id).values("service_area"))
    return ServiceArea.objects.filter(own)


def _bound_filter(request) -> ActionFilter:
    action_filter = selectors.action_filter_for_user(
        user=request.user, data=known_sort(request.GET, ACTION_SORTS)
    )
    # The audit id is the API's; on the page an audit's actions are on the audit's own page.
    del action_filter.filters["audit"]
    form = action_filter.form
    areas = _own_areas(request.user)
    service_area = cast(forms.ModelChoiceField, form.fields["service_area"])
    service_area.queryset = areas
    service_area.empty_label = "All service areas"
    team = cast(forms.ModelChoiceField, form.fields["team"])
    teams = team.queryset
    assert teams is not None  # ActionFilter.team gives its field the teams
    team.queryset = teams.filter(service_area__in=areas)
    team.empty_label = "All teams"
    # A plain select: NullBooleanSelect marks "either" as "unknown", which would then sit in
    # every link the page makes.
    form.fields["overdue"].widget = forms.Select(choices=OVERDUE_CHOICES)
    # Hints for people; the filters' own help texts are written for the API's readers.
    hints = {
        "overdue": "Open and due before today.",
        "owner": "Part of a role or name, for example social worker.",
        "month": "The audit's month, for example 2026-10.",
        "due_before": "For example 2026-11-30.",
    }
    for name, field in form.fields.items():
        field.help_text = hints.get(name, "")
    return action_filter


def _query(action_filter: ActionFilter, **extra) -> str:
    """The filters in force (as sent) with `extra` on top, URL-encoded; never the page."""
    kept = {
        name: value
        for name in action_filter.filters
        if (value := (action_filter.data or {}).get(name)) not in (None, "")
    }
    return urlencode({**kept, **extra})


def _count_links(action_filter: ActionFilter, counts: dict[str, int]) -> dict[str, dict]:
    """Each count with the list of exactly those actions (none for nothing to list)."""
    base = reverse("action_list")
    narrowing: dict[str, dict[str, str]] = {
        "open": {"status": Action.Status.OPEN},
        "overdue": {"overdue": "true"},
        "done": {"status": Action.Status.DONE},
    }
    return {
        name: {
            "n": counts[name],
            "href": f"{base}?{_query(action_filter, **extra)}" if counts[name] else None,
        }
        for name, extra in narrowing.items()
    }


def _invalid(request, action_filter: ActionFilter):
    return render(
        request, "audits/action_list.html", {"filter": action_filter, "invalid": True}, status=400
    )


@login_required
@require_GET
def action_list(request):
    action_filter = _bound_filter(request)
    if not action_filter.is_valid():
        return _invalid(request, action_filter)
    actions = action_filter.qs
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(action_filter)
    return render(
        request,
        "audits/action_list.html",
        {
            "filter": action_filter,
            "page_obj": page,
            "querystring": query,
            "counts": _count_links(action_filter, selectors.action_counts(actions=actions)),
            "csv_href": f"{reverse('action_list_csv')}?{query}".rstrip("?"),
            "sort": (action_filter.data or {}).get("sort", ""),
            "headers": {
                h["key"]: h
                for h in sort_headers(
                    action_filter.data,
                    keys=SORT_LABELS,
                    current=(action_filter.data or {}).get("sort", ""),
                )
            },
            "today": timezone.localdate(),
        },
    )


def _status(action: Action, today) -> str:
    if action.status == Action.Status.DONE:
        return "Done"
    return "Overdue" if action.due_date < today else "Open"


def _csv_row(action: Action, today) -> list:
    audit, team = action.audit, action.audit.case.team
    completed = timezone.localtime(action.completed_at).date() if action.completed_at else None
    return [
        audit.case.reference,
        f"{audit.month:%Y-%m}",
        team.service_area.name,
        team.name,
        action.description,
        action.owner_name,
        action.due_date.isoformat(),
        _status(action, today),
        completed.isoformat() if completed else "",
    ]


class _Line:
    """csv.writer's file: hands back each line it is given instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def _csv_lines(rows: Iterable[list]) -> Iterator[str]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    # UTF-8 with a byte-order mark, so Excel reads accents correctly.
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for row in rows:
        yield writer.writerow(row)


@login_required
@require_GET
def action_list_csv(request):
    """The filtered list as CSV; text a spreadsheet would run is made literal (neutralise)."""
    action_filter = _bound_filter(request)
    if not action_filter.is_valid():
        return _invalid(request, action_filter)
    today = timezone.localdate()
    audit_read_record(
        user=request.user,
        channel="page",
        what="export:actions-csv",
        scope={name: request.GET.get(name) for name in action_filter.filters},
    )
    rows = (
        [neutralise(value) for value in _csv_row(action, today)]
        for action in action_filter.qs.iterator(chunk_size=CSV_CHUNK_SIZE)
    )
    # Streamed: each row is sent as it is written, so a long list never sits whole in memory
    # (with DATABASE_POOLING=transaction the rows come from a client-side cursor, one chunk of
    # CSV_CHUNK_SIZE at a time from Django; tests/audits/test_action_csv_stream.py).
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="actions-{today.isoformat()}.csv"'
    return response
