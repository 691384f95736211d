"""THE access policy: every API operation and every page × every role × every object relation.

This table is the policy written down; the matrix tests (test_api_permission_matrix.py,
test_page_permission_matrix.py) make a real request for every cell and compare. It follows
DOMAIN.md and the access functions (audits/, moderation/, reporting/permissions.py): 404 when
the user may not know an object exists, 403 when they may see it but not do this.

Roles (one person each, tests/security/world.py builds them):
  anonymous        not signed in
  auditor          a team manager (auditor) in team 1 of service area A
  moderator        a QA officer who has claimed (and completed) every moderation below
  other_moderator  a QA officer who has claimed none of them
  viewer           a head of service for area A (in scope for own, same_team, other_team)
  other_viewer     a head of service for area B (in scope for other_area only)
  qa_lead          the QA lead
  no_role          signed in, in team 1, but holding no role at all

Objects are named "<relation>/<state>", the relation always seen from the auditor above:
  own          written by the auditor, a case of team 1
  same_team    written by a colleague in team 1
  other_team   written by an auditor of team 2, also in area A
  other_area   written by an auditor of a team in area B
An audit is in one of these states:
  draft        assigned, not submitted
  submitted    submitted in the month's programme, not in the moderation sample
  waiting      submitted and in the sample, not claimed
  claimed      claimed by `moderator`
  blind        claimed by `moderator` in a blind programme, auditor's grades not yet revealed
  completed    moderated to Inadequate with an escalation (open) by `moderator`
A moderation "own/claimed" is the moderation of the audit "own/claimed"; an action
"own/draft" is on the audit "own/draft"; an escalation "own" is the escalation of
"own/completed"; a case "same_team/fresh" is a case of team 1 never audited. Operations on no
object (lists, creates from nothing, reports without a filter) have the one object "-".
Report objects are filters: "same_team" is ?team=<team 1>, "other_area" ?service_area=<B>.

Expectations: a status code, or LOGIN for a page's redirect to the sign-in page. A role's
entry is either one outcome for every object, or patterns (fnmatch) tried in order, the first
match deciding. For lists, ROWS says which objects each role must see: exactly those, no
more (a leak), no fewer.
"""

from dataclasses import dataclass, field

ROLES = (
    "anonymous",
    "auditor",
    "moderator",
    "other_moderator",
    "viewer",
    "other_viewer",
    "qa_lead",
    "no_role",
)
RELATIONS = ("own", "same_team", "other_team", "other_area")
AUDIT_STATES = ("draft", "submitted", "waiting", "claimed", "blind", "completed")
MODERATION_STATES = ("waiting", "claimed", "blind", "completed")
LOGIN = "login"  # a page's redirect to the sign-in page

NONE = ("-",)
ALL_AUDITS = tuple(f"{r}/{s}" for r in RELATIONS for s in AUDIT_STATES)
ALL_MODERATIONS = tuple(f"{r}/{s}" for r in RELATIONS for s in MODERATION_STATES)
ALL_ACTIONS = tuple(f"{r}/{s}" for r in RELATIONS for s in ("draft", "submitted"))
ALL_ESCALATIONS = RELATIONS
FRESH_CASES = ("same_team/fresh", "other_team/fresh", "other_area/fresh")
ALL_CASES = ALL_AUDITS + FRESH_CASES
DRAFT_AND_SUBMITTED = ALL_ACTIONS  # the same names, as audits
REPORT_FILTERS = ("-", "same_team", "other_area")


def each(state: str) -> tuple[str, ...]:
    return tuple(f"{r}/{state}" for r in RELATIONS)


@dataclass(frozen=True)
class Rule:
    # The kind of object the operation acts on, or a list shows (a World attribute), or "-".
    target: str
    objects: tuple[str, ...]
    expect: dict[str, int | str | dict[str, int | str]]
    # Lists: the rows each role must see, as "the objects `rows_like` allows (200) among
    # `row_objects`" (one rule for the list and the detail), or explicit patterns per role.
    rows_like: str | None = None
    row_objects: tuple[str, ...] = ()
    rows: dict[str, tuple[str, ...]] = field(default_factory=dict)


# ------------------------------------------------------------------ who reads what

