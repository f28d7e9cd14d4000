"""Reads of the clinical pathway, scoped to staff through access.clinical_record_patients."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Patient
from carecoord.family_layers import FamilyLayers, FamilyMarker, family_layers
from carecoord.request_memo import shared

from .chart import chart_range, in_span
from .chart.table import FamilyTable, family_table
from .models import (
    DiagnosticAssessment,
    DiagnosticCriterion,
    Investigation,
    Relapse,
    ScaleItem,
    SeverityScale,
    SeverityScore,
    Specialty,
    SpecialtyTrack,
    SymptomReport,
    TreatmentCourse,
    Tumour,
)
from .safety_flags import SafetyFlag, safety_flags
from .services.assessment import criteria_met
from .services.courses import OPEN_STATUSES
from .services.investigations import acknowledgement_due
from .services.response_review import outcome_point


def pathway_patient_get(*, user: AnyUser, pk: int) -> Patient:
    """A child whose clinical record the user may read; 404 for families and anyone out of scope."""
    return access.clinical_record_patient_get(user, pk, Patient.objects.select_related("named_nurse"))


def scores_with_totals(patient: Patient) -> QuerySet[SeverityScore]:
    """Scores oldest first, each with ``total``, ``max_total`` (sum of item maxima) and
    ``not_assessable_items`` (more than 0: a partial total), in one query."""
    max_total = (
        ScaleItem.objects.filter(scale=OuterRef("scale"))
        .values("scale")
        .annotate(m=Sum("maximum"))
        .values("m")
    )
    return (
        SeverityScore.objects.filter(patient=patient)
        .select_related("scale", "assessor")
        .annotate(
            total=Coalesce(Sum("values__value"), Value(0)),
            max_total=Coalesce(Subquery(max_total, output_field=IntegerField()), Value(0)),
            # Items recorded as not assessable: the total is partial (HAZ-12).
            not_assessable_items=Count("values", filter=Q(values__value__isnull=True)),
        )
        .order_by("assessed_on", "id")
    )


def active_scales() -> QuerySet[SeverityScale]:
    return SeverityScale.objects.filter(is_active=True).prefetch_related("items")


@dataclass
class TrackRow:
    specialty: str
    label: str
    stage: str
    stage_label: str
    changed_at: datetime.datetime | None


@dataclass
class PathwaySummary:
    patient: Patient
    assessment: DiagnosticAssessment | None
    criteria: list[DiagnosticCriterion]
    tumours: list[Tumour]
    courses: list[TreatmentCourse]
    relapses: list[Relapse]
    scores: list[SeverityScore]
    investigations: list[Investigation]
    tracks: list[TrackRow]
    open_items: list[str] = field(default_factory=list)
    symptom_reports: list[SymptomReport] = field(default_factory=list)
    safety_flags: list[SafetyFlag] = field(default_factory=list)  # guards from docs/safety/hazard-log.md
    # The dates the severity chart spans, and what the family sent in them (symptom reports included).
    chart_span: tuple[datetime.date, datetime.date] | None = None
    family: FamilyLayers = field(default_factory=FamilyLayers)

    @property
    def criteria_met(self) -> int:
        return criteria_met(self.criteria)

    @property
    def current_courses(self) -> list[TreatmentCourse]:
        return [c for c in self.courses if c.status in OPEN_STATUSES]

    @property
    def last_score(self) -> SeverityScore | None:
        return self.scores[-1] if self.scores else None

    @property
    def outcome_day(self) -> datetime.date | None:
        """The 48-week outcome point after immunotherapy started (shown on the chart)."""
        return outcome_point(self.courses)

    @property
    def family_table(self) -> FamilyTable:
        """The family's data on the chart, as rows for the tables that are its text alternative."""
        return family_table(self.family)

    @property
    def tumour(self) -> Tumour | None:
        return self.tumours[0] if self.tumours else None


def track_row(track: SpecialtyTrack) -> TrackRow:
    return TrackRow(
        track.specialty,
        track.get_specialty_display(),
        track.stage,
        track.get_stage_display(),
        track.stage_changed_at,
    )


def tracks_of(patient: Patient) -> list[TrackRow]:
    """All seven specialties in their fixed order, in one query; one never moved is not involved."""
    existing = {t.specialty: t for t in SpecialtyTrack.objects.filter(patient=patient)}
    not_involved = SpecialtyTrack.Stage.NOT_INVOLVED
    return [
        track_row(existing[value])
        if value in existing
        else TrackRow(value, label, not_involved, not_involved.label, None)
        for value, label in Specialty.choices
    ]


# The child's record as the page's parts read it (summary, chart, timeline): each list read once per
# page view (carecoord/request_memo.py), with what every part of the page shows of it.


