"""Reads of a child's shared documents. The child always comes from access.visible_patients first."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.patients.models import Patient

from .models import FamilyDocument


def documents_for_staff(*, patient: Patient) -> QuerySet[FamilyDocument]:
    """Everything shared with the family, withdrawn ones included (marked), newest letter first."""
    return FamilyDocument.objects.filter(patient=patient).select_related("uploaded_by", "released_by")


def documents_for_family(*, patient: Patient) -> QuerySet[FamilyDocument]:
    """What the family sees: released documents, not withdrawn, and of a generated letter only the
    latest released version."""
    return FamilyDocument.objects.filter(
        patient=patient, is_withdrawn=False, released_at__isnull=False, superseded_at__isnull=True
    )


def document_versions(*, document: FamilyDocument) -> QuerySet[FamilyDocument]:
    """Every version of a generated letter, newest first (just the one for an upload)."""
    if not document.series_key:
        return FamilyDocument.objects.filter(pk=document.pk)
    return FamilyDocument.objects.filter(
        patient_id=document.patient_id, series_key=document.series_key
    ).order_by("-version")


def latest_in_series(*, patient: Patient, series_key: str) -> FamilyDocument | None:
    return (
        FamilyDocument.objects.filter(patient=patient, series_key=series_key)
        .select_related("released_by")
        .order_by("-version")
        .first()
    )


def document_get_for_staff(*, patient: Patient, pk: int) -> FamilyDocument:
    return get_object_or_404(documents_for_staff(patient=patient), pk=pk)


def document_get_for_family(*, patient: Patient, pk: int) -> FamilyDocument:
    """One of this child's documents the family may download; 404 for another child's or a withdrawn one."""
    return get_object_or_404(documents_for_family(patient=patient), pk=pk)