# Audits: the auditor reads their own, and their team's once submitted; moderators read
# submitted audits except a blind one not yet revealed; a head of service reads their areas'.
AUDIT_READ = {
    "anonymous": 401,
    "auditor": {"same_team/draft": 404, "own/*": 200, "same_team/*": 200, "*": 404},
    "moderator": {"*/draft": 404, "*/blind": 404, "*": 200},
    "other_moderator": {"*/draft": 404, "*/blind": 404, "*": 200},
    "viewer": {"other_area/*": 404, "*": 200},
    "other_viewer": {"other_area/*": 200, "*": 404},
    "qa_lead": 200,
    "no_role": 403,
}
# Actions follow their audit (drafts and submitted audits only carry actions here).
ACTION_READ = {
    **AUDIT_READ,
    "moderator": {"*/draft": 404, "*": 200},
    "other_moderator": {"*/draft": 404, "*": 200},
}
# Moderations: moderators and QA leads read all; once completed, the audit's auditor and the
# area's head of service read it, never while a moderator is still working.
MODERATION_READ = {
    "anonymous": 401,
    "auditor": {"own/completed": 200, "*": 404},
    "moderator": 200,
    "other_moderator": 200,
    "viewer": {"other_area/*": 404, "*/completed": 200, "*": 404},
    "other_viewer": {"other_area/completed": 200, "*": 404},
    "qa_lead": 200,
    "no_role": 403,
}
# Escalations: the auditor's with its audit, a moderator's with its moderation (these are all
# moderators' escalations: the team colleague who may not read the moderation gets 404).
ESCALATION_READ = {
    "anonymous": 401,
    "auditor": {"own": 200, "*": 404},
    "moderator": 200,
    "other_moderator": 200,
    "viewer": {"other_area": 404, "*": 200},
    "other_viewer": {"other_area": 200, "*": 404},
    "qa_lead": 200,
    "no_role": 403,
}
# Only the audit's own auditor writes it, and only until it is submitted (then 409).
AUDITS_WRITE = {
    "anonymous": 401,
    "auditor": {"own/draft": 200, "own/submitted": 409, "same_team/submitted": 403, "*": 404},
    "moderator": {"*/submitted": 403, "*": 404},
    "other_moderator": {"*/submitted": 403, "*": 404},
    "viewer": {"other_area/*": 404, "*": 403},
    "other_viewer": {"other_area/*": 403, "*": 404},
    "qa_lead": 403,
    "no_role": 403,
}
EVERY_ROLE = {"anonymous": 401, **{r: 200 for r in ROLES[1:-1]}, "no_role": 403}
QA_LEAD_ONLY = {"anonymous": 401, **{r: 403 for r in ROLES[1:]}, "qa_lead": 200}
QA_LEAD_CREATES = {**QA_LEAD_ONLY, "qa_lead": 201}
MODERATORS_AND_QA = {**QA_LEAD_ONLY, "moderator": 200, "other_moderator": 200}
# A snapshot counting an audit that waits for blind moderation: 403 to those who may moderate.
SNAPSHOT_WHILE_BLIND = QA_LEAD_ONLY
# Reports: QA leads and moderators read the whole authority; a head of service their own
# areas (asking for another area is refused, not answered with an empty report); no one else.
REPORT_READ = {
    **MODERATORS_AND_QA,
    "viewer": {"other_area": 403, "*": 200},
    "other_viewer": {"same_team": 403, "*": 200},
    # A team manager reads their own team's reports: forced to it with no filter, their own
    # team asked for is theirs, any other team or area is refused.
    "auditor": {"other_area": 403, "*": 200},
}

CALIBRATION_READ = {**REPORT_READ, "moderator": 403, "other_moderator": 403}


def moderation_write(claimant: dict, *, qa_lead=403) -> dict:
    """A moderator's change to a moderation: the claimant's outcomes given; others who can
    read it are refused (403), those who cannot get 404."""
    return {
        "anonymous": 401,
        "auditor": {"own/completed": 403, "*": 404},
        "moderator": claimant,
        "other_moderator": 403,
        "viewer": {"other_area/*": 404, "*/completed": 403, "*": 404},
        "other_viewer": {"other_area/completed": 403, "*": 404},
        "qa_lead": qa_lead,
        "no_role": 403,
    }


# Objects of the moderators' own operations: the state the operation is for, in every
# relation, and the other states of the auditor's own audit.
def moderation_objects(state: str, *others: str) -> tuple[str, ...]:
    return each(state) + tuple(f"own/{s}" for s in others)


# ------------------------------------------------------------------ the API

