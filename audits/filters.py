"""django-filter FilterSets for the lists. Selectors apply them; the API and pages share them.

Each FilterSet works from a plain Django view too: bind it to request.GET, render `.form`,
read `.qs` (see selectors.audit_filter_for_user).
"""

import re
from functools import cached_property
from typing import Any

import django_filters
from django import forms
from django.db.models import Case as DbCase
from django.db.models import Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from audits.cases import case_reference_filter
from core.filters import (
    ID_MAX,
    IntegerFilter,
    MonthFilter,
    PeopleInScope,
    PersonFilter,
    SortFilter,
    StrictBooleanFilter,
    people_sort,
    tool_code_choices,
    with_schema,
)
from core.grades import SCALE, DomainGradeChoice, Grade, steps
from core.models import (
    Action,
    Audit,
    Case,
    DomainGrade,
    Programme,
    ServiceArea,
    Team,
)
from core.months import (
    MONTH_SCHEMA,
)
from core.tools import DomainRow, canonical_domains, domain_catalogue, reported_domains
from core.validation import CASE_REFERENCE_MAX_LENGTH
from moderation.models import Moderation
from moderation.permissions import moderations_visible_to

YES_NO = [("yes", "Yes"), ("no", "No")]
MODERATION_CHANGES = [
    ("same", "No: the moderator agreed"),
    ("upgraded", "Upgraded by the moderator"),
    ("downgraded", "Downgraded by the moderator"),
]


def yes_no_filter(method: str, label: str, help_text: str = "") -> django_filters.ChoiceFilter:
    """A drill-down's yes/no choice, decided by the FilterSet's method of that name."""
    extra: dict[str, Any] = {"help_text": help_text} if help_text else {}
    return with_schema(
        OpenApiTypes.STR,
        django_filters.ChoiceFilter(choices=YES_NO, method=method, label=label, **extra),
    )


def _change_condition(value: str, before: str, after: str) -> Q:
    """Pairs of grades (field names) that the moderator kept, raised or lowered."""
    if value == "same":
        return Q(**{before: F(after)}) & ~Q(**{before: ""})
    condition = Q(pk__in=[])
    direction = 1 if value == "upgraded" else -1
    for b in SCALE:
        moved = [a for a in SCALE if (steps(b, a) or 0) * direction > 0]
        if moved:
            condition |= Q(**{before: b, f"{after}__in": moved})
    return condition


def _domain_lineage() -> tuple[dict[int, DomainRow], dict[int, tuple[DomainRow, ...]]]:
    # The reports' own mapping of tool versions' domains (core.tools), so that a drill-down
    # counts exactly what the report counted.
    catalogue = domain_catalogue()
    return catalogue, canonical_domains(catalogue)


def domain_choices() -> list[tuple[str, str]]:
    """One choice per reported domain, "tool:code", named after the newest version."""
    choices: dict[str, str] = {}
    for d in reported_domains(domain_catalogue()):
        choices.setdefault(f"{d['tool__code']}:{d['code']}", f"{d['title']} ({d['tool__code']})")
    return list(choices.items())


def domain_ids(key: str) -> list[int]:
    """Every domain id (any tool version) reported under "tool:code"."""
    tool, _, code = key.partition(":")
    catalogue, canonical = _domain_lineage()
    return [
        pk
        for pk, leaves in canonical.items()
        if any(leaf["tool__code"] == tool and leaf["code"] == code for leaf in leaves)
    ]


def _scale_position(field: str) -> DbCase:
    """A grade's place on the scale (Outstanding first), blank last: sorting by a judgement."""
    return DbCase(
        *(When(**{field: grade}, then=Value(i)) for i, grade in enumerate(SCALE)),
        default=Value(None),
        output_field=IntegerField(),
    )


# The audit list's sortable columns: the key in `sort`, the columns it orders by.
AUDIT_SORTS: dict[str, tuple] = {
    "case": ("case__reference",),
    "team": ("case__team__name",),
    "auditor": people_sort("auditor"),
    "tool": ("tool__name", "tool__version"),
    "month": ("month",),
    "overall": (_scale_position("overall"),),
    "status": ("status",),
}
# The actions list's.
ACTION_SORTS: dict[str, tuple] = {
    "case": ("audit__case__reference",),
    "team": ("audit__case__team__name",),
    "owner": (*people_sort("owner_person"), "owner"),
    "due": ("due_date",),
    "status": ("status",),
}


