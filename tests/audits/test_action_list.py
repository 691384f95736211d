"""The Actions page (/actions/), its CSV and the API's action filters: who sees which actions,
each filter, overdue as of today, the counts and their links, the order, bad filters, the
CSV's content and formula neutralisation, and query counts that do not grow with the data.

Dates are relative to today, so the tests hold whatever day they run on.
"""

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from audits import selectors
from core.models import Action
from core.services.actions import action_create, action_status_set
from tests.factories import AuditFactory, TeamFactory, UserFactory, submitted_audit

pytestmark = pytest.mark.django_db

SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
# The page: session, user, two-factor device, roles, count, counts, areas, teams, rows, and
# the header's inbox count (audits.inbox).
QUERIES_PAGE = 10
QUERIES_CSV = 6  # session, user, two-factor device, roles, the access-log record, rows
FORMULA_OWNER = '=HYPERLINK("http://example.org","Click")'

# The default order for someone who reads every action: open ones by due date (the overdue
# at the top), then done ones, the most recently completed first.
ALL_IN_ORDER = [
    "late",
    "team_two",
    "colleague_draft",
    "due_today",
    "far",
    "soon",
    "done_recently",
    "done_long_ago",
]
AUDITOR_SEES = {"late", "soon", "due_today", "done_recently", "done_long_ago"}
VIEWER_SEES = set(ALL_IN_ORDER) - {"far"}


class World:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def _action(audit, name: str, owner: str, due_in_days: int, done_ago=None) -> Action:
    today = timezone.localdate()
    action = action_create(
        audit=audit,
        actor=audit.auditor,
        description=name,
        owner=owner,
        due_date=today + dt.timedelta(days=due_in_days),
    )
    if done_ago is not None:
        action_status_set(action=action, actor=audit.auditor, status=Action.Status.DONE)
        Action.objects.filter(pk=action.pk).update(completed_at=timezone.now() - done_ago)
    return action


@pytest.fixture
def world(area, other_area, team, other_team, auditor, same_team_auditor, other_team_auditor):
    """Audits in the auditor's team (theirs and a colleague's), another team of the same area
    and a team of another area, each with actions open, overdue or done."""
    team_two = TeamFactory(service_area=area, name="CIN team 2")
    team_two_auditor = UserFactory(username="team_two_auditor", team=team_two, roles=["auditor"])
    own = submitted_audit(auditor=auditor, case__team=team, month=OCT)
    own_draft = AuditFactory(auditor=auditor, case__team=team, month=NOV)
    colleague = submitted_audit(auditor=same_team_auditor, case__team=team, month=SEP)
    colleague_draft = AuditFactory(auditor=same_team_auditor, case__team=team, month=OCT)
    team_two_audit = submitted_audit(auditor=team_two_auditor, case__team=team_two, month=OCT)
    far = submitted_audit(auditor=other_team_auditor, case__team=other_team, month=OCT)
    actions = {
        "late": _action(own, "late", "Social worker", -10),
        "soon": _action(own, "soon", "Team manager", 5),
        "due_today": _action(colleague, "due_today", "social worker (SW2)", 0),
        "done_long_ago": _action(own_draft, "done_long_ago", "IRO", -20, dt.timedelta(days=3)),
        "done_recently": _action(
            colleague, "done_recently", "Team manager", -1, dt.timedelta(hours=1)
        ),
        "colleague_draft": _action(colleague_draft, "colleague_draft", "Social worker", -2),
        "team_two": _action(team_two_audit, "team_two", "Service manager", -5),
        "far": _action(far, "far", FORMULA_OWNER, 1),
    }
    return World(
        area=area,
        other_area=other_area,
        team=team,
        team_two=team_two,
        other_team=other_team,
        audits={"own": own, "colleague": colleague, "far": far},
        actions=actions,
    )


def _page(client, user, **filters):
    client.force_login(user)
    return client.get(reverse("action_list"), filters)


def listed(client, user, **filters) -> list[str]:
    """The actions the page lists (their descriptions), in order, all pages."""
    response = _page(client, user, **filters)
    assert response.status_code == 200, response.content.decode()[:500]
    paginator = response.context["page_obj"].paginator
    return [a.description for n in paginator.page_range for a in paginator.page(n).object_list]


def api_listed(api_client, user, **filters) -> list[str]:
    api_client.force_login(user)
    response = api_client.get("/api/actions/", {**filters, "page_size": 200})
    assert response.status_code == 200, response.content[:500]
    return [row["description"] for row in response.json()["results"]]