API: dict[str, Rule] = {
    "token_create": Rule(
        # Each role swaps its own username and password; anonymous sends a wrong password. A
        # QA lead needs the two-factor code as well: a password alone gets no token.
        "-",
        NONE,
        {"anonymous": 400, **{r: 200 for r in ROLES[1:]}, "qa_lead": 400},
    ),
    "tools_list": Rule("-", NONE, EVERY_ROLE),
    "tools_retrieve": Rule("-", NONE, EVERY_ROLE),
    "tools_create": Rule("-", NONE, QA_LEAD_CREATES),
    "tools_versions_create": Rule("-", NONE, QA_LEAD_CREATES),
    "service_areas_list": Rule("-", NONE, EVERY_ROLE),
    "teams_list": Rule("-", NONE, EVERY_ROLE),
    "cases_list": Rule(
        "cases",
        NONE,
        EVERY_ROLE,
        row_objects=ALL_CASES,
        rows={
            "auditor": ("own/*", "same_team/*"),
            "moderator": ("*",),
            "other_moderator": ("*",),
            "viewer": ("own/*", "same_team/*", "other_team/*"),
            "other_viewer": ("other_area/*",),
            "qa_lead": ("*",),
        },
    ),
    "cases_create": Rule("-", NONE, QA_LEAD_CREATES),
    # Authority-wide plans: not a head of service's (their reports show their areas).
    "programmes_list": Rule("-", NONE, {**EVERY_ROLE, "viewer": 403, "other_viewer": 403}),
    "programmes_retrieve": Rule("-", NONE, {**EVERY_ROLE, "viewer": 403, "other_viewer": 403}),
    "programmes_create": Rule("-", NONE, QA_LEAD_CREATES),
    "programmes_partial_update": Rule("-", NONE, QA_LEAD_ONLY),
    "programmes_sample_retrieve": Rule("-", NONE, MODERATORS_AND_QA),
    "programmes_sample_create": Rule("-", NONE, QA_LEAD_CREATES),
    # The staff import is the QA lead's (200 with what it did: nothing is a new resource).
    "staff_import_create": Rule("-", NONE, QA_LEAD_ONLY),
    # The history import too; the matrix sends an empty file (400 says so, nothing written),
    # and follows a job id that does not exist (404 to the QA lead, 403 to everyone else).
    "history_import_create": Rule("-", NONE, {**QA_LEAD_ONLY, "qa_lead": 400}),
    "history_import_job": Rule("-", NONE, {**QA_LEAD_ONLY, "qa_lead": 404}),
    # Moving work to someone else is the QA lead's (the body names the work by id).
    "audits_reassign_create": Rule("-", NONE, QA_LEAD_ONLY),
    "moderations_reassign_create": Rule("-", NONE, QA_LEAD_ONLY),
    # ---- audits
    "audits_list": Rule(
        "audits", NONE, EVERY_ROLE, rows_like="audits_retrieve", row_objects=ALL_AUDITS
    ),
    "audits_retrieve": Rule("audits", ALL_AUDITS, AUDIT_READ),
    "audits_create": Rule(
        # The QA lead assigns a case to the auditor; the auditor starts an audit of a case of
        # their own team. A case the user may not read is "no such case" (400), as unknown.
        "fresh_cases",
        FRESH_CASES,
        {
            "anonymous": 401,
            "auditor": {"same_team/*": 201, "*": 400},
            "moderator": 403,
            "other_moderator": 403,
            # Only QA leads and auditors start audits, refused before any name is looked up.
            "viewer": 403,
            "other_viewer": 403,
            "qa_lead": 201,
            "no_role": 403,
        },
    ),
    "audits_partial_update": Rule("audits", DRAFT_AND_SUBMITTED, AUDITS_WRITE),
    # Submitting is writing: the same rule, and a submitted audit never changes again.
    "audits_submit_create": Rule("audits", DRAFT_AND_SUBMITTED, dict(AUDITS_WRITE)),
    "audits_reaudit_create": Rule(
        # A re-audit is started by an auditor of the case's team, from a submitted audit,
        # never by its own auditor (issue 12 snag 22).
        "audits",
        DRAFT_AND_SUBMITTED,
        {
            "anonymous": 401,
            "auditor": {
                "own/*": 403,
                "same_team/submitted": 201,
                "*": 404,
            },
            "moderator": {"*/submitted": 403, "*": 404},
            "other_moderator": {"*/submitted": 403, "*": 404},
            "viewer": {"other_area/*": 404, "*": 403},
            "other_viewer": {"other_area/*": 403, "*": 404},
            "qa_lead": 403,
            "no_role": 403,
        },
    ),
    # ---- actions
    "actions_list": Rule(
        "actions", NONE, EVERY_ROLE, rows_like="actions_retrieve", row_objects=ALL_ACTIONS
    ),
    "actions_retrieve": Rule("actions", ALL_ACTIONS, ACTION_READ),
    "actions_create": Rule(
        # The audit's auditor, a QA lead, or the moderator moderating the audit adds actions.
        "audits",
        DRAFT_AND_SUBMITTED + each("claimed"),
        {
            "anonymous": 401,
            "auditor": {"own/*": 201, "same_team/draft": 404, "same_team/*": 403, "*": 404},
            "moderator": {"*/claimed": 201, "*/submitted": 403, "*": 404},
            "other_moderator": {"*/draft": 404, "*": 403},
            "viewer": {"other_area/*": 404, "*": 403},
            "other_viewer": {"other_area/*": 403, "*": 404},
            "qa_lead": 201,
            "no_role": 403,
        },
    ),
    "actions_partial_update": Rule(
        # The audit's auditor follows their actions; a QA lead may close any.
        "actions",
        ALL_ACTIONS,
        {
            **ACTION_READ,
            "auditor": {"own/*": 200, "same_team/submitted": 403, "*": 404},
            "moderator": {"*/draft": 404, "*": 403},
            "other_moderator": {"*/draft": 404, "*": 403},
            "viewer": {"other_area/*": 404, "*": 403},
            "other_viewer": {"other_area/*": 403, "*": 404},
        },
    ),
    # ---- moderation
    "moderations_list": Rule(
        "moderations",
        NONE,
        EVERY_ROLE,
        rows_like="moderations_retrieve",
        row_objects=ALL_MODERATIONS,
    ),
    "moderations_retrieve": Rule("moderations", ALL_MODERATIONS, MODERATION_READ),
    "moderations_create": Rule(
        # A QA lead adds a submitted audit to the sample by hand.
        "audits",
        each("submitted") + ("own/draft", "own/waiting"),
        {
            "anonymous": 401,
            "auditor": {"own/*": 403, "same_team/*": 403, "*": 404},
            "moderator": {"own/draft": 404, "*": 403},
            "other_moderator": {"own/draft": 404, "*": 403},
            "viewer": {"other_area/*": 404, "*": 403},
            "other_viewer": {"other_area/*": 403, "*": 404},
            "qa_lead": {"*/submitted": 201, "*": 409},
            "no_role": 403,
        },
    ),
    "moderations_remove_create": Rule(
        # A QA lead takes an audit nobody has claimed out of the sample.
        "moderations",
        moderation_objects("waiting", "claimed", "completed"),
        {
            **moderation_write(403),
            "qa_lead": {"*/waiting": 200, "*": 409},
        },
    ),
    "moderations_claim_create": Rule(
        # Any moderator claims a waiting audit (never one they wrote); one claim wins.
        "moderations",
        moderation_objects("waiting", "claimed", "completed"),
        {
            **moderation_write({"*/waiting": 200, "*": 409}),
            "other_moderator": {"*/waiting": 200, "*": 409},
        },
    ),
    "moderations_release_create": Rule(
        # The claimant gives it back; a QA lead can free a stuck claim.
        "moderations",
        moderation_objects("claimed", "waiting", "completed"),
        moderation_write(
            {"*/claimed": 200, "own/waiting": 403, "*": 409},
            qa_lead={"*/claimed": 200, "*": 409},
        ),
    ),
    "moderations_partial_update": Rule(
        # Only the claimant writes the moderator's grades, and only while claimed.
        "moderations",
        moderation_objects("claimed", "blind", "waiting", "completed"),
        moderation_write({"*/claimed": 200, "*/blind": 200, "own/waiting": 403, "*": 409}),
    ),
    "moderations_reveal_create": Rule(
        "moderations",
        moderation_objects("blind", "claimed", "waiting", "completed"),
        moderation_write({"*/blind": 200, "own/waiting": 403, "*": 409}),
    ),
    "moderations_complete_create": Rule(
        # A blind moderation must reveal first (400 says so).
        "moderations",
        moderation_objects("claimed", "blind", "waiting", "completed"),
        moderation_write({"*/claimed": 200, "own/blind": 400, "own/waiting": 403, "*": 409}),
    ),
    "moderations_return_create": Rule(
        "moderations",
        moderation_objects("claimed", "blind", "waiting", "completed"),
        moderation_write({"*/claimed": 200, "own/blind": 200, "own/waiting": 403, "*": 409}),
    ),
    "moderations_acknowledge_create": Rule(
        # Only the audit's auditor acknowledges the feedback, once completed.
        "moderations",
        moderation_objects("completed", "claimed"),
        {**moderation_write(403), "auditor": {"own/completed": 200, "*": 404}},
    ),
    # ---- escalations
    "escalations_list": Rule(
        "escalations",
        NONE,
        EVERY_ROLE,
        rows_like="escalations_retrieve",
        row_objects=ALL_ESCALATIONS,
    ),
    "escalations_retrieve": Rule("escalations", ALL_ESCALATIONS, ESCALATION_READ),
    "escalations_respond_create": Rule(
        # The head of service for the case's area responds; a QA lead may record it.
        "escalations",
        ALL_ESCALATIONS,
        {
            **ESCALATION_READ,
            "auditor": {"own": 403, "*": 404},
            "moderator": 403,
            "other_moderator": 403,
        },
    ),
    # ---- reports
    "reports_monthly": Rule("reports", REPORT_FILTERS, REPORT_READ),
    "reports_trends": Rule("reports", REPORT_FILTERS, REPORT_READ),
    "reports_reaudits": Rule("reports", REPORT_FILTERS, REPORT_READ),
    # Calibration names auditors: read as reports are, but not by moderators.
    "reports_calibration": Rule("reports", REPORT_FILTERS, CALIBRATION_READ),
    # Published snapshots are authority-wide: QA leads and moderators only. The world's
    # snapshot (October) counts September's blind-pending audit as its previous month, so it
    # stays closed to those who may moderate until that audit is moderated.
    "reports_snapshots_list": Rule("-", NONE, MODERATORS_AND_QA),
    "reports_snapshots_retrieve": Rule("-", NONE, SNAPSHOT_WHILE_BLIND),
    "reports_snapshots_xlsx": Rule("-", NONE, SNAPSHOT_WHILE_BLIND),
    "reports_snapshots_publish": Rule("-", NONE, QA_LEAD_CREATES),
}


