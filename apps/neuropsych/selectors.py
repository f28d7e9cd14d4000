"""Reads of a child's neuropsychology record. The child always comes from ``patient_get`` first."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.request_memo import shared

from .models import Assessment, Band, Domain, DomainResult, SchoolLetter, SchoolSupport


def assessments_of(*, patient: Patient) -> QuerySet[Assessment]:
    """Newest first, with results and who did them (three queries whatever the count)."""
    return (
        Assessment.objects.filter(patient=patient)
        .select_related("assessed_by", "recorded_by")
        .prefetch_related(Prefetch("results", queryset=DomainResult.objects.order_by("domain")))
    )


def record_assessments(patient: Patient) -> list[Assessment]:
    """``assessments_of``, read once per page view (the pathway page's card and its timeline)."""
    return shared(("neuropsych.assessments", patient.pk), lambda: list(assessments_of(patient=patient)))


def school_support_of(*, patient: Patient) -> SchoolSupport | None:
    return SchoolSupport.objects.filter(patient=patient).select_related("updated_by").first()


def school_support_history(*, support: SchoolSupport | None) -> list:
    if support is None:
        return []
    return list(support.history.select_related("history_user").order_by("-history_date")[:20])


def letters_of(*, patient: Patient) -> QuerySet[SchoolLetter]:
    return SchoolLetter.objects.filter(patient=patient).select_related(
        "document", "document__released_by", "created_by", "edited_by", "assessment"
    )


def letter_get(*, patient: Patient, pk: int) -> SchoolLetter:
    letter = get_object_or_404(letters_of(patient=patient), pk=pk)
    letter.patient = patient
    return letter


@dataclass(frozen=True)
class DomainRow:
    """One domain across the assessments, oldest first: (date, band, band label) per assessment."""

    domain: str
    label: str
    points: list[tuple]


def results_by_domain(assessments: list[Assessment]) -> list[DomainRow]:
    """Each domain that was ever tested, with its band at each assessment (oldest first)."""
    rows: list[DomainRow] = []
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.pk))
    for domain in Domain:
        points = [
            (a.assessed_on, r.band, Band(r.band).label)
            for a in ordered
            for r in a.results.all()
            if r.domain == domain.value
        ]
        if points:
            rows.append(DomainRow(domain.value, str(domain.label), points))
    return rows


def staff_choices() -> QuerySet:
    """Active staff, for 'who did the assessment'."""
    return User.objects.filter(kind=User.Kind.STAFF, is_active=True, staff_profile__isnull=False).order_by(
        "full_name"
    )
