"""django-filter FilterSets for the moderation and escalation lists; selectors apply them.

`mine` needs to know who is asking, so ModerationFilter takes the user as a keyword; a page
binds it like any FilterSet: ModerationFilter(request.GET, queryset=..., user=request.user).
"""

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes

from core.filters import (
    MonthFilter,
    PeopleInScope,
    PersonFilter,
    SortFilter,
    StrictBooleanFilter,
    people_sort,
    with_schema,
)
from core.models import Programme, ServiceArea, User
from moderation.blind import blind_hidden_from
from moderation.models import Escalation, Moderation

# The moderation list's and queue's sortable columns. Never a grade: while a moderation is
# blind, an order by the auditor's judgement would tell what the page hides.
MODERATION_SORTS: dict[str, tuple] = {
    "case": ("audit__case__reference",),
    "area": ("audit__case__team__service_area__name", "audit__case__team__name"),
    "auditor": people_sort("audit__auditor"),
    "moderator": people_sort("moderator"),
    "month": ("audit__month",),
    "sampled": ("created_at",),
    "claimed": ("claimed_at",),
}


class ModerationFilter(PeopleInScope, django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Moderation.Status.choices)
    programme = with_schema(
        OpenApiTypes.INT,
        django_filters.ModelChoiceFilter(
            field_name="audit__programme",
            queryset=Programme.objects.all(),
            help_text="Programme id.",
        ),
    )
    month = MonthFilter(field_name="audit__month", help_text="The audit's month, YYYY-MM.")
    service_area = django_filters.ModelChoiceFilter(
        field_name="audit__case__team__service_area",
        queryset=ServiceArea.objects.all(),
        label="Service area",
    )
    moderator = with_schema(
        OpenApiTypes.STR,
        PersonFilter(
            field_name="moderator",
            message="No moderator with this username among the moderations you may read.",
            help_text="The moderator's username (of a moderation you may read).",
        ),
    )
    mine = StrictBooleanFilter(
        method="filter_mine", label="Mine", help_text="true: only those you claimed or moderated."
    )
    selection = django_filters.ChoiceFilter(
        choices=Moderation.Selection.choices,
        method="filter_selection",
        help_text='Why the audit was chosen, as you read it ("sample" while blind).',
    )
    sort = SortFilter(keys=MODERATION_SORTS)

    class Meta:
        model = Moderation
        fields: list[str] = []  # all declared above

    def __init__(self, *args, user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter_selection(self, queryset, name, value: str):
        # As selection_reason shows it: rows whose grades are hidden from this reader match
        # "sample" only, so filtering by a rule cannot name the auditor's judgement.
        hidden = blind_hidden_from(self.user, prefix="audit__") if self.user else None
        if value == Moderation.Selection.SAMPLE:
            return queryset.filter(hidden) if hidden is not None else queryset.none()
        queryset = queryset.filter(selection=value)
        return queryset.exclude(hidden) if hidden is not None else queryset

    def filter_mine(self, queryset, name, value: bool):
        if self.user is None or not self.user.is_authenticated:
            return queryset.none() if value else queryset
        return (
            queryset.filter(moderator=self.user) if value else queryset.exclude(moderator=self.user)
        )


class EscalationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Escalation.Status.choices)
    service_area = django_filters.ModelChoiceFilter(
        field_name="audit__case__team__service_area",
        queryset=ServiceArea.objects.all(),
        label="Service area",
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue", label="Overdue", help_text="Open and past its due date."
    )

    class Meta:
        model = Escalation
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value: bool):
        overdue = {"status": Escalation.Status.OPEN, "due_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
