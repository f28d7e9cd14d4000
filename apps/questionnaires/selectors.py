"""Reads for questionnaires, each for a child the caller may already see (``visible_patients``: 404
otherwise). Lists keep a flat query count: answers and options come prefetched."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from apps.patients.models import Patient
from carecoord.request_memo import shared

from .models import (
    AnswerOption,
    Assignment,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireResponse,
    ResponseAnswer,
)


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str
    score: int | None


def assignments_of(patient: Patient) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(patient=patient)
        .select_related("version__questionnaire", "response", "assigned_by")
        .order_by("due_on", "id")
    )


def open_assignments_of(patient: Patient) -> list[Assignment]:
    return [a for a in assignments_of(patient) if not hasattr(a, "response")]


def assignment_get(patient: Patient, pk: int) -> Assignment:
    """One of this child's assignments, with its questions and answers; 404 for anyone else's."""
    items = QuestionnaireItem.objects.prefetch_related("options")
    return get_object_or_404(
        Assignment.objects.select_related("version__questionnaire", "response").prefetch_related(
            Prefetch("version__items", queryset=items)
        ),
        patient=patient,
        pk=pk,
    )


def responses_of(patient: Patient) -> QuerySet[QuestionnaireResponse]:
    return (
        QuestionnaireResponse.objects.filter(patient=patient)
        .select_related("version__questionnaire", "author", "assignment")
        .order_by("-authored_at", "-id")
    )


def response_get(patient: Patient, pk: int) -> QuestionnaireResponse:
    answers = ResponseAnswer.objects.select_related("item").prefetch_related(
        Prefetch("item__options", queryset=AnswerOption.objects.all())
    )
    return get_object_or_404(
        responses_of(patient).prefetch_related(Prefetch("answers", queryset=answers)), pk=pk
    )


def answer_rows(response: QuestionnaireResponse) -> list[AnswerRow]:
    """Each answer as the family saw it (an option's wording, not its code), in question order."""
    rows = []
    for answer in response.answers.all():
        shown = answer.display
        if answer.value_code:
            shown = next((o.display for o in answer.item.options.all() if o.code == answer.value_code), shown)
        rows.append(AnswerRow(answer.item.text, shown, answer.score))
    return rows


def assignable_questionnaires() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.filter(is_active=True, versions__is_current=True).distinct()


def record_responses(patient_id: int) -> list[QuestionnaireResponse]:
    """A child's responses, oldest first, read once per page view (the chart's points and the timeline)."""
    return shared(
        ("questionnaires.responses", patient_id),
        lambda: list(
            QuestionnaireResponse.objects.filter(patient_id=patient_id)
            .select_related("author", "version__questionnaire")
            .order_by("authored_at", "id")
        ),
    )
