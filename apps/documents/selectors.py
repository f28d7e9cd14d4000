"""Reads of a child's shared documents. The child always comes from access.visible_patients first."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.patients.models import Patient

from .models import FamilyDocument


def documents_for_staff(*, patient: Patient) -> QuerySet[FamilyDocument]:
    """Everything shared with the family, withdrawn ones included (marked), newest letter first."""
    return FamilyDocument.objects.filter(patient=patient).select_related("uploaded_by")


def documents_for_family(*, patient: Patient) -> QuerySet[FamilyDocument]:
    """What the family sees: documents that have not been withdrawn."""
    return FamilyDocument.objects.filter(patient=patient, is_withdrawn=False)


def document_get_for_staff(*, patient: Patient, pk: int) -> FamilyDocument:
    return get_object_or_404(documents_for_staff(patient=patient), pk=pk)


def document_get_for_family(*, patient: Patient, pk: int) -> FamilyDocument:
    """One of this child's documents the family may download; 404 for another child's or a withdrawn one."""
    return get_object_or_404(documents_for_family(patient=patient), pk=pk)
