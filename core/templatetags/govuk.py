"""Filters for the GOV.UK Frontend fragments in templates/includes/.

The fragments write each widget by hand, so that the GOV.UK classes and the
aria-describedby links are exactly as govuk-frontend's own templates produce them.
These filters supply the parts of Django's widget logic that templates cannot reach.
"""

from django import template
from django.forms.utils import flatatt
from django.forms.widgets import ChoiceWidget
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

# Attributes the fragments write themselves, and ones GOV.UK leaves out on purpose:
# services validate on the server and show the error summary, so no `required`, and
# no `maxlength`, which silently cuts off what users type or paste.
_OWN_ATTRS = {"class", "id", "name", "type", "value", "aria-describedby"}
_NOT_PASSED_THROUGH = _OWN_ATTRS | {"required", "maxlength", "minlength"}


def _is_option_group(field):
    widget = field.field.widget
    return isinstance(widget, ChoiceWidget) and widget.input_type in {"radio", "checkbox"}


class _Option:
    """One option as the fragments read it, with the names of Django's BoundWidget
    (data.value, data.selected, choice_label, id_for_label), but without building a widget
    and its attributes for each option: a select of every member of staff has hundreds, and
    iterating the field (`{% for option in field %}`) was a fifth of the audit list's work."""

    __slots__ = ("data", "choice_label", "id_for_label")

    def __init__(self, value, label, selected: bool, id_for_label):
        self.data = {"value": value, "selected": selected}
        self.choice_label = label
        self.id_for_label = id_for_label


@register.filter
def choices(field):
    """Every option of a choice field, the blank one too, with the values, selection and
    ids Django's widget would give (ChoiceWidget.optgroups); option groups go to Django."""
    widget = field.field.widget
    # A model choice field's query, run once (list() would ask its len() first: a COUNT).
    listed = list(iter(widget.choices))
    if any(isinstance(label, (list, tuple)) for _value, label in listed):
        return list(field)
    values = widget.format_value(field.value())
    base_id = widget.attrs.get("id") or field.auto_id
    found = []
    has_selected = False
    for index, (value, label) in enumerate(listed):
        value = "" if value is None else value
        selected = (not has_selected or widget.allow_multiple_selected) and str(value) in values
        has_selected |= selected
        option_id = (
            widget.id_for_label(base_id, str(index))
            if widget.option_inherits_attrs and base_id
            else None
        )
        found.append(_Option(value, label, selected, option_id))
    return found


_SELECTED = mark_safe(" selected")


@register.filter
def select_options(field):
    """A select's <option> elements, each value and label escaped: written here rather than
    by a template loop, which cost the audit page 4 ms for its select of every member of staff."""
    return format_html_join(
        "\n    ",
        '<option value="{}"{}>{}</option>',
        (_option_parts(option) for option in choices(field)),
    )


def _option_parts(option: _Option) -> tuple:
    return option.data["value"], _SELECTED if option.data["selected"] else "", option.choice_label


@register.filter
def options(field):
    """The radios or checkboxes of a choice field, without the blank "---------" choice."""
    return [option for option in choices(field) if option.data["value"] not in ("", None)]


@register.filter
def first_option_id(field):
    """The id an error summary link should point at.

    A radio or checkbox group has no element of its own to focus, so GOV.UK links
    to its first option; any other field links to its own input.
    """
    if _is_option_group(field):
        first = next(iter(options(field)), None)
        if first is not None:
            return first.id_for_label
    return field.id_for_label


@register.filter
def dict_get(mapping, key):
    """mapping[key], also trying str(key) since choice values are often not strings."""
    if not mapping:
        return None
    if key in mapping:
        return mapping[key]
    return mapping.get(str(key))


@register.filter
def is_checked(field):
    """Whether a single checkbox is ticked, judged as Django's CheckboxInput does."""
    return bool(field.field.widget.check_test(field.value()))


@register.filter
def widget_value(field):
    """The field's value formatted by its widget (dates in the widget's format), or ""."""
    widget = field.field.widget
    if getattr(widget, "render_value", True) is False:
        return ""
    value = widget.format_value(field.value())
    return "" if value is None else value


@register.filter
def input_type(field):
    """The input's type, honouring a type set in the widget's attrs (e.g. "date")."""
    widget = field.field.widget
    return widget.attrs.get("type") or getattr(widget, "input_type", "text")


@register.filter
def widget_attrs(field, exclude=""):
    """The widget's other attributes (autocomplete, inputmode, spellcheck, accept…) as HTML.

    exclude: comma-separated names the fragment sets itself, e.g. "rows,cols".
    """
    skip = _NOT_PASSED_THROUGH | {name.strip() for name in exclude.split(",") if name.strip()}
    attrs = {
        name: value
        for name, value in field.field.widget.attrs.items()
        if name not in skip and value is not None
    }
    if field.field.disabled:
        attrs["disabled"] = True
    return mark_safe(flatatt(attrs))  # flatatt escapes every value


@register.filter
def aria_describedby(field, hint=""):
    """The aria-describedby attribute tying a field to its hint and error message, or ""."""
    ids = [f"{field.auto_id}-hint"] if hint else []
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


@register.filter
def any_errors(form, formsets=None):
    """Whether the form, or any of the formsets, has an error to summarise."""
    if getattr(form, "errors", None):
        return True
    return any(formset.total_error_count() for formset in formsets or ())


@register.filter
def elided_pages(page_obj):
    """Page numbers around the current page for GOV.UK pagination; None marks a gap."""
    pages = page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1)
    return [number if isinstance(number, int) else None for number in pages]
