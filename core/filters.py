"""Filter parts every list shares: a month, an id, a strict yes/no, a person in scope, a tool.
The FilterSets of each app (audits/filters.py, moderation/filters.py, reporting/filters.py)
are built from these."""

import datetime as dt
from typing import Any, TypeVar

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field

from core.models import AuditTool, User
from core.months import MONTH_MESSAGE, MONTH_RANGE_MESSAGE, MONTH_SCHEMA, format_month, parse_month


class MonthFormField(forms.Field):
    """A month typed as YYYY-MM (what <input type="month"> sends), cleaned to its first day."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.date):
            value = format_month(value)
        try:
            return parse_month(value)
        except ValueError as error:
            if str(error) == MONTH_RANGE_MESSAGE:
                raise forms.ValidationError(MONTH_RANGE_MESSAGE, code="out_of_range") from None
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        return format_month(value) if isinstance(value, dt.date) else value


FilterT = TypeVar("FilterT", bound=django_filters.Filter)


def with_schema(schema: Any, filter_: FilterT) -> FilterT:
    """The filter with the OpenAPI schema of its query parameter (drf-spectacular)."""
    # extend_schema_field is typed for functions and classes (its F is bound to Callable), but it
    # marks any object, and drf-spectacular reads the mark from filter instances too.
    return extend_schema_field(schema)(filter_)  # type: ignore[type-var]


@extend_schema_field(MONTH_SCHEMA)
class MonthFilter(django_filters.Filter):
    field_class = MonthFormField


ID_MAX = 2**63 - 1  # BigAutoField: a larger number would overflow the query, not match nothing


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IntegerFilter(django_filters.Filter):
    """An id: django-filter's NumberFilter would accept (and truncate) 1.5."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


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
    for code, name in (
        AuditTool.objects.published().order_by("code", "-version").values_list("code", "name")
    ):
        names.setdefault(code, name)
    return list(names.items())


def person_name(user: User) -> str:
    """A person as pages name them: their name, the username only when none is known."""
    return names_label(user.first_name, user.last_name, user.username)


def names_label(first_name: str, last_name: str, username: str) -> str:
    """person_name from the three columns (User.get_full_name, then the username)."""
    return f"{first_name} {last_name}".strip() or username


class PeopleIterator(forms.models.ModelChoiceIterator):
    """A select's people read as values, not as model instances: the audit page's select of
    every member of staff (the owner of an action) spent most of its time building them."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        value = self.field.to_field_name or "pk"
        rows = self.queryset.values_list(value, "first_name", "last_name", "username")
        for key, first_name, last_name, username in rows:
            yield (key, names_label(first_name, last_name, username))


class PersonChoiceField(forms.ModelChoiceField):
    """A select of people by name (the value is still the username or id)."""

    iterator = PeopleIterator

    def label_from_instance(self, obj):
        return person_name(obj)


# People in a list or a select, by name; the username keeps namesakes in a stable order.
PEOPLE_ORDER = ("first_name", "last_name", "username")


class PeopleOrNobodyIterator(django_filters.fields.ModelChoiceIterator, PeopleIterator):
    """PeopleIterator with django-filter's null choice after the empty one."""


class PersonOrNobodyField(django_filters.fields.ModelChoiceField):
    """PersonChoiceField with django-filter's null choice (nobody) when a filter offers one."""

    iterator = PeopleOrNobodyIterator

    def label_from_instance(self, obj):
        return person_name(obj)


# The value that stands for nobody in a person filter: brackets are in no username, so it is
# never someone's.
NOBODY = "(unassigned)"


class PersonFilter(django_filters.ModelChoiceFilter):
    """A person by username, among the people named (in `field_name`) on the rows the FilterSet
    is bound to: the rows the requester may read (FilterSet: PeopleInScope). A username nobody
    has and one the requester may not know get the same message, so the filter tells no one
    who works here; the page's select offers only the people the requester may know."""

    field_name: str  # never None here: __init__ requires it
    field_class = PersonOrNobodyField

    def __init__(self, *, field_name: str, message: str, nobody: str | None = None, **kwargs):
        # nobody: the label of a choice for rows naming no one (NOBODY in a request).
        if nobody is not None:
            kwargs.update(null_label=nobody, null_value=NOBODY)
        super().__init__(
            field_name=field_name,
            to_field_name="username",
            queryset=User.objects.none(),
            error_messages={"invalid_choice": message},
            **kwargs,
        )


class PeopleInScope(django_filters.FilterSet):
    """A FilterSet whose PersonFilters offer the people named on its own rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assert self.queryset is not None  # FilterSet.__init__ falls back to the model's rows
        for person in self.filters.values():
            if isinstance(person, PersonFilter):
                # Exists rather than a join, which would repeat a person per row.
                named = self.queryset.filter(**{person.field_name: OuterRef("pk")})
                person.queryset = User.objects.filter(Exists(named)).order_by(*PEOPLE_ORDER)


class SortFilter(django_filters.ChoiceFilter):
    """`sort=key` or `sort=-key` (descending), one of a list's whitelisted keys, each the
    columns it orders by; anything else is invalid (the API's 400; a page ignores it). The
    primary key breaks ties, so pages never overlap."""

    def __init__(self, *, keys: dict[str, tuple], **kwargs):
        self.keys = keys
        choices = [(value, value) for key in keys for value in (key, f"-{key}")]
        kwargs.setdefault("label", "Sort by")
        kwargs.setdefault(
            "help_text",
            "One of: " + ", ".join(keys) + "; a leading minus sorts in descending order.",
        )
        super().__init__(choices=choices, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        descending = value.startswith("-")
        columns = self.keys[value.lstrip("-")]
        expressions = [F(column) if isinstance(column, str) else column for column in columns]
        order = [
            e.desc(nulls_last=True) if descending else e.asc(nulls_last=True) for e in expressions
        ]
        return qs.order_by(*order, "-pk" if descending else "pk")


def _query_dict(query) -> QueryDict:
    if isinstance(query, QueryDict):
        return query.copy()
    copy = QueryDict(mutable=True)
    for name, value in (query or {}).items():
        copy[name] = value
    return copy


def sort_headers(query, *, keys: list[tuple[str, str]], current: str, param: str = "sort"):
    """The column headers of a sortable list (GOV.UK/MOJ sortable table, without JavaScript):
    each a link that sorts by it, ascending first, then the other way; the sorted column's
    aria-sort says which way. `query` is the request's GET, kept (filters) but for the page."""
    headers = []
    for key, label in keys:
        active = current.lstrip("-") == key
        descending = current.startswith("-")
        link = _query_dict(query)
        link.pop("page", None)
        link[param] = f"-{key}" if active and not descending else key
        headers.append(
            {
                "key": key,
                "label": label,
                "href": f"?{link.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if active else "none",
            }
        )
    return headers


def known_sort(query, keys):
    """The query without a `sort` that is not one of the keys (either way): a page ignores a
    bad sort and lists in its usual order; the API answers it with a 400."""
    value = query.get("sort")
    if value is None or value.lstrip("-") in keys:
        return query
    kept = query.copy()
    kept.pop("sort")
    return kept


def people_sort(prefix: str) -> tuple[str, ...]:
    """Sort people by name (first, then last), the username keeping namesakes in order."""
    return tuple(f"{prefix}__{name}" for name in PEOPLE_ORDER)
