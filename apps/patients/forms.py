from typing import Any

from django import forms

from apps.accounts.models import StaffProfile, User
from apps.accounts.selectors import staff_members
from carecoord.forms import DateInput

from .models import Guardian, Patient
from .selectors import nurse_specialists


class PatientForm(forms.Form):
    """Field shapes only; the rules (NHS number check, uniqueness) live in patients.services."""

    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    preferred_name = forms.CharField(label="Preferred name (optional)", max_length=100, required=False)
    date_of_birth = forms.DateField(label="Date of birth", widget=DateInput)
    sex = forms.ChoiceField(label="Sex", choices=Patient.Sex.choices)
    hospital_number = forms.CharField(label="Hospital number", max_length=30)
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        max_length=20,
        required=False,
        help_text="10 digits, for example 943 476 5919. Leave empty if the child does not have one yet.",
    )
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    school = forms.CharField(label="School or nursery (optional)", max_length=200, required=False)
    status = forms.ChoiceField(
        label="Status", choices=Patient.Status.choices, initial=Patient.Status.REFERRED
    )
    named_nurse = forms.ModelChoiceField(
        label="Named nurse specialist",
        queryset=nurse_specialists(),
        required=False,
        empty_label="Not yet assigned",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["named_nurse"].queryset = nurse_specialists()  # type: ignore[attr-defined]


class GuardianForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email address")
    relationship = forms.ChoiceField(label="Relationship to the child", choices=Guardian.Relationship.choices)
    has_parental_responsibility = forms.BooleanField(
        label="Has parental responsibility", required=False, initial=True
    )
    # Without parental responsibility, someone who has it authorises the access (HAZ-10).
    authorised_by_name = forms.CharField(
        label="Access authorised by (a person with parental responsibility)",
        max_length=150,
        required=False,
        help_text="Only when this person does not have parental responsibility.",
    )
    authorised_on = forms.DateField(
        label="Date access was authorised", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    authorisation_reason = forms.CharField(label="Why access was authorised", max_length=300, required=False)


class ParentalResponsibilityForm(forms.Form):
    has_parental_responsibility = forms.BooleanField(label="Has parental responsibility", required=False)
    authorised_by_name = forms.CharField(
        label="Access authorised by (a person with parental responsibility)", max_length=150, required=False
    )
    authorised_on = forms.DateField(
        label="Date access was authorised", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    authorisation_reason = forms.CharField(label="Why access was authorised", max_length=300, required=False)


class YoungPersonConsentForm(forms.Form):
    consent_on = forms.DateField(
        label="Date the young person consented", widget=forms.DateInput(attrs={"type": "date"})
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name} ({obj.staff_profile.get_role_display()})"


class CareTeamMemberForm(forms.Form):
    user = StaffChoiceField(label="Member of staff", queryset=staff_members())
    role = forms.ChoiceField(label="Role on this team", choices=StaffProfile.Role.choices)
    is_lead = forms.BooleanField(label="Lead clinician", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_members()  # type: ignore[attr-defined]
