"""Field shapes for the scheduling pages. The rules (clashes, transitions) live in scheduling.services."""

import copy
import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet

from apps.accounts.models import Team, User
from apps.pathways.models import TreatmentCourse
from apps.pathways.services.courses import OPEN_STATUSES
from apps.patients.models import Patient
from apps.referrals.models import Referral
from carecoord.clock import LondonDateTimeField

from .models import Appointment

OVERRIDE_LABEL = "Reason to book anyway"
OVERRIDE_HELP = "Only if the double booking is intended, for example a joint clinic."


def _override_field() -> forms.CharField:
    return forms.CharField(label=OVERRIDE_LABEL, help_text=OVERRIDE_HELP, max_length=300, required=False)


def keep_override_if_posted(form: forms.Form) -> None:
    """The "book anyway" reason appears only once a clash has been reported (and stays while posted)."""
    if not form.is_bound or form.add_prefix("override_reason") not in form.data:
        del form.fields["override_reason"]


def offer_override(form: forms.Form) -> None:
    """Show the reason field, in its declared place (just below the times), once a clash is reported."""
    if "override_reason" not in form.fields:
        form.fields["override_reason"] = copy.deepcopy(form.base_fields["override_reason"])
        form.order_fields(list(form.base_fields))


def override_reason(form: forms.Form) -> str:
    return (getattr(form, "cleaned_data", None) or {}).get("override_reason", "") or ""


def staff_choices() -> QuerySet[User]:
    return User.objects.filter(is_active=True, kind=User.Kind.STAFF, staff_profile__isnull=False).order_by(
        "full_name"
    )