# ------------------------------------------------------------------ the pages


def page(api_rule: dict, **changes) -> dict:
    """A page's expectations from the API's: sign-in instead of 401, a successful write
    redirects (302), and a signed-in user without a role meets the page's own check."""
    converted: dict = {}
    for role, outcome in api_rule.items():
        if isinstance(outcome, dict):
            converted[role] = {p: _page_code(o) for p, o in outcome.items()}
        else:
            converted[role] = _page_code(outcome)
    converted["anonymous"] = LOGIN
    converted.update(changes)
    return converted


def _page_code(outcome):
    return {401: LOGIN, 201: 302}.get(outcome, outcome)


def _writes_redirect(outcome: dict | int | str):
    """A page POST that succeeds redirects: 200 becomes 302."""
    if isinstance(outcome, dict):
        return {p: (302 if o == 200 else o) for p, o in outcome.items()}
    return 302 if outcome == 200 else outcome


def page_write(api_rule: dict, **changes) -> dict:
    converted = page(api_rule)
    return {role: _writes_redirect(o) for role, o in {**converted, **changes}.items()}


SIGNED_IN = {"anonymous": LOGIN, **{r: 200 for r in ROLES[1:]}}
PAGE_EVERY_ROLE = {**SIGNED_IN, "no_role": 403}
PAGE_QA_LEAD = {"anonymous": LOGIN, **{r: 403 for r in ROLES[1:]}, "qa_lead": 200}
PAGE_MODERATORS_AND_QA = {**PAGE_QA_LEAD, "moderator": 200, "other_moderator": 200}
PAGE_REPORT_READ = page(REPORT_READ)
# The actions each role reads (ACTION_READ's 200s), for the pages that list them.
ACTION_ROWS = {
    "auditor": ("own/*", "same_team/submitted"),
    "moderator": ("*/submitted",),
    "other_moderator": ("*/submitted",),
    "viewer": ("own/*", "same_team/*", "other_team/*"),
    "other_viewer": ("other_area/*",),
    "qa_lead": ("*",),
}