# ---------------------------------------------------------------- who sees which actions


def test_each_role_sees_the_actions_on_the_audits_it_reads(
    client, api_client, world, auditor, viewer, other_viewer, qa_lead, moderator
):
    assert set(listed(client, auditor)) == AUDITOR_SEES
    assert set(listed(client, viewer)) == VIEWER_SEES  # own area only
    assert listed(client, other_viewer) == ["far"]
    assert listed(client, qa_lead) == ALL_IN_ORDER
    # Moderators read submitted audits, not drafts.
    assert set(listed(client, moderator)) == set(ALL_IN_ORDER) - {
        "done_long_ago",
        "colleague_draft",
    }
    # The API lists the same, in the same order.
    for user in (auditor, viewer, qa_lead):
        assert api_listed(api_client, user) == listed(client, user)


def test_the_page_names_case_team_owner_due_date_and_status(client, world, qa_lead):
    html = _page(client, qa_lead).content.decode()
    own = world.audits["own"]
    link = f'href="{reverse("audit_detail", args=[own.pk])}">{own.case.reference}'
    assert link in html
    assert "CIN team 2" in html and "CiC team 1" in html
    row = _row(html, "late")
    assert "Social worker" in row
    assert (timezone.localdate() - dt.timedelta(days=10)).strftime("%-d\u00a0%b\u00a0%Y") in row
    assert 'govuk-tag--red">Overdue' in row
    assert '<strong class="govuk-tag">Open' in _row(html, "due_today")  # due today: not yet overdue
    done = _row(html, "done_recently")
    completed = timezone.localtime(Action.objects.get(description="done_recently").completed_at)
    assert 'govuk-tag--green">Done' in done and f"on {completed:%-d\u00a0%b\u00a0%Y}" in done
    assert "Overdue" not in done  # done, though its due date has passed
    # Formula-like text is shown as text on the page (escaped by the template).
    assert "=HYPERLINK(&quot;http://example.org&quot;,&quot;Click&quot;)" in html


def _row(html: str, description: str) -> str:
    """The table row whose Action cell is `description`."""
    rows = re.findall(r"<tr class=\"govuk-table__row\">.*?</tr>", html, re.S)
    (row,) = [row for row in rows if f'<td class="govuk-table__cell">{description}</td>' in row]
    return row


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "open"}, {"late", "soon", "due_today", "colleague_draft", "team_two", "far"}),
        ({"status": "done"}, {"done_recently", "done_long_ago"}),
        ({"overdue": "true"}, {"late", "colleague_draft", "team_two"}),
        ({"overdue": "false"}, {"soon", "due_today", "far", "done_recently", "done_long_ago"}),
        ({"owner": "social worker"}, {"late", "due_today", "colleague_draft"}),
        ({"owner": "MANAGER"}, {"soon", "done_recently", "team_two"}),
        ({"month": "2026-09"}, {"due_today", "done_recently"}),
        ({"month": "2026-11"}, {"done_long_ago"}),
        ({"month": "2027-01"}, set()),
        (
            {"overdue": "true", "owner": "social", "month": "2026-10"},
            {"late", "colleague_draft"},
        ),
    ],
)
def test_each_filter_on_the_page_and_in_the_api(
    client, api_client, world, qa_lead, filters, expected
):
    assert set(listed(client, qa_lead, **filters)) == expected
    assert set(api_listed(api_client, qa_lead, **filters)) == expected


def test_area_team_and_due_before_filters(client, api_client, world, qa_lead):
    today = timezone.localdate()
    cases = [
        ({"service_area": world.other_area.pk}, {"far"}),
        ({"service_area": world.area.pk}, VIEWER_SEES),
        ({"team": world.team_two.pk}, {"team_two"}),
        ({"team": world.team.pk}, VIEWER_SEES - {"team_two"}),
        # Due before today, not on it: the overdue and the done that were due earlier.
        (
            {"due_before": today.isoformat()},
            {"late", "team_two", "colleague_draft", "done_recently", "done_long_ago"},
        ),
        (
            {"due_before": (today + dt.timedelta(days=2)).isoformat(), "status": "open"},
            {"late", "team_two", "colleague_draft", "due_today", "far"},
        ),
    ]
    for filters, expected in cases:
        assert set(listed(client, qa_lead, **filters)) == expected, filters
        assert set(api_listed(api_client, qa_lead, **filters)) == expected, filters


