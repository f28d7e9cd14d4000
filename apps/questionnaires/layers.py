"""Questionnaire totals on the clinician's severity chart: a ``carecoord.family_layers`` provider
(one query per chart), registered when the app is ready."""

import datetime

from django.utils import timezone

from carecoord import family_layers
from carecoord.family_layers import FamilyLayers, FamilyPoint

from .selectors import record_responses
from .services import staff_response_url


def questionnaire_points(patient_id: int, start: datetime.date, end: datetime.date) -> FamilyLayers:
    return FamilyLayers(
        points=[
            FamilyPoint(
                series=r.version.questionnaire.title,
                day=timezone.localdate(r.authored_at),
                value=float(r.total_score),
                max_value=float(r.max_score),
                url=staff_response_url(r),
            )
            for r in record_responses(patient_id)
            if start <= timezone.localdate(r.authored_at) <= end
        ]
    )


family_layers.register(questionnaire_points)