class AuditFilterForm(forms.Form):
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        if start and end and end < start:
            self.add_error("month_to", "The last month must not be before the first month.")
        for name in ("domain_grade", "moderated_domain_grade"):
            if cleaned.get(name) and not cleaned.get("domain") and name not in self.errors:
                self.add_error(name, "Choose a domain to filter by its grade.")
        if (
            cleaned.get("moderation_change")
            and cleaned.get("moderated") == "no"
            and "moderation_change" not in self.errors
        ):
            self.add_error("moderation_change", "Only moderated audits have a moderator's grade.")
        return cleaned


class AuditFilter(PeopleInScope, django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=CASE_REFERENCE_MAX_LENGTH,
        label="Case reference",
        help_text="The case reference, or how it starts, in upper or lower case.",
    )
    month_from = MonthFilter(field_name="month", lookup_expr="gte", label="From month")
    month_to = MonthFilter(field_name="month", lookup_expr="lte", label="To month")
    service_area = django_filters.ModelChoiceFilter(
        field_name="case__team__service_area",
        queryset=ServiceArea.objects.all(),
        label="Service area",
    )
    team = django_filters.ModelChoiceFilter(
        field_name="case__team", queryset=Team.objects.select_related("service_area"), label="Team"
    )
    tool = with_schema(
        OpenApiTypes.STR,
        django_filters.ChoiceFilter(
            field_name="tool__code", choices=tool_code_choices, help_text="Tool code."
        ),
    )
    auditor = with_schema(
        OpenApiTypes.STR,
        PersonFilter(
            field_name="auditor",
            message="No auditor with this username among the audits you may read.",
            help_text="The auditor's username (of an audit you may read), or (unassigned): "
            "open audits a QA lead took off their auditor and gave to nobody yet.",
            nobody="Unassigned",
        ),
    )
    status = django_filters.ChoiceFilter(choices=Audit.Status.choices)
    overall = django_filters.ChoiceFilter(choices=Grade.choices, label="Overall judgement")
    # ---- from a programme's page (its unassigned audits, say)
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.select_related("tool").order_by("-month", "tool__code", "pk"),
        label="Programme",
        help_text="Programme id: the audits assigned in that month's programme.",
    )
    # ---- drill-down from the reports (reporting/selectors/ defines each figure)
    month = MonthFilter(field_name="month", label="Month", help_text="YYYY-MM")
    current = yes_no_filter(
        "filter_current",
        "Current submissions only",
        "yes: leave out submissions returned for rework (no: only those).",
    )
    escalated = yes_no_filter("filter_escalated", "Escalated by the auditor")
    domain = with_schema(
        OpenApiTypes.STR,
        django_filters.ChoiceFilter(
            choices=domain_choices,
            method="filter_domain",
            label="Domain",
            help_text="tool:code. Audits that graded this domain (and, when moderated, "
            "whose moderator graded it too); earlier tool versions' domains count as the "
            "newest version's, as in the reports.",
        ),
    )
    domain_grade = django_filters.ChoiceFilter(
        choices=DomainGradeChoice.choices,
        method="filter_domain_grade",
        label="Auditor's grade for the domain",
    )
    sampled = yes_no_filter(
        "filter_sampled",
        "In the moderation sample",
        "yes: a live moderation (waiting, claimed or completed).",
    )
    moderated = yes_no_filter("filter_moderated", "Moderated", "yes: a completed moderation.")
    moderated_overall = django_filters.ChoiceFilter(
        choices=Grade.choices, method="filter_moderated_overall", label="Moderator's judgement"
    )
    moderated_escalated = yes_no_filter("filter_moderated_escalated", "Escalated by the moderator")
    moderated_domain_grade = django_filters.ChoiceFilter(
        choices=DomainGradeChoice.choices,
        method="filter_moderated_domain_grade",
        label="Moderator's grade for the domain",
    )
    moderation_change = django_filters.ChoiceFilter(
        choices=MODERATION_CHANGES,
        method="filter_moderation_change",
        label="Moderation changed the grade",
        help_text="Of the overall judgement, or of the domain when one is chosen.",
    )

    reaudit = yes_no_filter(
        "filter_reaudit", "Re-audit", "yes: a re-audit of an earlier audit of the case."
    )
    first_overall = django_filters.ChoiceFilter(
        choices=Grade.choices,
        field_name="re_audit_of__overall",
        label="Earlier audit's judgement",
        help_text="Of a re-audit: the overall judgement of the audit it re-audits.",
    )

    sort = SortFilter(keys=AUDIT_SORTS)

    # Shown together on the list page, open when one is set: a report's drill-down links.
    DRILL_DOWN = (
        "programme",
        "current",
        "escalated",
        "domain",
        "domain_grade",
        "sampled",
        "moderated",
        "moderated_overall",
        "moderated_escalated",
        "moderated_domain_grade",
        "moderation_change",
        "reaudit",
        "first_overall",
    )

    class Meta:
        model = Audit
        fields: list[str] = []  # all declared above
        form = AuditFilterForm

    @property
    def drill_down_active(self) -> bool:
        return any(self.data.get(name) for name in self.DRILL_DOWN) if self.data else False

    # Each grade filter is its own EXISTS: an audit has one grade per domain and at most one
    # completed moderation, so separate conditions still describe the same grade.

    @cached_property
    def _domain_ids(self) -> list[int] | None:
        # Once per request: up to four filters use the chosen domain, each would read the catalogue.
        key = self.form.cleaned_data.get("domain")
        return domain_ids(key) if key else None

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def with_counted_grades(self, queryset, columns):
        """Annotate the grades a drill-down counted (audits.captions.counted_columns): the
        moderator's from moderations this user may read only, as the filters themselves."""
        annotations = {}
        for key, _ in columns:
            if key == "counted_domain_grade":
                ids = self._domain_ids
                grades = DomainGrade.objects.filter(audit=OuterRef("pk"), domain__in=ids)
                annotations[key] = Subquery(grades.exclude(grade="").values("grade")[:1])
            elif key == "counted_moderated_domain_grade":
                graded = self._completed().filter(grades__domain__in=self._domain_ids)
                annotations[key] = Subquery(graded.values("grades__grade")[:1])
            elif key == "counted_moderated_overall":
                annotations[key] = Subquery(self._completed().values("overall")[:1])
        return queryset.annotate(**annotations) if annotations else queryset

    def _readable_moderations(self):
        """Only moderations the user may read: a filter over the others would tell a team
        auditor a colleague's moderation outcome (the moderation itself is 404 to them)."""

        return moderations_visible_to(self.user)

    def _completed(self):

        return self._readable_moderations().filter(
            audit=OuterRef("pk"), status=Moderation.Status.COMPLETED
        )

    def filter_q(self, queryset, name, value):
        return queryset.filter(case_reference_filter(value))

    def filter_current(self, queryset, name, value):
        if value == "yes":
            return queryset.exclude(status=Audit.Status.RETURNED)
        return queryset.filter(status=Audit.Status.RETURNED)

    def filter_escalated(self, queryset, name, value):
        return queryset.filter(escalated=value == "yes")

    def filter_domain(self, queryset, name, value):
        ids = self._domain_ids  # value, cleaned
        graded = DomainGrade.objects.filter(audit=OuterRef("pk"), domain__in=ids).exclude(grade="")
        queryset = queryset.filter(Exists(graded))
        if self.form.cleaned_data.get("moderated") == "yes":
            queryset = queryset.filter(
                Exists(self._completed().filter(grades__domain__in=ids).exclude(grades__grade=""))
            )
        return queryset

    def filter_domain_grade(self, queryset, name, value):
        ids = self._domain_ids
        if ids is None:
            return queryset  # the form refuses a grade without a domain
        grades = DomainGrade.objects.filter(audit=OuterRef("pk"), domain__in=ids, grade=value)
        return queryset.filter(Exists(grades))

    def filter_sampled(self, queryset, name, value):

        live = self._readable_moderations().filter(
            audit=OuterRef("pk"), status__in=Moderation.LIVE_STATUSES
        )
        return queryset.filter(Exists(live) if value == "yes" else ~Exists(live))

    def filter_moderated(self, queryset, name, value):
        completed = Exists(self._completed())
        return queryset.filter(completed if value == "yes" else ~completed)

    def filter_moderated_overall(self, queryset, name, value):
        return queryset.filter(Exists(self._completed().filter(overall=value)))

    def filter_moderated_escalated(self, queryset, name, value):
        return queryset.filter(Exists(self._completed().filter(escalated=value == "yes")))

    def filter_moderated_domain_grade(self, queryset, name, value):
        ids = self._domain_ids
        if ids is None:
            return queryset
        return queryset.filter(
            Exists(self._completed().filter(grades__domain__in=ids, grades__grade=value))
        )

    def filter_reaudit(self, queryset, name, value):
        return queryset.filter(re_audit_of__isnull=value != "yes")

    def filter_moderation_change(self, queryset, name, value):

        ids = self._domain_ids
        if ids is None:
            pairs = self._completed().filter(_change_condition(value, "audit__overall", "overall"))
            return queryset.filter(Exists(pairs))
        # The auditor's and the moderator's grade of the same domain, joined as the report does.
        pairs = DomainGrade.objects.filter(
            _change_condition(value, "grade", "audit__moderations__grades__grade"),
            audit=OuterRef("pk"),
            domain__in=ids,
            audit__moderations__status=Moderation.Status.COMPLETED,
            audit__moderations__in=self._readable_moderations(),
            audit__moderations__grades__domain=F("domain"),
        )
        return queryset.filter(Exists(pairs))