def test_filters_are_shown_and_kept_in_the_form(client, world, qa_lead):
    html = _page(client, qa_lead, status="open", overdue="true", owner="social").content.decode()
    assert '<option value="open" selected>Open</option>' in html
    assert '<option value="true" selected>Yes</option>' in html
    assert 'name="owner" type="text" value="social"' in html
    assert f'href="{reverse("action_list")}">Clear filters' in html


def test_overdue_is_as_of_today(client, world, qa_lead):
    """Due yesterday and open: overdue; due today: not yet; done: never."""
    audit = world.audits["own"]
    yesterday = _action(audit, "yesterday", "Social worker", -1)
    _action(audit, "today", "Social worker", 0)
    overdue = set(listed(client, qa_lead, overdue="true"))
    assert "yesterday" in overdue and "today" not in overdue
    action_status_set(action=yesterday, actor=audit.auditor, status=Action.Status.DONE)
    assert "yesterday" not in set(listed(client, qa_lead, overdue="true"))


def test_a_head_of_service_chooses_only_among_their_own_areas(client, api_client, world, viewer):
    response = _page(client, viewer)
    area_options = response.context["filter"].form.fields["service_area"].queryset
    team_options = response.context["filter"].form.fields["team"].queryset
    assert list(area_options) == [world.area]
    assert set(team_options) == {world.team, world.team_two}
    html = response.content.decode()
    assert world.other_area.name not in html and world.other_team.name not in html
    # Another area by hand: refused on the page, never listed.
    refused = _page(client, viewer, service_area=world.other_area.pk)
    assert refused.status_code == 400
    assert 'href="#id_service_area"' in refused.content.decode()
    # The API lists only what they read anyway: another area is an empty list.
    assert api_listed(api_client, viewer, service_area=world.other_area.pk) == []


def test_a_team_manager_chooses_among_their_teams_area(client, world, auditor, qa_lead):
    form = _page(client, auditor).context["filter"].form
    assert list(form.fields["service_area"].queryset) == [world.area]
    everything = _page(client, qa_lead).context["filter"].form
    assert set(everything.fields["service_area"].queryset) == {world.area, world.other_area}


# ---------------------------------------------------------------- counts


def _counts(response) -> dict:
    return response.context["counts"]


def test_counts_of_open_overdue_and_done(client, world, qa_lead, viewer):
    counts = _counts(_page(client, qa_lead))
    assert {name: c["n"] for name, c in counts.items()} == {"open": 6, "overdue": 3, "done": 2}
    counts = _counts(_page(client, viewer, owner="social"))
    assert {name: c["n"] for name, c in counts.items()} == {"open": 3, "overdue": 2, "done": 0}
    assert counts["done"]["href"] is None  # nothing to list: no link


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"service_area": "area"},
        {"owner": "manager"},
        {"overdue": "false"},
        {"status": "open", "month": "2026-10"},
        {"due_before": "today"},
    ],
)
def test_each_count_links_to_exactly_those_actions(client, world, qa_lead, viewer, filters):
    filters = {
        name: (
            world.area.pk
            if value == "area"
            else timezone.localdate().isoformat()
            if value == "today"
            else value
        )
        for name, value in filters.items()
    }
    for user in (qa_lead, viewer):
        response = _page(client, user, **filters)
        html = response.content.decode()
        for name, count in _counts(response).items():
            if count["n"] == 0:
                assert count["href"] is None
                continue
            assert f'href="{count["href"]}"'.replace("&", "&amp;") in html
            # The filters in force are kept; the count's own condition is added.
            own = {"open": ("status", "open"), "overdue": ("overdue", "true")}
            own_key, own_value = own.get(name, ("status", "done"))
            query = parse_qs(urlsplit(count["href"]).query)
            assert query == {
                **{key: [str(value)] for key, value in filters.items()},
                own_key: [own_value],
            }
            followed = client.get(count["href"])
            assert followed.status_code == 200
            assert followed.context["page_obj"].paginator.count == count["n"], (name, filters)
            rows = [a for a in followed.context["page_obj"].object_list]
            today = timezone.localdate()
            if name == "open":
                assert all(a.status == "open" for a in rows)
            elif name == "overdue":
                assert all(a.status == "open" and a.due_date < today for a in rows)
            else:
                assert all(a.status == "done" for a in rows)
            assert f"{count['n']} action" in followed.content.decode()


