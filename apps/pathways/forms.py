"""Field shapes for the pathway forms. The rules live in pathways.services."""

from collections.abc import Collection
from typing import Any

from django import forms
from django.utils import timezone

from carecoord.forms import DateInput

from .models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    Relapse,
    SeverityScale,
    SeverityScoreValue,
    Specialty,
    SpecialtyTrack,
    TreatmentCourse,
    Tumour,
)


def _date(label: str, required: bool = True, initial_today: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput,
        initial=timezone.localdate if initial_today else None,
    )


class ScoreForm(forms.Form):
    """One whole-number field per item of the chosen scale version."""

    assessed_on = _date("Date of assessment", initial_today=True)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args: Any, scale: SeverityScale, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        for item in scale.items.all():
            self.fields[f"item_{item.code}"] = forms.IntegerField(
                label=item.label,
                help_text=f"{item.minimum} to {item.maximum}; higher is more severe",
                required=False,  # the service names each missing item
                widget=forms.NumberInput(
                    attrs={"min": item.minimum, "max": item.maximum, "inputmode": "numeric"}
                ),
            )
            self.fields[f"na_{item.code}"] = forms.ChoiceField(
                label=f"If {item.label.lower()} could not be assessed, why",
                choices=[("", "It was assessed"), *SeverityScoreValue.NotAssessable.choices],
                required=False,
            )

    def field_for_service_error(self, name: str) -> str:
        return f"item_{name}" if f"item_{name}" in self.fields else name

    def values(self) -> dict[str, int | None]:
        return {
            name.removeprefix("item_"): v for name, v in self.cleaned_data.items() if name.startswith("item_")
        }

    def not_assessable(self) -> dict[str, str]:
        """Items marked not assessable, with the reason (too young, or unable)."""
        return {
            name.removeprefix("na_"): v
            for name, v in self.cleaned_data.items()
            if name.startswith("na_") and v
        }


class CourseForm(forms.Form):
    agent = forms.ChoiceField(label="Treatment", choices=TreatmentCourse.Agent.choices)
    agent_other = forms.CharField(label="If other, what", max_length=100, required=False)
    status = forms.ChoiceField(
        label="Status",
        choices=[(TreatmentCourse.Status.ACTIVE, "Started"), (TreatmentCourse.Status.PLANNED, "Planned")],
    )
    start_date = _date("Start date", initial_today=True)
    planned_end_date = _date("Planned end (optional)", required=False)
    regimen_notes = forms.CharField(
        label="Regimen notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example “12 pulses at 4-weekly intervals”. CareCoord does not calculate doses.",
    )
    confirm_second_course = forms.BooleanField(
        label="Yes, record a second open course of this treatment", required=False
    )
    second_course_reason = forms.CharField(
        label="Why a second course of the same treatment (only if one is already open)",
        max_length=300,
        required=False,
    )


class CourseTransitionForm(forms.Form):
    to_status = forms.ChoiceField(
        label="Change to",
        choices=[
            (s, label) for s, label in TreatmentCourse.Status.choices if s != TreatmentCourse.Status.PLANNED
        ],
    )
    on_date = _date("From", initial_today=True)
    reason = forms.CharField(label="Reason (needed to stop)", max_length=300, required=False)

    def __init__(self, *args: Any, offered: Collection[str] | None = None, **kwargs: Any) -> None:
        """``offered``: the statuses to show (the course table's moves from where it stands)."""
        super().__init__(*args, **kwargs)
        if offered is not None:
            self.fields["to_status"].choices = [  # type: ignore[attr-defined]
                (s, label) for s, label in TreatmentCourse.Status.choices if s in offered
            ]


class RelapseForm(forms.Form):
    onset_date = _date("Symptoms came back on", initial_today=True)
    severity = forms.ChoiceField(label="Severity", choices=Relapse.Severity.choices)
    trigger = forms.ChoiceField(label="Suspected trigger", choices=Relapse.Trigger.choices)
    trigger_detail = forms.CharField(label="Trigger detail (optional)", max_length=200, required=False)
    response = forms.CharField(
        label="Response (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RelapseResolveForm(forms.Form):
    resolved_on = _date("Resolved on", initial_today=True)


class InvestigationForm(forms.Form):
    kind = forms.ChoiceField(label="Investigation", choices=Investigation.Kind.choices)
    description = forms.CharField(label="Details (needed for Other)", max_length=200, required=False)


class InvestigationStepForm(forms.Form):
    """Book, move the booking, mark done or cancel: the moves the investigation table allows from here.

    The result has its own form (it needs a summary), so resulted is never one of these choices.
    """

    to_status = forms.ChoiceField(label="Next step", choices=[])
    booked_for = _date("Booked for (needed to book)", required=False)
    done_on = _date("Done on (needed to mark done)", required=False)
    reason = forms.CharField(label="Reason (needed to cancel)", max_length=300, required=False)

    def __init__(self, *args: Any, offered: Collection[str] | None = None, **kwargs: Any) -> None:
        """``offered``: the statuses to show; None (a posted form) accepts any, so the table refuses."""
        super().__init__(*args, **kwargs)
        steps = [(s, STEP_LABELS[s]) for s in STEP_LABELS if offered is None or s in offered]
        self.fields["to_status"].choices = steps  # type: ignore[attr-defined]


# What each step is called on the page (resulted has the result form instead).
STEP_LABELS = {
    Investigation.Status.BOOKED: "Booked (or the booking moved)",
    Investigation.Status.DONE: "Done, waiting for the result",
    Investigation.Status.CANCELLED: "Cancelled",
}


class InvestigationResultForm(forms.Form):
    result_summary = forms.CharField(label="Result summary", widget=forms.Textarea(attrs={"rows": 2}))
    abnormal = forms.TypedChoiceField(
        label="Is the result abnormal?",
        choices=[("false", "No, normal"), ("true", "Yes, abnormal")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )


class TrackForm(forms.Form):
    specialty = forms.ChoiceField(label="Specialty", choices=Specialty.choices)
    to_stage = forms.ChoiceField(label="New stage", choices=SpecialtyTrack.Stage.choices)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class CriterionForm(forms.Form):
    criterion = forms.ChoiceField(label="Criterion", choices=DiagnosticCriterion.Criterion.choices)
    present = forms.TypedChoiceField(
        label="Finding",
        choices=[("true", "Present"), ("false", "Absent")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    observed_on = _date("Observed on", initial_today=True)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)
    incomplete_search_reason = forms.CharField(
        label="If neuroblastoma is absent before the tumour search is complete, why",
        max_length=250,
        required=False,
    )


class DiagnosisForm(forms.Form):
    oms_status = forms.ChoiceField(label="OMS status", choices=DiagnosticAssessment.OmsStatus.choices)
    aetiology = forms.ChoiceField(label="Aetiology", choices=DiagnosticAssessment.Aetiology.choices)
    onset_date = _date("Symptom onset (optional)", required=False)
    diagnosis_date = _date("Date of diagnosis (optional)", required=False)


class TumourForm(forms.Form):
    site = forms.CharField(label="Site", max_length=150)
    inrg_stage = forms.ChoiceField(
        label="INRG stage", choices=[("", "Not yet staged"), *Tumour.InrgStage.choices], required=False
    )
    detected_on = _date("Detected on")
    oncology_status = forms.ChoiceField(label="Oncology status", choices=Tumour.OncologyStatus.choices)
    resected_on = _date("Resected on (optional)", required=False)
    surgical_outcome = forms.CharField(label="Surgical outcome (optional)", max_length=300, required=False)
