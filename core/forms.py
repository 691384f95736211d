"""Form fields shared by every app's pages: a case reference, a number box."""

from django import forms

from core.validation import CASE_REFERENCE_MAX_LENGTH, validate_case_reference


class CaseReferenceField(forms.CharField):
    """A case reference, checked against the one pattern (core/validation.py) as typed: not
    stripped, so a space or line break gets the pattern's message rather than being kept."""

    default_validators = [validate_case_reference]

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Case reference")
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "spellcheck": "false",
                    "autocomplete": "off",
                    "maxlength": CASE_REFERENCE_MAX_LENGTH,
                }
            ),
        )
        super().__init__(strip=False, **kwargs)


NUMBER_WIDGET = forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})
