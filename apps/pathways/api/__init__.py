"""The pathway REST API: one module per resource, every endpoint nested under a child.

Thin, as in apps/patients/api.py: the child is resolved through access first (404), writes check the
role (403) and call services, reads go through selectors and are audited once per request.
"""

from .assessment import AssessmentViewSet, CriterionViewSet
from .courses import CourseViewSet
from .investigations import InvestigationViewSet
from .relapses import RelapseViewSet
from .scores import ScaleViewSet, ScoreViewSet
from .summary import PathwayViewSet, TimelineViewSet
from .tracks import TrackViewSet
from .tumours import TumourViewSet

__all__ = [
    "AssessmentViewSet",
    "CourseViewSet",
    "CriterionViewSet",
    "InvestigationViewSet",
    "PathwayViewSet",
    "RelapseViewSet",
    "ScaleViewSet",
    "ScoreViewSet",
    "TimelineViewSet",
    "TrackViewSet",
    "TumourViewSet",
]
