import datetime

from django import forms
from django.db.models import QuerySet

from apps.accounts.models import Team, User
from apps.pathways.models import Investigation, Relapse, SeverityScore
from apps.pathways.selectors import scores_with_totals
from apps.patients.models import Patient
from carecoord.clock import LondonDateTimeField
from carecoord.forms import DateInput

from .selectors import staff_choices


def _score_label(score: SeverityScore) -> str:
    return f"{score.assessed_on:%d %b %Y}: {score.total}/{score.max_total}"  # type: ignore[attr-defined]


def _relapse_label(relapse: Relapse) -> str:
    return f"Relapse from {relapse.onset_date:%d %b %Y} ({relapse.get_severity_display().lower()})"


class MeetingForm(forms.Form):
    team = forms.ModelChoiceField(label="Team", queryset=Team.objects.all(), empty_label=None)
    title = forms.CharField(
        label="Name of the meeting", max_length=120, help_text="For example 'OMS clinic MDT'."
    )
    starts_at = LondonDateTimeField(label="Date and time")
    location = forms.CharField(label="Room or video link (optional)", max_length=120, required=False)
    chair = forms.ModelChoiceField(label="Chair", queryset=User.objects.none())

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["chair"].queryset = staff_choices()  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    """List a child: the child from the user's caseload, the question, and pathway material to look at."""

    patient = forms.ModelChoiceField(label="Child", queryset=Patient.objects.none())
    question = forms.CharField(
        label="Question for the meeting",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: Step up to rituximab? Score 9/18 after 3 pulses.",
    )
    scores = forms.ModelMultipleChoiceField(
        label="Severity scores to look at",
        queryset=SeverityScore.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    investigations = forms.ModelMultipleChoiceField(
        label="Imaging and other results",
        queryset=Investigation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    relapses = forms.ModelMultipleChoiceField(
        label="Relapses", queryset=Relapse.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: object, patients: QuerySet[Patient], chosen: Patient | None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["patient"].queryset = patients  # type: ignore[attr-defined]
        self.fields["patient"].initial = chosen
        # Material from the chosen child only (the service checks it again).
        if chosen is not None:
            self.fields["scores"].queryset = scores_with_totals(chosen).order_by("-assessed_on")  # type: ignore[attr-defined]
        self.fields["scores"].label_from_instance = _score_label  # type: ignore[attr-defined]
        self.fields["relapses"].label_from_instance = _relapse_label  # type: ignore[attr-defined]
        self.fields["investigations"].queryset = Investigation.objects.filter(patient=chosen)  # type: ignore[attr-defined]
        self.fields["relapses"].queryset = Relapse.objects.filter(patient=chosen)  # type: ignore[attr-defined]
        if chosen is None:
            for name in ("scores", "investigations", "relapses"):
                del self.fields[name]


class CarryOverForm(forms.Form):
    reason = forms.CharField(label="Why carry this child over?", widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label="Present", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["present"].queryset = staff_choices()  # type: ignore[attr-defined]


ACTION_ROWS = 3


class OutcomeForm(forms.Form):
    decision = forms.CharField(label="Decision, in words", widget=forms.Textarea(attrs={"rows": 3}))
    agreed_by = forms.ModelMultipleChoiceField(
        label="Agreed by", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    tell_family = forms.BooleanField(label="The named nurse tells the family", required=False)

    def __init__(self, *args: object, people: QuerySet[User], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["agreed_by"].queryset = people  # type: ignore[attr-defined]
        staff = staff_choices()
        for n in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{n}"] = forms.CharField(
                label=f"Action {n} (optional)", max_length=200, required=False
            )
            self.fields[f"owner_{n}"] = forms.ModelChoiceField(
                label=f"Action {n}: owner", queryset=staff, required=False
            )
            self.fields[f"due_{n}"] = forms.DateField(
                label=f"Action {n}: due", widget=DateInput, required=False
            )

    def clean(self) -> dict:
        data = super().clean() or {}
        for n in range(1, ACTION_ROWS + 1):
            if data.get(f"action_{n}") and not (data.get(f"owner_{n}") and data.get(f"due_{n}")):
                self.add_error(f"action_{n}", "Give this action an owner and a due date.")
        return data

    def action_rows(self) -> list[tuple[str, User, datetime.date]]:
        d = self.cleaned_data
        return [
            (d[f"action_{n}"], d[f"owner_{n}"], d[f"due_{n}"])
            for n in range(1, ACTION_ROWS + 1)
            if d.get(f"action_{n}")
        ]


class FamilyWordingForm(forms.Form):
    family_wording = forms.CharField(
        label="What was decided, in words for the family",
        help_text="This goes on the portal and in the letter once released. Plain words; no abbreviations.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what was decided in words the family will understand."},
    )