class TeamFilter(django_filters.FilterSet):
    service_area = django_filters.ModelChoiceFilter(queryset=ServiceArea.objects.all())

    class Meta:
        model = Team
        fields: list[str] = []


class CaseFilter(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all())
    service_area = django_filters.ModelChoiceFilter(
        field_name="team__service_area", queryset=ServiceArea.objects.all()
    )
    case_type = django_filters.ChoiceFilter(choices=Case.CaseType.choices)
    reference = django_filters.CharFilter(lookup_expr="iexact", max_length=40)

    class Meta:
        model = Case
        fields: list[str] = []


class ProgrammeFilter(django_filters.FilterSet):
    month = MonthFilter(field_name="month")
    tool = with_schema(
        OpenApiTypes.STR,
        django_filters.ChoiceFilter(
            field_name="tool__code", choices=tool_code_choices, help_text="Tool code."
        ),
    )

    class Meta:
        model = Programme
        fields: list[str] = []


DATE_MESSAGE = "Enter a date as YYYY-MM-DD, for example 2026-11-30."
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_SCHEMA = {"type": "string", "format": "date", "example": "2026-11-30"}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
OWNER_MAX = 120  # Action.owner's max_length: a longer text cannot be part of one


class IsoDateFormField(forms.DateField):
    """A day as YYYY-MM-DD only (what the schema's format: date means); 30/11/2026 is refused
    rather than read one of two ways."""

    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": DATE_MESSAGE}

    def to_python(self, value):
        # strptime would also take 2026-1-5, which is not a date in the schema's sense.
        if isinstance(value, str) and value.strip() and not ISO_DATE.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field(DATE_SCHEMA)