def case_page(audit_read: dict) -> dict:
    """A case's page: readable when one of its audits is (AUDIT_READ, as a page); a case never
    audited, or with no audit the person may read, is "No such case" (404) to everyone."""
    converted = {}
    for role, outcome in page(audit_read, no_role=404).items():
        if outcome == LOGIN:
            converted[role] = outcome
        elif isinstance(outcome, dict):
            converted[role] = {"*/fresh": 404, **outcome}
        else:
            converted[role] = {"*/fresh": 404, "*": outcome}
    return converted


# A programme page for the QA lead: anyone else with a role is refused; no role, no such page.
PAGE_PROGRAMME_QA = {**PAGE_QA_LEAD, "no_role": 404}
# A QA lead's form that succeeds and redirects; everyone else is refused.
PAGE_QA_WRITES = {**PAGE_QA_LEAD, "qa_lead": 302}

PAGES: dict[str, Rule] = {
    "login GET": Rule("-", NONE, {r: 200 for r in ROLES}),
    # The pages the law asks for: everyone, signed in or not.
    "accessibility_statement GET": Rule("-", NONE, {r: 200 for r in ROLES}),
    "privacy GET": Rule("-", NONE, {r: 200 for r in ROLES}),
    "cookies GET": Rule("-", NONE, {r: 200 for r in ROLES}),
    # Single sign-on's start and callback: no such pages while it is not set up (as here;
    # tests/sso/ runs them against a real provider).
    "oidc_start GET": Rule("-", NONE, {r: 404 for r in ROLES}),
    "oidc_authentication_callback GET": Rule("-", NONE, {r: 404 for r in ROLES}),
    # Which group gives which role: the QA lead reads it.
    "sign_in_groups GET": Rule("-", NONE, PAGE_QA_LEAD),
    "logout POST": Rule("-", NONE, {r: LOGIN for r in ROLES}),  # back to the sign-in page
    # Two-factor sign-in: each person's own account pages, no object in the URL. The QR code
    # is only of one's own set-up in progress (none here: 404); QA leads cannot turn it off.
    "two_factor GET": Rule("-", NONE, SIGNED_IN),
    "two_factor_setup GET": Rule("-", NONE, {**SIGNED_IN, "qa_lead": 302}),
    "two_factor_qr GET": Rule("-", NONE, {**SIGNED_IN, **{r: 404 for r in ROLES[1:]}}),
    "two_factor_verify GET": Rule("-", NONE, {**SIGNED_IN, **{r: 302 for r in ROLES[1:]}}),
    # A recovery code is asked only while a code is (no one here: 302 on); new codes need an
    # app (only the QA lead has one; everyone else is sent to the account page).
    "two_factor_recovery GET": Rule("-", NONE, {**SIGNED_IN, **{r: 302 for r in ROLES[1:]}}),
    "two_factor_recovery_codes GET": Rule(
        "-", NONE, {**SIGNED_IN, **{r: 302 for r in ROLES[1:]}, "qa_lead": 200}
    ),
    # A new app replaces the old one: only someone who has one (the QA lead) gets the page.
    "two_factor_new_app GET": Rule(
        "-", NONE, {**SIGNED_IN, **{r: 302 for r in ROLES[1:]}, "qa_lead": 200}
    ),
    "two_factor_turn_off GET": Rule(
        "-", NONE, {**SIGNED_IN, **{r: 302 for r in ROLES[1:]}, "qa_lead": 403}
    ),
    # A team manager's home page (what waits, their team's month); everyone else is sent on.
    "home GET": Rule("-", NONE, {**SIGNED_IN, **{r: 302 for r in ROLES[1:]}, "auditor": 200}),
    # The API's schema and its reference page: staff holding a role (the schema answers an
    # anonymous request as the API does, 401).
    "api_schema GET": Rule("-", NONE, {**PAGE_EVERY_ROLE, "anonymous": 401}),
    "api_docs GET": Rule("-", NONE, PAGE_EVERY_ROLE),
    "my_audits GET": Rule(
        "audits", NONE, SIGNED_IN, row_objects=ALL_AUDITS, rows={"auditor": ("own/*",)}
    ),
    "audit_list GET": Rule(
        "audits", NONE, SIGNED_IN, rows_like="audit_detail GET", row_objects=ALL_AUDITS
    ),
    "audit_detail GET": Rule("audits", ALL_AUDITS, page(AUDIT_READ, no_role=404)),
    # One audit printed: read as the audit page is (its moderation as the reader may read it).
    "audit_print GET": Rule("audits", ALL_AUDITS, page(AUDIT_READ, no_role=404)),
    # The audit list as CSV and XLSX: exactly the audits the list shows each role.
    "audit_list_csv GET": Rule(
        "audits", NONE, SIGNED_IN, rows_like="audit_detail GET", row_objects=ALL_AUDITS
    ),
    "audit_list_xlsx GET": Rule(
        "audits", NONE, SIGNED_IN, rows_like="audit_detail GET", row_objects=ALL_AUDITS
    ),
    "audit_edit GET": Rule(
        "audits",
        DRAFT_AND_SUBMITTED,
        page(API["audits_partial_update"].expect, no_role=404)
        | {
            "auditor": {
                "own/submitted": 302,
                "own/draft": 200,
                "same_team/submitted": 403,
                "*": 404,
            }
        },
    ),
    "audit_edit POST": Rule(
        "audits",
        DRAFT_AND_SUBMITTED,
        page_write(API["audits_partial_update"].expect, no_role=404)
        | {"auditor": {"own/*": 302, "same_team/submitted": 403, "*": 404}},
    ),
    "action_add POST": Rule(
        "audits",
        API["actions_create"].objects,
        page_write(API["actions_create"].expect, no_role=404),
    ),
    "audit_reaudit POST": Rule(
        # The auditor's own audit is refused; a colleague's starts the re-audit (302).
        "audits",
        DRAFT_AND_SUBMITTED,
        page_write(API["audits_reaudit_create"].expect, no_role=404)
        | {"auditor": {"own/*": 403, "same_team/submitted": 302, "*": 404}},
    ),
    "action_status POST": Rule(
        "actions", ALL_ACTIONS, page_write(API["actions_partial_update"].expect, no_role=404)
    ),
    # Every signed-in person gets the Actions page and its CSV, listing only the actions on
    # the audits they read (as the API's actions list); no role, no rows.
    "action_list GET": Rule("actions", NONE, SIGNED_IN, row_objects=ALL_ACTIONS, rows=ACTION_ROWS),
    "action_list_csv GET": Rule(
        "actions", NONE, SIGNED_IN, row_objects=ALL_ACTIONS, rows=ACTION_ROWS
    ),
    "import_audits GET": Rule("-", NONE, PAGE_QA_LEAD),
    # The import file's template for the world's tool version, and the audit list in the
    # import format (every audit's grades and moderation: the QA lead's).
    "import_template_csv GET": Rule("-", NONE, PAGE_QA_LEAD),
    "import_template_xlsx GET": Rule("-", NONE, PAGE_QA_LEAD),
    # A background import's page (the world has none: the QA lead's 404 says so).
    "import_job GET": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 404}),
    "audit_export_csv GET": Rule("-", NONE, PAGE_QA_LEAD),
    "audit_export_xlsx GET": Rule("-", NONE, PAGE_QA_LEAD),
    "case_access GET": Rule("-", NONE, PAGE_QA_LEAD),
    "person_access GET": Rule("-", NONE, PAGE_QA_LEAD),
    # Who gave feedback to whom across the service: the QA lead's alone.
    "moderation:feedback_overview GET": Rule("-", NONE, PAGE_QA_LEAD),
    # Reassigning work; sent with nothing chosen, the QA lead gets the form back (400).
    "reassign GET": Rule("-", NONE, PAGE_QA_LEAD),
    "reassign POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 400}),
    # The search box's page (the form, with no query); a case's page as its audits are read.
    "case_search GET": Rule("-", NONE, SIGNED_IN),
    "case_detail GET": Rule("cases", ALL_CASES, case_page(AUDIT_READ)),
    # Each person's own work (audits.inbox): nothing to refuse, nobody else's to see.
    "inbox GET": Rule("-", NONE, SIGNED_IN),
    # ---- staff (QA leads only; the person, area and team are the world's own)
    "staff:people GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:person_new GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:person_new POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:person GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:person_edit GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:person_edit POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:person_roles GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:person_roles POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:person_invite POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:person_deactivate POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:person_reactivate POST": Rule("-", NONE, PAGE_QA_WRITES),
    # Sent with no file: the QA lead gets the form back (400); everyone else is refused.
    "staff:import GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:import POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 400}),
    "staff:areas GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:area_new GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:area_new POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:area_rename GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:area_rename POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:team_new GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:team_new POST": Rule("-", NONE, PAGE_QA_WRITES),
    "staff:team_rename GET": Rule("-", NONE, PAGE_QA_LEAD),
    "staff:team_rename POST": Rule("-", NONE, PAGE_QA_WRITES),
    # An invitation link for anyone, signed in or not: a made-up one is 404 for all.
    "set_password GET": Rule("-", NONE, {r: 404 for r in ROLES}),
    "set_password POST": Rule("-", NONE, {r: 404 for r in ROLES}),
    "programme_list GET": Rule("-", NONE, {**PAGE_EVERY_ROLE, "viewer": 403, "other_viewer": 403}),
    # Audit tools: the QA lead's alone. world.tool is published, so the pages that change a
    # draft send the QA lead back to it (302) and publishing it again is refused (400).
    "tool_list GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_create GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_create POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_import GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_import POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 400}),
    "tool_json GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_xlsx GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_detail GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_edit GET": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_edit POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_preview GET": Rule("-", NONE, PAGE_QA_LEAD),
    # A published version's blank paper form: anyone with a role (as tools_visible_to).
    "tool_blank_form GET": Rule("-", NONE, {**SIGNED_IN, "no_role": 404}),
    "tool_publish POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 400}),
    "tool_new_version POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_domain_add GET": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_domain_add POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_domain_edit GET": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_domain_edit POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_domain_move POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "tool_domain_remove GET": Rule("-", NONE, PAGE_QA_LEAD),
    "tool_domain_remove POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "programme_create GET": Rule("-", NONE, PAGE_QA_LEAD),
    "programme_create POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "programme_detail GET": Rule(
        "audits",
        NONE,
        {**SIGNED_IN, "no_role": 404, "viewer": 403, "other_viewer": 403},
        rows_like="audit_detail GET",
        row_objects=each("submitted") + each("waiting"),
    ),
    "programme_edit GET": Rule("-", NONE, PAGE_PROGRAMME_QA),
    "programme_edit POST": Rule("-", NONE, {**PAGE_PROGRAMME_QA, "qa_lead": 302}),
    "programme_sample GET": Rule("-", NONE, PAGE_PROGRAMME_QA),
    # Sent with no numbers: the QA lead gets the form back (400); everyone else is refused.
    "programme_sample POST": Rule("-", NONE, {**PAGE_PROGRAMME_QA, "qa_lead": 400}),
    "programme_add_case POST": Rule(
        "fresh_cases", FRESH_CASES, {**PAGE_PROGRAMME_QA, "qa_lead": 302}
    ),
    # ---- moderation
    "moderation:audit_history GET": Rule(
        # The full change history is the QA lead's; others who read the audit get 403.
        "audits",
        DRAFT_AND_SUBMITTED,
        {
            **{
                role: (
                    {p: (403 if o == 200 else o) for p, o in outcome.items()}
                    if isinstance(outcome, dict)
                    else (403 if outcome == 200 else outcome)
                )
                for role, outcome in page(AUDIT_READ, no_role=404).items()
            },
            "qa_lead": 200,
        },
    ),
    "moderation:queue GET": Rule(
        "moderations",
        NONE,
        {**PAGE_MODERATORS_AND_QA},
        row_objects=ALL_MODERATIONS,
        rows={
            role: ("*/waiting", "*/claimed", "*/blind")
            for role in ("moderator", "other_moderator", "qa_lead")
        },
    ),
    "moderation:detail GET": Rule(
        "moderations", ALL_MODERATIONS, page(MODERATION_READ, no_role=404)
    ),
    "moderation:detail POST": Rule(
        # Saving the moderator's draft: the claimant only, while claimed.
        "moderations",
        moderation_objects("claimed", "waiting", "completed"),
        page_write(moderation_write({"*/claimed": 200, "*": 403}), no_role=404),
    ),
    "moderation:claim POST": Rule(
        "moderations",
        API["moderations_claim_create"].objects,
        page_write(API["moderations_claim_create"].expect, no_role=404),
    ),
    "moderation:release POST": Rule(
        "moderations",
        API["moderations_release_create"].objects,
        page_write(API["moderations_release_create"].expect, no_role=404),
    ),
    "moderation:return POST": Rule(
        "moderations",
        API["moderations_return_create"].objects,
        page_write(API["moderations_return_create"].expect, no_role=404),
    ),
    "moderation:acknowledge POST": Rule(
        "moderations",
        API["moderations_acknowledge_create"].objects,
        page_write(API["moderations_acknowledge_create"].expect, no_role=404),
    ),
    "moderation:remove GET": Rule(
        "moderations",
        API["moderations_remove_create"].objects,
        page(API["moderations_remove_create"].expect, no_role=404) | {"qa_lead": 200},
    ),
    "moderation:remove POST": Rule(
        "moderations",
        API["moderations_remove_create"].objects,
        page_write(API["moderations_remove_create"].expect, no_role=404),
    ),
    "moderation:sample GET": Rule("-", NONE, {**PAGE_MODERATORS_AND_QA, "no_role": 404}),
    "moderation:sample POST": Rule(
        "-",
        NONE,
        {
            **PAGE_MODERATORS_AND_QA,
            "no_role": 404,
            "moderator": 403,
            "other_moderator": 403,
            "qa_lead": 302,
        },
    ),
    "moderation:sample_add POST": Rule(
        "audits",
        each("submitted"),
        {
            **PAGE_MODERATORS_AND_QA,
            "no_role": 404,
            "moderator": 403,
            "other_moderator": 403,
            "qa_lead": 302,
        },
    ),
    "moderation:feedback GET": Rule(
        # Feedback on your own audits (and those of the people you line-manage).
        "moderations",
        NONE,
        PAGE_EVERY_ROLE,
        row_objects=ALL_MODERATIONS,
        rows={"auditor": ("own/completed",)},
    ),
    "moderation:escalations GET": Rule(
        # Everyone with a role, showing what the API's list shows them.
        "escalations",
        NONE,
        PAGE_EVERY_ROLE,
        rows_like="moderation:escalation GET",
        row_objects=ALL_ESCALATIONS,
    ),
    "moderation:escalation GET": Rule(
        "escalations", ALL_ESCALATIONS, page(ESCALATION_READ, no_role=404)
    ),
    "moderation:escalation POST": Rule(
        "escalations",
        ALL_ESCALATIONS,
        page_write(API["escalations_respond_create"].expect, no_role=404),
    ),
    # ---- reports
    "reports:index GET": Rule("-", NONE, PAGE_REPORT_READ),
    "reports:monthly GET": Rule("reports", REPORT_FILTERS, PAGE_REPORT_READ),
    "reports:trends GET": Rule("reports", REPORT_FILTERS, PAGE_REPORT_READ),
    "reports:reaudits GET": Rule("reports", REPORT_FILTERS, PAGE_REPORT_READ),
    "reports:calibration GET": Rule("reports", REPORT_FILTERS, page(CALIBRATION_READ)),
    "reports:calibration_xlsx GET": Rule("reports", REPORT_FILTERS, page(CALIBRATION_READ)),
    "reports:calibration_csv GET": Rule("reports", REPORT_FILTERS, page(CALIBRATION_READ)),
    "reports:download_xlsx GET": Rule("reports", REPORT_FILTERS, PAGE_REPORT_READ),
    "reports:download_csv GET": Rule("reports", REPORT_FILTERS, PAGE_REPORT_READ),
    "reports:download_json GET": Rule("reports", REPORT_FILTERS, PAGE_REPORT_READ),
    "reports:snapshots GET": Rule("-", NONE, PAGE_MODERATORS_AND_QA),
    "reports:snapshot_publish POST": Rule("-", NONE, {**PAGE_QA_LEAD, "qa_lead": 302}),
    "reports:snapshot GET": Rule("-", NONE, page(SNAPSHOT_WHILE_BLIND)),
    "reports:snapshot_download GET": Rule("-", NONE, page(SNAPSHOT_WHILE_BLIND)),
}


# ------------------------------------------------------------------ reading the table


def expected(rule: Rule, role: str, obj: str):
    """The outcome the policy gives this role on this object (KeyError if it gives none)."""
    from fnmatch import fnmatchcase

    outcome = rule.expect[role]
    if not isinstance(outcome, dict):
        return outcome
    for pattern, result in outcome.items():
        if fnmatchcase(obj, pattern):
            return result
    raise KeyError(f"no pattern for {role} on {obj}")


def expected_rows(table: dict[str, Rule], rule: Rule, role: str) -> set[str]:
    """The objects a list must show this role."""
    from fnmatch import fnmatchcase

    if rule.rows_like:
        like = table[rule.rows_like]
        return {o for o in rule.row_objects if expected(like, role, o) == 200}
    patterns = rule.rows.get(role, ())
    return {o for o in rule.row_objects if any(fnmatchcase(o, p) for p in patterns)}


SUCCESS = {200, 201, 204, 302}
REFUSED = {401, 403, 404, 405, LOGIN}
