from django import forms

from .services import MOST_DAYS, REASON_MAX


class WatchOpenForm(forms.Form):
    days = forms.IntegerField(
        label="How many days",
        min_value=1,
        max_value=MOST_DAYS,
        initial=14,
        help_text=f"From today; up to {MOST_DAYS}.",
    )
    reason = forms.CharField(
        label="Reason", max_length=REASON_MAX, help_text="For example 'Sibling has chickenpox'."
    )


class WatchExtendForm(forms.Form):
    days = forms.IntegerField(
        label="Extend by how many days",
        min_value=1,
        max_value=MOST_DAYS,
        initial=7,
        help_text="Past the current last day.",
    )
    reason = forms.CharField(label="Reason for extending", max_length=REASON_MAX)


class WatchEndForm(forms.Form):
    reason = forms.CharField(label="Reason for ending early", max_length=REASON_MAX)
