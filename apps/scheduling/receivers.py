from typing import Any

from django.dispatch import receiver

from apps.pathways.models import SpecialtyTrack
from apps.pathways.signals import course_ended, diagnosis_dated, tracks_moved
from apps.patients.signals import patient_saved

from .models import TreatmentSeries
from .services import series_end
from .services.review_schedule import review_schedules_refresh


@receiver(course_ended)
def end_series_of_course(sender: Any, course: Any, actor: Any, reason: str = "", **kwargs: Any) -> None:
    """When a course stops or completes, cancel the rest of its series (in the same transaction)."""
    for series in TreatmentSeries.objects.filter(course=course, status=TreatmentSeries.Status.ACTIVE):
        series_end(
            actor=actor, series=series, reason=f"The course ended{f': {reason}' if reason else ''}"[:300]
        )


# The stored re-evaluation dates follow their inputs, in the transaction that changes them.


@receiver(diagnosis_dated)
def refresh_reviews_on_diagnosis(sender: Any, patient_id: int, **kwargs: Any) -> None:
    review_schedules_refresh(patient_ids=[patient_id])


@receiver(tracks_moved)
def refresh_reviews_on_track(sender: Any, patient_ids: list[int], stage: str, **kwargs: Any) -> None:
    # Only a discharge, or a re-referral after one, changes whether a policy applies.
    if stage in (SpecialtyTrack.Stage.DISCHARGED, SpecialtyTrack.Stage.REFERRED):
        review_schedules_refresh(patient_ids=patient_ids)


@receiver(patient_saved)
def refresh_reviews_on_patient(sender: Any, patient: Any, fields: list[str] | None, **kwargs: Any) -> None:
    if fields is None or {"status", "date_of_birth"} & set(fields):  # school re-test years follow age
        review_schedules_refresh(patient_ids=[patient.pk])
