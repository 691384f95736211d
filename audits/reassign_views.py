"""The QA lead's page to move audits and moderations to someone else: audits to another
auditor or to nobody (unassigned), moderations to another moderator or back to the queue."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from audits import selectors
from core.errors import DomainError, add_service_errors
from core.models import Audit, Role, User
from core.permissions import REASSIGN_REFUSED, reassign_allowed, require
from core.services.assignments import REASSIGN_REASON_MAX
from flows.reassign import work_reassign
from moderation.models import Moderation

NOBODY = "none"
# "Whose work": the open audits nobody holds, beside the people who hold work.
UNASSIGNED = "unassigned"


class IdsField(forms.TypedMultipleChoiceField):
    """Checkboxes of the work on the page; an id that has since closed is the service's to
    refuse in words ("a submitted audit cannot be reassigned"), not "not a valid choice"."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value):
        return str(value).isascii() and str(value).isdigit() and len(str(value)) < 10


def _audit_label(audit: Audit) -> str:
    due = f", due {audit.due_date:%-d %B %Y}" if audit.due_date else ""
    holder = f"by {selectors.person_name(audit.auditor)}" if audit.auditor else "unassigned"
    return (
        f"{audit.case.reference}: {audit.month:%B %Y} audit {holder}{due} "
        f"({audit.get_status_display().lower()})"
    )


def _moderation_label(moderation: Moderation) -> str:
    holder = selectors.person_name(moderation.moderator) or "nobody yet"
    return (
        f"{moderation.audit.case.reference}: moderation of the {moderation.audit.month:%B %Y} "
        f"audit, with {holder}"
    )


class ReassignForm(forms.Form):
    audits = IdsField(label="Audits to reassign")
    moderations = IdsField(label="Moderations to reassign")
    auditor = forms.ChoiceField(
        label="Give the audits to",
        required=False,
        help_text="An active auditor (team manager), or nobody: the audits stay in their "
        "programme, unassigned, written by nobody until you give them to someone.",
        error_messages={"invalid_choice": "Choose an auditor from the list."},
    )
    moderator = forms.ChoiceField(
        label="Give the moderations to",
        required=False,
        help_text="An active moderator who did not write the audit, or nobody: back to the "
        "queue for any moderator to claim.",
        error_messages={"invalid_choice": "Choose a moderator from the list."},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=REASSIGN_REASON_MAX,
        help_text=f"Kept in each record's history. {REASSIGN_REASON_MAX} characters or fewer, "
        "for example: off sick until 12 January.",
        error_messages={
            "required": "Say why the work is moving.",
            "max_length": f"The reason must be {REASSIGN_REASON_MAX} characters or fewer.",
        },
    )

    def __init__(self, *args, audits, moderations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audits"].choices = [(a.pk, _audit_label(a)) for a in audits]  # type: ignore[attr-defined]
        self.fields["moderations"].choices = [  # type: ignore[attr-defined]
            (m.pk, _moderation_label(m)) for m in moderations
        ]
        auditors = selectors.staff_with_role(Role.AUDITOR)
        self.auditors = {str(a.pk): a for a in auditors}
        self.fields["auditor"].choices = [  # type: ignore[attr-defined]
            ("", "Choose an auditor"),
            (NOBODY, "Nobody: leave them unassigned"),
            *((str(a.pk), _person_label(a)) for a in auditors),
        ]
        moderators = selectors.staff_with_role(Role.MODERATOR)
        self.moderators = {str(m.pk): m for m in moderators}
        self.fields["moderator"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a moderator"),
            (NOBODY, "Nobody: back to the moderation queue"),
            *((str(m.pk), selectors.person_name(m)) for m in moderators),
        ]

    def clean(self):
        data = super().clean() or {}
        if data.get("audits") and not data.get("auditor") and "auditor" not in self.errors:
            self.add_error(
                "auditor", "Choose who takes the audits over, or nobody to leave them unassigned."
            )
        if data.get("moderations") and not data.get("moderator"):
            self.add_error(
                "moderator", "Choose a moderator, or nobody to put them back in the queue."
            )
        return data

    def auditor_chosen(self) -> User | None:
        """The auditor chosen; None for nobody (the audits are left unassigned)."""
        return self.auditors.get(self.cleaned_data.get("auditor") or "")

    def moderator_chosen(self) -> User | None:
        return self.moderators.get(self.cleaned_data.get("moderator") or "")


def _person_label(person: User) -> str:
    team = f" – {person.team.name}" if person.team else ""
    return f"{selectors.person_name(person)}{team}"


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 10]


@login_required
def reassign(request):
    """Choose a person (or come from an audit), tick their work, give it to someone else."""
    require(reassign_allowed(user=request.user), REASSIGN_REFUSED)
    people = selectors.people_with_open_work()
    unassigned = UNASSIGNED in request.GET.getlist("person")
    person = people.filter(pk__in=_ids(request.GET.getlist("person"))).first()
    audits = selectors.open_audits_for_reassign(
        auditor=person, audit_ids=_ids(request.GET.getlist("audit")), unassigned=unassigned
    )
    moderations = selectors.open_moderations_for_reassign(
        moderator=person, moderation_ids=_ids(request.GET.getlist("moderation"))
    )
    data = request.POST if request.method == "POST" else None
    initial = {"audits": [a.pk for a in audits], "moderations": [m.pk for m in moderations]}
    form = ReassignForm(data, audits=audits, moderations=moderations, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            moved_audits, moved_moderations = work_reassign(
                actor=request.user,
                audit_ids=form.cleaned_data["audits"],
                auditor=form.auditor_chosen(),
                moderation_ids=form.cleaned_data["moderations"],
                moderator=form.moderator_chosen(),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            add_service_errors(form, error)
        else:
            audits_done = (
                "Unassigned" if moved_audits and form.auditor_chosen() is None else "Reassigned"
            )
            moderations_done = " reassigned" if audits_done == "Unassigned" else ""
            messages.success(
                request,
                f"{audits_done} {moved_audits} audit{'s' if moved_audits != 1 else ''} and"
                f"{moderations_done} {moved_moderations} "
                f"moderation{'s' if moved_moderations != 1 else ''}.",
            )
            return redirect("reassign")
    return render(
        request,
        "audits/reassign.html",
        {
            "form": form,
            "people": people,
            "person": person,
            "unassigned": unassigned,
            "unassigned_count": selectors.unassigned_open_audits().count(),
            "person_name": selectors.person_name,
        },
        status=400 if form.errors else 200,
    )
