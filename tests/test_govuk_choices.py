"""The option lists the GOV.UK fragments render (core/templatetags/govuk.py `choices` and
`options`) are Django's own, option for option: value, label, selection and id, for selects,
radios and checkboxes, blank or bound, model choices or fixed ones."""

import pytest
from django import forms

from core.models import User
from core.templatetags.govuk import choices, options
from tests.factories import UserFactory


class Everything(forms.Form):
    grade = forms.ChoiceField(
        choices=[("", "---------"), ("G", "Good"), ("RI", "Requires improvement")],
        widget=forms.RadioSelect,
        required=False,
    )
    kinds = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], widget=forms.CheckboxSelectMultiple
    )
    person = forms.ModelChoiceField(queryset=User.objects.order_by("username"), required=False)
    people = forms.ModelMultipleChoiceField(
        queryset=User.objects.order_by("username"), required=False
    )
    number = forms.TypedChoiceField(choices=[(1, "One"), (2, "Two")], coerce=int)
    named = forms.ChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.RadioSelect(attrs={"id": "own-id"})
    )


def _django(field) -> list[tuple]:
    return [
        (str(o.data["value"]), str(o.choice_label), o.data["selected"], o.id_for_label)
        for o in field
    ]


def _ours(found) -> list[tuple]:
    return [
        (str(o.data["value"]), str(o.choice_label), o.data["selected"], o.id_for_label)
        for o in found
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"grade": "RI", "kinds": ["a", "c"], "number": "2", "named": "y"},
        {"grade": "nonsense", "kinds": ["z"], "person": "0", "number": "9"},
    ],
)
def test_every_option_is_djangos_own(data):
    people = [UserFactory(username=f"person{i}") for i in range(3)]
    if data:
        chosen = [str(people[0].pk), str(people[2].pk)]
        data = data | {"person": str(people[1].pk), "people": chosen}
    form = Everything(data) if data is not None else Everything(initial={"grade": "G"})
    for name in form.fields:
        field = form[name]
        assert _ours(choices(field)) == _django(field), name
        expected = [row for row in _django(field) if row[0] not in ("", "None")]
        assert _ours(options(field)) == expected, name
    if data:
        assert [o.data["selected"] for o in choices(form["people"])].count(True) == 2
