from typing import Any, cast

from django import forms

from apps.accounts.models import User
from apps.patients.models import Patient
from apps.scheduling.models import Appointment
from carecoord.forms import DateInput

from . import selectors
from .models import ReadinessItem


def _full_name(user: User) -> str:
    return user.full_name


class PlanForm(forms.Form):
    named_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),  # set per child
        required=False,
        empty_label="Not named yet",
        label="Named worker",
        help_text="The one person who co-ordinates the move, from the young person's care team.",
    )
    adult_team = forms.CharField(
        max_length=150, required=False, label="Adult team", help_text="For example 'Adult neurology'."
    )
    adult_hospital = forms.CharField(max_length=150, required=False, label="Adult hospital")
    target_transfer_on = forms.DateField(required=False, widget=DateInput, label="Target transfer date")

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["named_worker"])
        field.queryset = selectors.worker_choices(patient)
        field.label_from_instance = _full_name  # type: ignore[method-assign,assignment]


class ReadinessForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=ReadinessItem.objects.filter(is_active=True),
        widget=forms.HiddenInput,
        label="Checklist item",
    )
    ready = forms.TypedChoiceField(
        choices=[("yes", "Ready"), ("no", "Not yet")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Ready?",
    )
    note = forms.CharField(max_length=300, required=False, label="Note", help_text="Up to 300 characters.")


class JointAppointmentForm(forms.Form):
    appointment = forms.ModelChoiceField(
        queryset=Appointment.objects.none(),
        required=False,
        label="Joint appointment with the adult team",
        help_text="Book it on the Appointments tab first, then choose it here.",
        empty_label="None yet",
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["appointment"])
        field.queryset = selectors.appointment_choices(patient)


class TransferForm(forms.Form):
    transferred_on = forms.DateField(widget=DateInput, label="Date of transfer")
    note = forms.CharField(
        max_length=500,
        required=False,
        label="Note",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Up to 500 characters.",
    )