def record_criteria(patient: Patient) -> list[DiagnosticCriterion]:
    return shared(
        ("pathways.criteria", patient.pk),
        lambda: list(
            DiagnosticCriterion.objects.filter(assessment__patient=patient).select_related("recorded_by")
        ),
    )


def record_tumours(patient: Patient) -> list[Tumour]:
    return shared(
        ("pathways.tumours", patient.pk),
        lambda: list(Tumour.objects.filter(patient=patient).select_related("recorded_by")),
    )


def record_relapses(patient: Patient) -> list[Relapse]:
    return shared(
        ("pathways.relapses", patient.pk),
        lambda: list(
            Relapse.objects.filter(patient=patient).select_related("response_course", "recorded_by")
        ),
    )


def record_scores(patient: Patient) -> list[SeverityScore]:
    """``scores_with_totals``, oldest first."""
    return shared(("pathways.scores", patient.pk), lambda: list(scores_with_totals(patient)))


def record_symptom_reports(patient: Patient) -> list[SymptomReport]:
    """``symptom_reports_of``, newest first."""
    return shared(("pathways.symptom_reports", patient.pk), lambda: list(symptom_reports_of(patient=patient)))


def pathway_summary(*, patient: Patient, with_family_layers: bool = True) -> PathwaySummary:
    """Everything the consultant's review page shows, in a fixed number of queries.

    The family-data providers are asked once, for the chart's dates; a caller that draws no chart
    (the API summary) can leave them out.
    """
    assessment = DiagnosticAssessment.objects.filter(patient=patient).first()
    criteria = record_criteria(patient)
    tumours = record_tumours(patient)
    courses = list(TreatmentCourse.objects.filter(patient=patient).select_related("prescriber"))
    relapses = record_relapses(patient)
    scores = record_scores(patient)
    investigations = list(
        Investigation.objects.filter(patient=patient).select_related("requested_by", "acknowledged_by")
    )
    tracks = tracks_of(patient)
    symptom_reports = record_symptom_reports(patient)
    open_items = []
    unreviewed = [r for r in symptom_reports if not r.is_reviewed]
    if unreviewed:
        open_items.append(
            f"Symptoms reported by the family ({len(unreviewed)} report{'s' if len(unreviewed) > 1 else ''} "
            "not yet reviewed)"
        )
    unacknowledged = [i for i in investigations if acknowledgement_due(i)]
    pending = [
        i for i in investigations if i.status in (Investigation.Status.REQUESTED, Investigation.Status.BOOKED)
    ]
    unresolved = [r for r in relapses if r.resolved_on is None]
    if unacknowledged:
        open_items.append(
            f"{len(unacknowledged)} result{'s' if len(unacknowledged) > 1 else ''} to acknowledge"
        )
    if pending:
        open_items.append(f"{len(pending)} investigation{'s' if len(pending) > 1 else ''} awaited")
    if unresolved:
        open_items.append(f"{len(unresolved)} relapse{'s' if len(unresolved) > 1 else ''} not yet resolved")
    span = chart_range(
        [s.assessed_on for s in scores]
        + [c.start_date for c in courses]
        + [c.ended_on for c in courses if c.ended_on]
        + [r.onset_date for r in relapses]
        + [timezone.localdate(r.submitted_at) for r in symptom_reports],
        timezone.localdate(),
    )
    return PathwaySummary(
        patient=patient,
        assessment=assessment,
        criteria=criteria,
        tumours=tumours,
        courses=courses,
        relapses=relapses,
        scores=scores,
        investigations=investigations,
        tracks=tracks,
        open_items=open_items,
        symptom_reports=symptom_reports,
        safety_flags=safety_flags([patient.pk]).get(patient.pk, []),
        chart_span=span,
        # The family-data apps' providers answer for the same dates; pathways' own reports join them.
        family=in_span(
            FamilyLayers(markers=symptom_report_markers(patient, symptom_reports))
            + (family_layers(patient.pk, *span) if with_family_layers else FamilyLayers()),
            *span,
        ),
    )


def symptom_report_markers(patient: Patient, reports: list[SymptomReport]) -> list[FamilyMarker]:
    """Each symptom report as a chart marker that opens it on the pathway page."""
    page = reverse("pathways:review", args=[patient.pk])
    return [
        FamilyMarker(
            kind="symptom_report",
            day=timezone.localdate(r.submitted_at),
            label=f"Symptoms returning: {r.summary()}",
            url=f"{page}#symptom-report-{r.pk}",
        )
        for r in reports
    ]


def symptom_reports_of(*, patient: Patient) -> QuerySet[SymptomReport]:
    """A child's symptom reports from the family, newest first, with who sent and reviewed each."""
    return SymptomReport.objects.filter(patient=patient).select_related("reported_by", "reviewed_by")
