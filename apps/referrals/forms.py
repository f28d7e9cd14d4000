from typing import Any

from django import forms

from apps.accounts.models import Team
from apps.patients.models import Patient
from carecoord.forms import DateInput

from .models import Referral


class ReferralForm(forms.Form):
    target_team = forms.ModelChoiceField(
        label="Refer to", queryset=Team.objects.all(), empty_label="Choose a team"
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=Referral.Urgency.choices, widget=forms.RadioSelect, initial="routine"
    )
    reason = forms.CharField(label="Reason for referral", widget=forms.Textarea(attrs={"rows": 4}))
    letter = forms.FileField(
        label="Letter (optional)", required=False, help_text="PDF, PNG or JPEG, up to 10 MB."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_team"].queryset = Team.objects.all()  # type: ignore[attr-defined]

    def field_for_service_error(self, name: str) -> str:
        return "letter" if name == "file" else name


class ExternalReferralForm(forms.Form):
    external_source = forms.ChoiceField(label="Referred by", choices=Referral.ExternalSource.choices)
    referrer_name = forms.CharField(label="Referrer's name", max_length=150)
    referrer_organisation = forms.CharField(label="Referrer's organisation", max_length=200, required=False)
    target_team = forms.ModelChoiceField(
        label="Refer to", queryset=Team.objects.all(), empty_label="Choose a team"
    )
    urgency = forms.ChoiceField(
        label="Urgency", choices=Referral.Urgency.choices, widget=forms.RadioSelect, initial="routine"
    )
    reason = forms.CharField(label="Reason for referral", widget=forms.Textarea(attrs={"rows": 4}))
    given_name = forms.CharField(label="Child's given name", max_length=100)
    family_name = forms.CharField(label="Child's family name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput)
    sex = forms.ChoiceField(label="Sex", choices=Patient.Sex.choices, initial=Patient.Sex.UNKNOWN)
    hospital_number = forms.CharField(
        label="Hospital number (optional)",
        max_length=30,
        required=False,
        help_text="An existing child is matched by NHS number, then hospital number. A new child without "
        "one (a GP referral) gets a provisional number starting PROV- until the records team adds theirs.",
    )
    nhs_number = forms.CharField(label="NHS number (optional)", max_length=20, required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    letter = forms.FileField(
        label="Referral letter (optional)", required=False, help_text="PDF, PNG or JPEG, up to 10 MB."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_team"].queryset = Team.objects.all()  # type: ignore[attr-defined]

    def field_for_service_error(self, name: str) -> str:
        return "letter" if name == "file" else name

    def intake(self) -> dict[str, Any]:
        """The keyword arguments for referral_receive_external (the letter as its one-item list)."""
        data = dict(self.cleaned_data)
        letter = data.pop("letter", None)
        return {**data, "letters": [letter] if letter else []}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
