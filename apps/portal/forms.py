"""Family forms: plain words, every field labelled. The rules live in the services."""

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from apps.pathways.models import SymptomReport
from apps.pathways.services.symptoms import FREE_TEXT_MAX
from apps.scheduling.services.appointments import CANT_MAKE_IT_REASON_MAX

CHOOSING_A_GOOD_ONE = (
    "At least 10 characters. Not a common password, not only numbers, and not too like your name or email."
)


def _amount(legend: str, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=legend,
        help_text=hint,
        choices=SymptomReport.Amount.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose no, a little or a lot."},
    )


class SymptomReportForm(forms.Form):
    """Questions about the signs of OMS coming back, in the words families use."""

    unsteady = _amount(
        "More unsteady when walking, standing or sitting?", "For example falling or wobbling more."
    )
    jerky_movements = _amount(
        "Jerky movements, shaking or trembling?", "For example in the arms, legs or body, or when reaching."
    )
    eye_movements = _amount(
        "Unusual eye movements?", "For example quick, darting or “dancing” movements of the eyes."
    )
    sleep = _amount("Sleeping worse than usual?", "For example waking a lot, or finding it hard to settle.")
    behaviour = _amount("More irritable, upset or cross than usual?")
    speech = _amount("Changes in speech?", "For example fewer words, slurred speech, or stopping talking.")
    recent_illness = forms.ChoiceField(
        label="Ill recently, or had a high temperature?",
        help_text="For example a cold, a tummy bug or a fever in the last 2 weeks.",
        choices=SymptomReport.YesNo.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )
    free_text = forms.CharField(
        label="Anything else you want to tell us (optional)",
        help_text="For example when you first noticed the changes, or anything that worries you.",
        required=False,
        max_length=FREE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, child_name: str = "your child", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each question names the child: "Is Alice more unsteady ...?"
        questions = {
            "unsteady": f"Is {child_name} more unsteady when walking, standing or sitting?",
            "jerky_movements": f"Does {child_name} have jerky movements, shaking or trembling?",
            "eye_movements": f"Have you noticed unusual movements of {child_name}'s eyes?",
            "sleep": f"Is {child_name} sleeping worse than usual?",
            "behaviour": f"Is {child_name} more irritable, upset or cross than usual?",
            "speech": f"Has {child_name}'s speech changed?",
            "recent_illness": f"Has {child_name} been ill recently, or had a high temperature?",
        }
        missing = {
            "unsteady": f"Tell us whether {child_name} is more unsteady: choose no, a little or a lot.",
            "jerky_movements": "Tell us about jerky movements: choose no, a little or a lot.",
            "eye_movements": "Tell us about eye movements: choose no, a little or a lot.",
            "sleep": f"Tell us about {child_name}'s sleep: choose no, a little or a lot.",
            "behaviour": f"Tell us whether {child_name} is more irritable: choose no, a little or a lot.",
            "speech": f"Tell us about {child_name}'s speech: choose no, a little or a lot.",
            "recent_illness": f"Tell us whether {child_name} has been ill recently: choose yes or no.",
        }
        for name, question in questions.items():
            self.fields[name].label = question
            self.fields[name].error_messages["required"] = missing[name]


class CantMakeItForm(forms.Form):
    reason = forms.CharField(
        label="Tell us why, and when would suit you better (optional)",
        help_text="This helps the team find a better time. Please do not include anything urgent here.",
        required=False,
        max_length=CANT_MAKE_IT_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FamilyPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with plain labels."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Your current password"
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = CHOOSING_A_GOOD_ONE
        self.fields["new_password2"].label = "Type the new password again"
        self.fields["new_password2"].help_text = ""


class NotificationPreferenceForm(forms.Form):
    email_notifications = forms.BooleanField(
        label="Email me when there is something new (the email has no details, just a link)",
        required=False,
    )


class InvitationPasswordForm(forms.Form):
    """Set the first password from an invitation. Strength is checked by the service."""

    new_password1 = forms.CharField(
        label="Choose a password",
        help_text=CHOOSING_A_GOOD_ONE,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords are not the same. Please type them again.")
        return cleaned
