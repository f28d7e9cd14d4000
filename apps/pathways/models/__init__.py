"""The clinical record of a child's OMS pathway. Workflows live in services; this is shape only.

One module per part of the record; everything is importable from ``apps.pathways.models``.
"""

from .assessment import DiagnosticAssessment, DiagnosticCriterion
from .investigations import Investigation, InvestigationEvent
from .scales import ScaleItem, SeverityScale, SeverityScore, SeverityScoreValue
from .surveillance import SurveillanceDue, SurveillancePolicy, SurveillanceStep
from .symptoms import SymptomReport
from .tracks import Specialty, SpecialtyTrack, TrackEvent
from .treatment import CourseEvent, Relapse, TreatmentCourse
from .tumours import Tumour

__all__ = [
    "CourseEvent",
    "DiagnosticAssessment",
    "DiagnosticCriterion",
    "Investigation",
    "InvestigationEvent",
    "Relapse",
    "ScaleItem",
    "SeverityScale",
    "SeverityScore",
    "SeverityScoreValue",
    "Specialty",
    "SpecialtyTrack",
    "SurveillanceDue",
    "SurveillancePolicy",
    "SurveillanceStep",
    "SymptomReport",
    "TrackEvent",
    "TreatmentCourse",
    "Tumour",
]
