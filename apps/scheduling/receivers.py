from typing import Any

from django.dispatch import receiver

from apps.pathways.signals import course_ended

from .models import TreatmentSeries
from .services import series_end


@receiver(course_ended)
def end_series_of_course(sender: Any, course: Any, actor: Any, reason: str = "", **kwargs: Any) -> None:
    """When a course stops or completes, cancel the rest of its series (in the same transaction)."""
    for series in TreatmentSeries.objects.filter(course=course, status=TreatmentSeries.Status.ACTIVE):
        series_end(
            actor=actor, series=series, reason=f"The course ended{f': {reason}' if reason else ''}"[:300]
        )
