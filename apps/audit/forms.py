from django import forms

from carecoord.forms import DateInput

from .models import AccessEvent, BreakGlassGrant


class AccessLogFilterForm(forms.Form):
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned


class BreakGlassForm(forms.Form):
    identifier = forms.CharField(
        label="Hospital number or NHS number",
        max_length=30,
        help_text="Enter the exact number. Partial matches are not shown.",
    )
    category = forms.ChoiceField(
        label="What kind of need is it?", choices=BreakGlassGrant.Category.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="Why do you need this record? Say it in a sentence.",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your access and this reason are recorded and reviewed by a clinic administrator.",
    )


class AccessBasisFilterForm(forms.Form):
    basis = forms.ChoiceField(
        label="Reads by basis of access",
        choices=AccessEvent.Basis.choices,
        initial=AccessEvent.Basis.BREAK_GLASS,
        required=False,
    )


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(label="Review note", widget=forms.Textarea(attrs={"rows": 2}), required=False)
