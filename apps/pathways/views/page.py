"""The review page's context: the summary, the chart, the timeline, and the actions each item offers.

An item offers an action only when the actor's role allows it (the ``ACTIONS`` row) and the item's
state table does: a course offers exactly ``COURSE.allowed_from(status)``; an investigation offers
its result while ``result_path`` finds a way to resulted, every other move its table allows from
where it stands (``investigation_steps``: book, move the booking, done, cancel), and acknowledgement
while one is due.
"""

from typing import Any

from django.utils import timezone
from django.utils.safestring import mark_safe

from apps.accounts.models import User
from apps.accounts.types import AuthedRequest
from apps.patients import access
from apps.patients.models import Patient

from .. import selectors, services
from ..chart import summary_chart_svg
from ..models import Investigation, Relapse, Specialty, SymptomReport, TreatmentCourse
from ..sections import render_sections
from ..timeline import timeline_view
from .actions import ACTIONS, PANEL, FormSlot, slot


def _chart(summary: selectors.PathwaySummary) -> str:
    # built with ElementTree: every text node is escaped
    return mark_safe(summary_chart_svg(summary, today=timezone.localdate()))


def _diagnosis_initial(summary: selectors.PathwaySummary) -> dict[str, Any]:
    a = summary.assessment
    if a is None:
        return {}
    return {
        "oms_status": a.oms_status,
        "aetiology": a.aetiology,
        "onset_date": a.onset_date,
        "diagnosis_date": a.diagnosis_date,
    }


def _panel(user: User, patient: Patient, summary: selectors.PathwaySummary) -> list[FormSlot]:
    """The "Record" panel: each form the user's role allows (scores only once a scale exists)."""
    return [
        slot(patient, key, initial=_diagnosis_initial(summary) if key == "diagnosis" else None)
        for key in PANEL
        if ACTIONS[key].allowed(user) and (key != "score" or selectors.active_scales().exists())
    ]


def _offer(user: User, patient: Patient, key: str, obj: Any, state_allows: bool) -> FormSlot | None:
    """The item's form for this action, or None when the role or the item's state does not allow it."""
    return slot(patient, key, obj=obj) if state_allows and ACTIONS[key].allowed(user) else None


def course_rows(
    user: User, patient: Patient, courses: list[TreatmentCourse]
) -> list[tuple[TreatmentCourse, FormSlot | None]]:
    return [
        (c, _offer(user, patient, "course-transition", c, bool(services.COURSE.allowed_from(c.status))))
        for c in courses
    ]


def investigation_rows(
    user: User, patient: Patient, investigations: list[Investigation]
) -> list[tuple[Investigation, FormSlot | None, FormSlot | None, FormSlot | None]]:
    return [
        (
            i,
            _offer(user, patient, "investigation-result", i, services.result_path(i.status) is not None),
            _offer(user, patient, "investigation-step", i, bool(services.investigation_steps(i.status))),
            _offer(user, patient, "investigation-acknowledge", i, services.acknowledgement_due(i)),
        )
        for i in investigations
    ]


def _relapse_rows(
    user: User, patient: Patient, relapses: list[Relapse]
) -> list[tuple[Relapse, FormSlot | None]]:
    return [(r, _offer(user, patient, "relapse-resolve", r, r.resolved_on is None)) for r in relapses]


def _symptom_rows(
    user: User, patient: Patient, reports: list[SymptomReport]
) -> list[tuple[SymptomReport, FormSlot | None]]:
    return [(r, _offer(user, patient, "symptom-review", r, not r.is_reviewed)) for r in reports]


def page_context(request: AuthedRequest, patient: Patient, specialty: str = "") -> dict[str, Any]:
    user = request.user
    summary = selectors.pathway_summary(patient=patient)
    return {
        "patient": patient,
        "summary": summary,
        "chart_svg": _chart(summary),
        "timeline": timeline_view(patient, specialty=specialty),
        "specialty": specialty,
        "specialties": Specialty.choices,
        "panel": _panel(user, patient, summary),
        "course_rows": course_rows(user, patient, summary.courses),
        "investigation_rows": investigation_rows(user, patient, summary.investigations),
        "relapse_rows": _relapse_rows(user, patient, summary.relapses),
        "symptom_rows": _symptom_rows(user, patient, summary.symptom_reports),
        "reviewed_symptom_count": sum(1 for r in summary.symptom_reports if r.is_reviewed),
        "via_break_glass": access.is_break_glass_access(user, patient),
        "extra_sections": render_sections(user, patient),
    }