def test_counts_are_one_aggregate_query(world, qa_lead, django_assert_num_queries):
    actions = selectors.action_list_for_user(user=qa_lead, filters={"owner": "social"})
    with django_assert_num_queries(1):
        counts = selectors.action_counts(actions=actions)
    assert counts == {"open": 3, "overdue": 2, "done": 0}


# ---------------------------------------------------------------- order and pages


def test_fifty_actions_a_page_in_order(client, world, qa_lead):
    audit = world.audits["far"]
    for n in range(50):
        _action(audit, f"extra {n:02d}", "Social worker", 30 + n)
    response = _page(client, qa_lead)
    page = response.context["page_obj"]
    assert page.paginator.count == 58 and len(page.object_list) == 50
    second = _page(client, qa_lead, page=2).context["page_obj"].object_list
    descriptions = [a.description for a in page.object_list] + [a.description for a in second]
    # Open first by due date (the extra ones fall due last), then the two done ones.
    assert descriptions[:6] == ALL_IN_ORDER[:6]
    assert descriptions[6:56] == [f"extra {n:02d}" for n in range(50)]
    assert descriptions[56:] == ["done_recently", "done_long_ago"]
    # The pagination keeps the filters.
    filtered = _page(client, qa_lead, status="open").content.decode()
    assert "?status=open&amp;page=2" in filtered


# ---------------------------------------------------------------- bad filters


BAD_FILTERS = [
    {"status": "finished"},
    {"overdue": "perhaps"},
    {"service_area": "abc"},
    {"service_area": "99999999999999999999999"},
    {"team": "0"},
    {"team": "-1"},
    {"owner": "x" * 121},
    {"owner": "nul\x00byte"},
    {"month": "2026-13"},
    {"month": "October"},
    {"due_before": "30/11/2026"},
    {"due_before": "2026-02-30"},
    {"due_before": "2026-1-5"},
]


@pytest.mark.parametrize("bad", BAD_FILTERS, ids=lambda bad: next(iter(bad)))
def test_a_bad_filter_is_an_error_summary_on_the_page(client, world, qa_lead, bad):
    response = _page(client, qa_lead, **bad)
    assert response.status_code == 400
    html = response.content.decode()
    (name,) = bad
    assert "<title>Error: Actions" in html and "There is a problem" in html
    assert f'href="#id_{name}"' in html
    assert f'id="id_{name}-error"' in html  # the message beside the field too
    assert "Correct the filters to see the actions." in html
    assert "govuk-table__body" not in html  # no list that ignored the bad filter
    csv_response = client.get(reverse("action_list_csv"), bad)
    assert csv_response.status_code == 400
    assert "There is a problem" in csv_response.content.decode()


@pytest.mark.parametrize("bad", [*BAD_FILTERS, {"owner": ""}, {"due_before": ""}])
def test_a_bad_filter_is_a_400_per_field_in_the_api(api_client, world, qa_lead, bad):
    api_client.force_login(qa_lead)
    response = api_client.get("/api/actions/", bad)
    assert response.status_code == 400
    body = response.json()
    (name,) = bad
    assert body["detail"] and body[name] and all(isinstance(m, str) for m in body[name])


def test_several_bad_filters_each_get_their_message(client, api_client, world, qa_lead):
    bad = {"status": "x", "month": "2026-13", "due_before": "tomorrow"}
    html = _page(client, qa_lead, **bad).content.decode()
    for name in bad:
        assert f'href="#id_{name}"' in html
    api_client.force_login(qa_lead)
    assert set(bad) <= set(api_client.get("/api/actions/", bad).json())