class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateFormField


def documented(schema: dict, filter_: django_filters.Filter) -> django_filters.Filter:
    """The filter with its schema, described by its help text (a schema given by hand
    otherwise leaves the parameter without a description)."""
    return with_schema({**schema, "description": filter_.extra["help_text"]}, filter_)


class ActionFilter(django_filters.FilterSet):
    audit = documented(
        ID_SCHEMA, IntegerFilter(field_name="audit", min_value=1, help_text="Audit id.")
    )
    status = django_filters.ChoiceFilter(
        choices=Action.Status.choices, label="Status", empty_label="Open or done"
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue", label="Overdue", help_text="Open and due before today."
    )
    service_area = documented(
        ID_SCHEMA,
        django_filters.ModelChoiceFilter(
            field_name="audit__case__team__service_area",
            queryset=ServiceArea.objects.all(),
            label="Service area",
            help_text="Service area id: the area of the audited case's team.",
        ),
    )
    team = documented(
        ID_SCHEMA,
        django_filters.ModelChoiceFilter(
            field_name="audit__case__team",
            queryset=Team.objects.select_related("service_area"),
            label="Team",
            help_text="Team id: the audited case's team.",
        ),
    )
    owner = documented(
        {"type": "string", "minLength": 1, "maxLength": OWNER_MAX},
        django_filters.CharFilter(
            method="filter_owner",
            max_length=OWNER_MAX,
            label="Owner contains",
            help_text="Part of the owner's name (a member of staff, or someone outside the "
            "service), in any case.",
        ),
    )
    month = documented(
        MONTH_SCHEMA,
        MonthFilter(
            field_name="audit__month", label="Audit month", help_text="The audit's month, YYYY-MM."
        ),
    )
    due_before = documented(
        DATE_SCHEMA,
        IsoDateFilter(
            field_name="due_date",
            lookup_expr="lt",
            label="Due before",
            help_text="Due before this day (YYYY-MM-DD), not on it.",
        ),
    )
    sort = SortFilter(keys=ACTION_SORTS)

    class Meta:
        model = Action
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value: bool):
        return queryset.filter(action_overdue()) if value else queryset.exclude(action_overdue())

    def filter_owner(self, queryset, name, value: str):
        named = (
            Q(owner__icontains=value)
            | Q(owner_person__first_name__icontains=value)
            | Q(owner_person__last_name__icontains=value)
            | Q(owner_person__username__icontains=value)
        )
        return queryset.filter(named)


def action_overdue() -> Q:
    """Open and past its due date, as of today: the one definition of an overdue action."""
    return Q(status=Action.Status.OPEN, due_date__lt=timezone.localdate())
