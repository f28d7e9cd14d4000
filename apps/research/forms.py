from typing import Any, cast

from django import forms

from apps.patients.models import Guardian, Patient
from carecoord.forms import DateInput

from .consent import REASON_LIMIT
from .models import Consent, ConsentScope


def _guardian_label(guardian: Guardian) -> str:
    pr = "" if guardian.has_parental_responsibility else " (no parental responsibility)"
    return f"{guardian.user.full_name}, {guardian.get_relationship_display().lower()}{pr}"


class ConsentForm(forms.Form):
    scope = forms.ModelChoiceField(
        queryset=ConsentScope.objects.filter(is_active=True), label="Registry or study", empty_label=None
    )
    decision = forms.ChoiceField(choices=Consent.Decision.choices, widget=forms.RadioSelect, label="Decision")
    consenter = forms.ChoiceField(
        choices=Consent.Consenter.choices, widget=forms.RadioSelect, label="Who gave the decision"
    )
    guardian = forms.ModelChoiceField(
        queryset=Guardian.objects.none(),
        required=False,
        label="Which parent or guardian",
        help_text="Needed when a parent or guardian gave the decision.",
        empty_label="Choose",
    )
    verification = forms.ChoiceField(
        choices=Consent.Verification.choices, widget=forms.RadioSelect, label="How it was checked"
    )
    period_start = forms.DateField(widget=DateInput, label="Starts on")
    period_end = forms.DateField(
        widget=DateInput,
        required=False,
        label="Ends on (optional)",
        help_text="Leave empty if it has no end.",
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["guardian"])
        field.queryset = Guardian.objects.filter(patient=patient, is_active=True).select_related("user")
        field.label_from_instance = _guardian_label  # type: ignore[method-assign,assignment]


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(widget=DateInput, label="Withdrawn on")
    reason = forms.CharField(
        max_length=REASON_LIMIT,
        required=False,
        label="Reason (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if the family wanted to give one. It is never exported.",
    )


class ExportForm(forms.Form):
    scope = forms.CharField(
        label="Registry or study",
        help_text="Only children whose current consent for it is 'agreed', and not withdrawn, are included.",
        widget=forms.Select,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s.code, str(s)) for s in ConsentScope.objects.order_by("name")]
        cast(forms.Select, self.fields["scope"].widget).choices = choices
