"""The rest of the record: Procedure, MedicationStatement, DocumentReference, QuestionnaireResponse, Flag."""

from typing import Any

from django.urls import reverse

from apps.documents.models import FamilyDocument
from apps.pathways.models import SymptomReport, TreatmentCourse, Tumour

from ..codes import LOCAL, concept, drop_empty, instant, local_concept, local_system, ref

SNOMED = "http://snomed.info/sct"
SURGICAL_PROCEDURE = concept(SNOMED, "387713003", "Surgical procedure")


def procedure(row: Tumour) -> dict[str, Any]:
    """A tumour's resection (only tumours with a resection date are sources)."""
    return drop_empty(
        {
            "resourceType": "Procedure",
            "id": str(row.pk),
            "status": "completed",
            "category": SURGICAL_PROCEDURE,
            "code": local_concept("procedure", "tumour-resection", "Resection of neuroblastoma"),
            "subject": ref("Patient", row.patient_id),
            "performedDateTime": row.resected_on.isoformat() if row.resected_on else None,
            "bodySite": [{"text": row.site}],
            "reasonReference": [ref("Condition", f"nb-{row.pk}")],
            "outcome": {"text": row.surgical_outcome} if row.surgical_outcome else None,
        }
    )


CS = TreatmentCourse.Status
COURSE_STATUS: dict[str, str] = {
    CS.PLANNED: "intended",
    CS.ACTIVE: "active",
    CS.WEANING: "active",
    CS.COMPLETED: "completed",
    CS.STOPPED: "stopped",
}
# Surgery and radiotherapy are courses in our record but not medicines: MedicationStatement leaves them out.
NOT_MEDICINES = (TreatmentCourse.Agent.SURGERY, TreatmentCourse.Agent.RADIOTHERAPY)


def medication_statement(row: TreatmentCourse) -> dict[str, Any]:
    """A treatment course: the agent and its dates only. No dose, and no regimen notes (they may hold one)."""
    end = row.ended_on or row.planned_end_date
    return drop_empty(
        {
            "resourceType": "MedicationStatement",
            "id": str(row.pk),
            "status": COURSE_STATUS[row.status],
            "statusReason": [{"text": row.stop_reason}] if row.stop_reason else [],
            "medicationCodeableConcept": {
                "coding": [{"system": local_system("treatment-agent"), "code": row.agent}],
                "text": row.label,
            },
            "subject": ref("Patient", row.patient_id),
            "effectivePeriod": drop_empty(
                {"start": row.start_date.isoformat(), "end": end.isoformat() if end else None}
            ),
            "informationSource": ref("Practitioner", row.prescriber_id),
        }
    )


def document_reference(row: FamilyDocument) -> dict[str, Any]:
    """A letter shared with the family; its content is the REST API's audited download."""
    return drop_empty(
        {
            "resourceType": "DocumentReference",
            "id": str(row.pk),
            "status": "superseded" if row.is_withdrawn else "current",
            "category": [local_concept("document-category", "family-letter", "Shared with the family")],
            "type": {"text": row.title},
            "subject": ref("Patient", row.patient_id),
            "date": row.uploaded_at.isoformat(),
            "author": [ref("Practitioner", row.uploaded_by_id)],
            "description": row.title,
            "content": [
                {
                    "attachment": {
                        "contentType": row.content_type,
                        "url": reverse("document-download", args=[row.pk]),
                        "size": row.size,
                        "title": row.download_name,
                        "creation": row.dated.isoformat(),
                    }
                }
            ],
        }
    )


SYMPTOMS_QUESTIONNAIRE = f"{LOCAL}/Questionnaire/symptoms-returning"


def _answer_item(row: SymptomReport, name: str) -> dict[str, Any]:
    field = row._meta.get_field(name)
    value = getattr(row, name)
    system = local_system("symptom-amount" if name in row.SYMPTOMS else "yes-no")
    return {
        "linkId": name,
        "text": str(getattr(field, "verbose_name", name)),
        "answer": [
            {
                "valueCoding": {
                    "system": system,
                    "code": value,
                    "display": getattr(row, f"get_{name}_display")(),
                }
            }
        ],
    }


def questionnaire_response(row: SymptomReport) -> dict[str, Any]:
    """A family's "symptoms returning" report, one item per question, in the form's order."""
    items = [_answer_item(row, name) for name in (*row.SYMPTOMS, "recent_illness")]
    if row.free_text:
        items.append(
            {
                "linkId": "free_text",
                "text": "In the family's words",
                "answer": [{"valueString": row.free_text}],
            }
        )
    return drop_empty(
        {
            "resourceType": "QuestionnaireResponse",
            "id": str(row.pk),
            "questionnaire": SYMPTOMS_QUESTIONNAIRE,
            "status": "completed",
            "subject": ref("Patient", row.patient_id),
            "authored": instant(row.submitted_at),
            "author": {"display": row.reported_by.full_name} if row.reported_by.full_name else None,
            "item": items,
        }
    )


FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"


def flag_id(patient_pk: int, key: str) -> str:
    return f"{patient_pk}-{key.replace('_', '-')}"


def flags(row: Any) -> list[dict[str, Any]]:
    """The caseload's raised flags for one child (a ``CaseloadRow``): one Flag each, in words."""
    return [
        {
            "resourceType": "Flag",
            "id": flag_id(row.patient.pk, reason.key),
            "status": "active",
            "category": [
                concept(
                    FLAG_CATEGORY,
                    *(("clinical", "Clinical") if reason.clinical else ("admin", "Administrative")),
                )
            ],
            "code": {
                "coding": [{"system": local_system("caseload-flag"), "code": reason.key}],
                "text": reason.text,
            },
            "subject": ref("Patient", row.patient.pk),
        }
        for reason in row.reasons
    ]
