"""Forms of the staff pages. They only parse input: the rules live in core/services/people.py."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm

from core.models import Role, ServiceArea, Team, User
from core.services.people import person_label


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.service_area.name})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj) + ("" if obj.is_active else " – deactivated")


class AreaForm(forms.Form):
    name = forms.CharField(
        label="Name of the service area",
        max_length=120,
        error_messages={
            "required": "Enter the service area's name.",
            "max_length": "The service area's name must be 120 characters or fewer.",
        },
    )


class TeamForm(forms.Form):
    service_area = forms.ModelChoiceField(
        label="Service area",
        queryset=ServiceArea.objects.all(),
        empty_label="Choose a service area",
        error_messages={
            "required": "Choose the team's service area.",
            "invalid_choice": "Choose a service area from the list.",
        },
    )
    name = forms.CharField(
        label="Name of the team",
        max_length=120,
        error_messages={
            "required": "Enter the team's name.",
            "max_length": "The team's name must be 120 characters or fewer.",
        },
    )


class TeamRenameForm(forms.Form):
    name = TeamForm.base_fields["name"]


def _people():
    return User.objects.order_by("last_name", "first_name", "username")


class PersonDetailsForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        required=False,
        error_messages={"max_length": "The first name must be 150 characters or fewer."},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        required=False,
        error_messages={"max_length": "The last name must be 150 characters or fewer."},
    )
    email = forms.EmailField(
        label="E-mail address",
        required=False,
        help_text="The invitation to choose a password is sent here.",
        error_messages={
            "invalid": "Enter an e-mail address in the correct format, like name@example.gov.uk."
        },
    )
    team = TeamChoiceField(
        label="Team",
        queryset=Team.objects.select_related("service_area"),
        required=False,
        empty_label="No team",
        help_text="Where a team manager works.",
        error_messages={"invalid_choice": "Choose a team from the list."},
    )
    line_manager = PersonChoiceField(
        label="Line manager",
        queryset=_people(),
        required=False,
        empty_label="No line manager",
        help_text="Told when this person's audits are moderated.",
        error_messages={"invalid_choice": "Choose a line manager from the list."},
    )
    service_areas = forms.ModelMultipleChoiceField(
        label="Service areas this person reads (heads of service)",
        queryset=ServiceArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose service areas from the list."},
    )

    def __init__(self, *args, person: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if person is not None:
            people = self.fields["line_manager"]
            assert isinstance(people, forms.ModelChoiceField)
            people.queryset = _people().exclude(pk=person.pk)


ROLE_CHOICES = Role.choices


class PersonCreateForm(PersonDetailsForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="What they sign in with: letters, digits and @ . + - _ only.",
        error_messages={
            "required": "Enter a username.",
            "max_length": "A username is at most 150 characters.",
        },
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose roles from the list."},
    )
    invite = forms.BooleanField(
        label="Send an invitation e-mail now",
        required=False,
        help_text="With a link to choose a password. You can also invite them later.",
    )

    field_order = ["first_name", "last_name", "username", "email", "team", "line_manager"]

    def clean(self):
        data = super().clean() or {}
        if data.get("invite") and not data.get("email"):
            self.add_error("email", "Enter an e-mail address to send the invitation to.")
        return data


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose roles from the list."},
    )
    reason = forms.CharField(
        label="Reason for the change",
        max_length=1_000,
        help_text="Kept in the person's history with your name and the date.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter the reason for the change: it is kept in the person's history.",
            "max_length": "The reason must be 1,000 characters or fewer.",
        },
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        max_length=1_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "The reason must be 1,000 characters or fewer."},
    )


class ChoosePasswordForm(SetPasswordForm):
    """Django's own form: the two passwords match and pass AUTH_PASSWORD_VALIDATORS."""


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label="Upload the HR spreadsheet",
        help_text="A CSV (UTF-8) or Excel (.xlsx) file with one person on each row.",
        error_messages={
            "required": "Select a CSV or XLSX file.",
            "empty": "The selected file is empty.",
            "invalid": "Select a CSV or XLSX file.",
        },
    )
    dry_run = forms.BooleanField(
        label="Check the file only (dry run)",
        help_text="Nothing is written: you see who would be created and changed.",
        required=False,
    )
