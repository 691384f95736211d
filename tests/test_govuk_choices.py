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


@pytest.mark.django_db
def test_a_selects_options_are_written_escaped_with_the_chosen_one_selected():
    from django.utils.html import escape

    from core.filters import PersonChoiceField
    from core.templatetags.govuk import select_options

    odd = UserFactory(username="odd", first_name='<b>"Jo"', last_name="O'Neil & co</b>")
    plain = UserFactory(username="plain", first_name="", last_name="")

    class Owner(forms.Form):
        owner = PersonChoiceField(queryset=User.objects.order_by("username"), required=False)

    html = select_options(Owner({"owner": str(plain.pk)})["owner"])
    assert "<b>" not in html
    assert f'<option value="{odd.pk}">{escape(odd.get_full_name())}</option>' in html
    assert f'<option value="{plain.pk}" selected>plain</option>' in html  # no name: username
    assert html.count(" selected") == 1
    assert html.startswith('<option value="">---------</option>')


@pytest.mark.django_db
@pytest.mark.parametrize("to_field_name", [None, "username"])
def test_a_select_of_people_offers_what_djangos_own_iterator_would(to_field_name):
    """core.filters reads people as values for speed: the same values and names, in order."""
    from django.forms.models import ModelChoiceIterator

    from core.filters import PersonChoiceField, PersonOrNobodyField

    UserFactory(username="zed", first_name="Ann", last_name="Zed")
    UserFactory(username="nameless", first_name="", last_name="")
    UserFactory(username="amy", first_name="Amy", last_name="")
    people = User.objects.order_by("first_name", "last_name", "username")

    field = PersonChoiceField(queryset=people, to_field_name=to_field_name)
    djangos = [(str(value), str(label)) for value, label in ModelChoiceIterator(field)]
    assert [(str(value), label) for value, label in field.choices] == djangos
    assert len(djangos) == people.count() + 1

    nobody = PersonOrNobodyField(
        queryset=people, to_field_name=to_field_name, null_label="Nobody", null_value="(none)"
    )
    assert [(str(v), str(label)) for v, label in nobody.choices] == [
        djangos[0],
        ("(none)", "Nobody"),
        *djangos[1:],
    ]