# ---------------------------------------------------------------- CSV


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming  # rows are sent as they are read (StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_of_the_filtered_list(client, world, qa_lead):
    client.force_login(qa_lead)
    response = client.get(reverse("action_list_csv"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="actions-{timezone.localdate().isoformat()}.csv"'
    )
    header, *rows = _csv(response)
    assert header == [
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
    assert [row[4] for row in rows] == ALL_IN_ORDER
    by_name = {row[4]: row for row in rows}
    late = world.actions["late"]
    assert by_name["late"] == [
        world.audits["own"].case.reference,
        "2026-10",
        world.area.name,
        world.team.name,
        "late",
        "Social worker",
        late.due_date.isoformat(),
        "Overdue",
        "",
    ]
    assert by_name["soon"][7] == "Open"
    done = Action.objects.get(pk=world.actions["done_recently"].pk)
    assert by_name["done_recently"][7:] == [
        "Done",
        timezone.localtime(done.completed_at).date().isoformat(),
    ]
    # Formula injection neutralised as in the report exports: a leading apostrophe.
    assert by_name["far"][5] == "'" + FORMULA_OWNER
    # The same filters as the page.
    filtered = _csv(client.get(reverse("action_list_csv"), {"overdue": "true"}))
    assert [row[4] for row in filtered[1:]] == ["late", "team_two", "colleague_draft"]


def test_csv_neutralises_every_text_a_spreadsheet_would_run(client, world, qa_lead):
    audit = world.audits["own"]
    for start in ("=", "+", "-", "@"):
        _action(audit, f"{start}1+1 description", f"{start}SUM(A1:A9)", 3)
    client.force_login(qa_lead)
    rows = _csv(client.get(reverse("action_list_csv"), {"owner": "SUM("}))[1:]
    assert len(rows) == 4
    for row in rows:
        assert row[4].startswith("'") and row[5].startswith("'")
        assert row[5][1:] in {"=SUM(A1:A9)", "+SUM(A1:A9)", "-SUM(A1:A9)", "@SUM(A1:A9)"}


def test_csv_lists_only_what_the_user_reads(client, world, viewer, other_viewer):
    client.force_login(viewer)
    rows = _csv(client.get(reverse("action_list_csv")))[1:]
    assert {row[4] for row in rows} == VIEWER_SEES
    client.force_login(other_viewer)
    rows = _csv(client.get(reverse("action_list_csv")))[1:]
    assert [row[4] for row in rows] == ["far"]


def test_the_page_links_to_the_csv_with_its_filters(client, world, qa_lead):
    html = _page(client, qa_lead, overdue="true", owner="social").content.decode()
    assert f'href="{reverse("action_list_csv")}?overdue=true&amp;owner=social"' in html


# ---------------------------------------------------------------- navigation


def _nav_hrefs(html: str) -> list[str]:
    return re.findall(r'class="govuk-service-navigation__link" href="([^"]+)"', html)


def test_actions_is_in_the_header_after_all_audits(client, world, auditor, viewer, qa_lead):
    actions, all_audits = reverse("action_list"), reverse("audit_list")
    for user in (viewer, qa_lead):
        client.force_login(user)
        hrefs = _nav_hrefs(client.get(reverse("inbox")).content.decode())
        assert hrefs.count(actions) == 1
        assert hrefs.index(actions) == hrefs.index(all_audits) + 1
    # A team manager has no "All audits": Actions follows Programmes.
    client.force_login(auditor)
    hrefs = _nav_hrefs(client.get(reverse("my_audits")).content.decode())
    assert all_audits not in hrefs and hrefs.count(actions) == 1
    assert hrefs.index(actions) == hrefs.index(reverse("programme_list")) + 1
    # On the page itself the item is marked as where you are.
    html = client.get(actions).content.decode()
    assert re.search(f'href="{actions}" aria-current="true">\\s*<strong', html)


def test_no_actions_link_without_a_role(client, db, team):
    nobody = UserFactory(username="nobody", team=team, roles=[])
    client.force_login(nobody)
    html = client.get(reverse("my_audits")).content.decode()
    assert reverse("action_list") not in _nav_hrefs(html)
    # The page itself lists nothing for them.
    assert client.get(reverse("action_list")).context["page_obj"].paginator.count == 0


def test_signed_out_is_sent_to_sign_in(client):
    for name in ("action_list", "action_list_csv"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- query counts


def _more_actions(world, n: int) -> None:
    """n more actions spread over new audits in every team, a fifth of them done."""
    teams = [world.team, world.team_two, world.other_team]
    for i in range(n):
        if i % 5 == 0:
            audit = AuditFactory(case__team=teams[(i // 5) % 3])
        _action(
            audit,
            f"more {i}",
            "Social worker",
            i - n // 2,
            dt.timedelta(hours=i) if i % 5 == 4 else None,
        )


@pytest.mark.parametrize("size", [0, 60])
def test_query_count_does_not_grow_with_the_actions(
    client, world, qa_lead, viewer, size, django_assert_max_num_queries
):
    _more_actions(world, size)
    for user in (qa_lead, viewer):
        client.force_login(user)
        with django_assert_max_num_queries(QUERIES_PAGE):
            response = client.get(reverse("action_list"), {"owner": "o"})
        assert response.status_code == 200
        with django_assert_max_num_queries(QUERIES_CSV):
            response = client.get(reverse("action_list_csv"))
            b"".join(response.streaming_content)  # the rows are read while streaming
        assert response.status_code == 200