def _notes(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BookForm(forms.Form):
    kind = forms.ChoiceField(label="Type of appointment", choices=[("", "Choose"), *Appointment.Kind.choices])
    starts_at = LondonDateTimeField(label="Starts")
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        min_value=5,
        max_value=24 * 60,
        initial=30,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    ends_at = LondonDateTimeField(
        label="Or ends (optional)", required=False, help_text="Leave empty to use the length."
    )
    override_reason = _override_field()
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="No team"
    )
    clinician = forms.ModelChoiceField(
        label="Clinician", queryset=User.objects.none(), required=False, empty_label="Not named yet"
    )
    location = forms.CharField(label="Location", max_length=200, required=False)
    preparation_notes = _notes(
        "Preparation notes for the family", "The family sees these, for example “Nil by mouth from 7am”."
    )
    internal_notes = _notes("Internal notes (staff only)", "Never shown to the family.")
    family_visible = forms.BooleanField(
        label="Show to the family in the portal and their calendar", required=False, initial=True
    )
    referral = forms.ModelChoiceField(
        label="For an accepted referral (optional)",
        queryset=Referral.objects.none(),
        required=False,
        empty_label="Not for a referral",
        help_text="Booking it marks the referral as booked.",
    )

    def __init__(self, *args: Any, patient: Patient | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accepted = (
            Referral.objects.filter(patient=patient, status=Referral.Status.ACCEPTED) if patient else None
        )
        if accepted is None or not accepted.exists():
            del self.fields["referral"]  # nothing to book against: keep the form short
        else:
            self.fields["referral"].queryset = accepted.select_related("target_team")  # type: ignore[attr-defined]
            self.fields["referral"].label_from_instance = lambda r: f"{r.target_team}: {r.reason[:60]}"  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["clinician"].queryset = staff_choices()  # type: ignore[attr-defined]
        keep_override_if_posted(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and not ends_at:
            minutes = data.get("duration_minutes")
            if minutes:
                data["ends_at"] = starts_at + datetime.timedelta(minutes=minutes)
            elif "duration_minutes" not in self.errors:
                self.add_error("duration_minutes", "Give the length, or when it ends.")
        return data

    def booking(self) -> dict[str, Any]:
        """The keyword arguments for appointment_book."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "team": data["team"],
            "clinician": data["clinician"],
            "location": data["location"],
            "preparation_notes": data["preparation_notes"],
            "internal_notes": data["internal_notes"],
            "family_visible": data["family_visible"],
            "override_reason": override_reason(self),
            "referral": data.get("referral"),
        }


class MoveForm(forms.Form):
    starts_at = LondonDateTimeField(label="New start")
    duration_minutes = forms.IntegerField(
        label="Length in minutes",
        min_value=5,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    override_reason = _override_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep_override_if_posted(self)

    @property
    def ends_at(self) -> datetime.datetime:
        return self.cleaned_data["starts_at"] + datetime.timedelta(
            minutes=self.cleaned_data["duration_minutes"]
        )


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(
        label="Who cancelled", choices=Appointment.CancelledBy.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason", max_length=300)


class SeriesMoveForm(forms.Form):
    starts_at = LondonDateTimeField(label="New start")
    and_following = forms.TypedChoiceField(
        label="Move",
        choices=[("false", "Only this one"), ("true", "This one and all later ones")],
        coerce=lambda v: v == "true",
        initial="false",
        widget=forms.RadioSelect,
    )
    override_reason = _override_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep_override_if_posted(self)


class SeriesStopForm(forms.Form):
    reason = forms.CharField(
        label="Why is the series stopping?",
        max_length=300,
        help_text="Every future appointment in it is cancelled and the family is told.",
    )


def _every(days: int) -> str:
    if days % 7:
        return "every day" if days == 1 else f"every {days} days"
    return "every week" if days == 7 else f"every {days // 7} weeks"


class SeriesForm(forms.Form):
    course = forms.ModelChoiceField(
        label="From a treatment course (optional)",
        queryset=TreatmentCourse.objects.none(),
        required=False,
        empty_label="Not linked to a course",
    )
    title = forms.CharField(
        label="Name of the series",
        max_length=150,
        required=False,
        help_text="For example “IVIG every 4 weeks”. Left empty, it is named after the course.",
    )
    kind = forms.ChoiceField(
        label="Type of appointment", choices=Appointment.Kind.choices, initial=Appointment.Kind.INFUSION
    )
    first_starts_at = LondonDateTimeField(label="First appointment starts")
    override_reason = _override_field()
    interval_days = forms.IntegerField(
        label="Days between appointments",
        min_value=1,
        initial=28,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    count = forms.IntegerField(
        label="Number of appointments",
        min_value=1,
        max_value=52,
        initial=6,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    duration_minutes = forms.IntegerField(
        label="Length of each in minutes",
        min_value=5,
        max_value=24 * 60,
        initial=240,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    team = forms.ModelChoiceField(
        label="Team", queryset=Team.objects.none(), required=False, empty_label="No team"
    )
    clinician = forms.ModelChoiceField(
        label="Clinician", queryset=User.objects.none(), required=False, empty_label="Not named yet"
    )
    location = forms.CharField(label="Location", max_length=200, required=False)
    preparation_notes = _notes(
        "Preparation notes for the family", "The family sees these on every appointment in the series."
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = patient.treatment_courses.filter(status__in=OPEN_STATUSES).order_by("-start_date")
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["clinician"].queryset = staff_choices()  # type: ignore[attr-defined]
        keep_override_if_posted(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        course, interval = data.get("course"), data.get("interval_days")
        if not (data.get("title") or "").strip() and course is not None and interval:
            data["title"] = f"{course.label} {_every(interval)}"
        return data

    def series(self) -> dict[str, Any]:
        """The keyword arguments for series_create."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "course": data["course"],
            "kind": data["kind"],
            "first_starts_at": data["first_starts_at"],
            "interval_days": data["interval_days"],
            "count": data["count"],
            "duration_minutes": data["duration_minutes"],
            "team": data["team"],
            "clinician": data["clinician"],
            "location": data["location"],
            "preparation_notes": data["preparation_notes"],
            "override_reason": override_reason(self),
        }
