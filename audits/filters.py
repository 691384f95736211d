"""django-filter FilterSets for the lists. Selectors apply them; the API and pages share them.

Each FilterSet works from a plain Django view too: bind it to request.GET, render `.form`,
read `.qs` (see selectors.audit_filter_for_user).
"""

import datetime as dt
import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import (
    Action,
    Audit,
    AuditTool,
    Case,
    Grade,
    Programme,
    Role,
    ServiceArea,
    Team,
    User,
)

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MONTH_MESSAGE = "Enter a month as YYYY-MM, for example 2026-10."
MONTH_SCHEMA = {"type": "string", "pattern": MONTH_PATTERN, "example": "2026-10"}


def parse_month(value: str) -> dt.date:
    """'2026-10' -> 1 October 2026; ValueError for anything else."""
    if not isinstance(value, str) or not re.fullmatch(MONTH_PATTERN, value.strip()):
        raise ValueError(MONTH_MESSAGE)
    year, month = value.strip().split("-")
    if int(year) < 1900:
        raise ValueError(MONTH_MESSAGE)
    return dt.date(int(year), int(month), 1)


def format_month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class MonthFormField(forms.Field):
    """A month typed as YYYY-MM (what <input type="month"> sends), cleaned to its first day."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        try:
            return parse_month(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return format_month(value) if isinstance(value, dt.date) else value


@extend_schema_field(MONTH_SCHEMA)
class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.Filter):
    """An id: django-filter's NumberFilter would accept (and truncate) 1.5."""

    field_class = forms.IntegerField


class StrictBooleanSelect(forms.NullBooleanSelect):
    def value_from_datadict(self, data, files, name):
        # The raw value: NullBooleanSelect would turn "perhaps" into "either" without a word.
        return data.get(name)


class StrictBooleanField(forms.NullBooleanField):
    """true / false (or blank for either); anything else is an error, not silently ignored."""

    widget = StrictBooleanSelect

    def to_python(self, value):
        if value in self.empty_values or value == "unknown":  # "unknown": NullBooleanSelect
            return None
        result = super().to_python(value)
        if result is None:
            raise forms.ValidationError("Enter true or false.", code="invalid")
        return result


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def tool_code_choices() -> list[tuple[str, str]]:
    """One choice per tool code, named after its latest version."""
    names: dict[str, str] = {}
    for code, name in AuditTool.objects.order_by("code", "-version").values_list("code", "name"):
        names.setdefault(code, name)
    return list(names.items())


def auditor_choices(request=None):
    # Exists rather than joins: a join on groups would repeat users and break .get().
    in_role = User.groups.through.objects.filter(user=OuterRef("pk"), group__name=Role.AUDITOR)
    has_audits = Audit.objects.filter(auditor=OuterRef("pk"))
    return User.objects.filter(Exists(in_role) | Exists(has_audits)).order_by("username")


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("month_from"), cleaned.get("month_to")
        if start and end and end < start:
            self.add_error("month_to", "The last month must not be before the first month.")
        return cleaned


class AuditFilter(django_filters.FilterSet):
    month_from = MonthFilter(field_name="month", lookup_expr="gte", label="From month")
    month_to = MonthFilter(field_name="month", lookup_expr="lte", label="To month")
    service_area = django_filters.ModelChoiceFilter(
        field_name="case__team__service_area", queryset=ServiceArea.objects.all()
    )
    team = django_filters.ModelChoiceFilter(
        field_name="case__team", queryset=Team.objects.select_related("service_area")
    )
    tool = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ChoiceFilter(
            field_name="tool__code", choices=tool_code_choices, help_text="Tool code."
        )
    )
    auditor = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelChoiceFilter(
            field_name="auditor",
            to_field_name="username",
            queryset=auditor_choices,
            help_text="The auditor's username.",
        )
    )
    status = django_filters.ChoiceFilter(choices=Audit.Status.choices)
    overall = django_filters.ChoiceFilter(choices=Grade.choices, label="Overall judgement")

    class Meta:
        model = Audit
        fields: list[str] = []  # all declared above
        form = AuditFilterForm


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
    tool = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ChoiceFilter(
            field_name="tool__code", choices=tool_code_choices, help_text="Tool code."
        )
    )

    class Meta:
        model = Programme
        fields: list[str] = []


class ActionFilter(django_filters.FilterSet):
    audit = IntegerFilter(field_name="audit", min_value=1, help_text="Audit id.")
    status = django_filters.ChoiceFilter(choices=Action.Status.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", label="Overdue")

    class Meta:
        model = Action
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value: bool):
        overdue = {"status": Action.Status.OPEN, "due_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
