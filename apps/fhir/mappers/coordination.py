"""Coordination and communication: Appointment, Task, Communication."""

from typing import Any

from apps.messaging.models import Message, Thread
from apps.scheduling.models import Appointment
from apps.tasks.models import Task

from ..codes import drop_empty, instant, local_concept, ref

AS = Appointment.Status
APPOINTMENT_STATUS: dict[str, str] = {
    AS.BOOKED: "booked",
    AS.CONFIRMED: "booked",
    AS.ATTENDED: "fulfilled",
    AS.DID_NOT_ATTEND: "noshow",
    AS.CANCELLED: "cancelled",
}


def appointment(row: Appointment) -> dict[str, Any]:
    """Never carries internal notes: they are staff-only and FHIR readers include families."""
    participants: list[dict[str, Any]] = [
        {"actor": ref("Patient", row.patient_id), "required": "required", "status": "accepted"}
    ]
    if row.clinician_id:
        participants.append(
            {
                "actor": ref("Practitioner", row.clinician_id, row.clinician.full_name),  # type: ignore[union-attr]
                "required": "required",
                "status": "accepted",
            }
        )
    return drop_empty(
        {
            "resourceType": "Appointment",
            "id": str(row.pk),
            "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{row.uid}"}],
            "status": APPOINTMENT_STATUS[row.status],
            "cancelationReason": {"text": row.cancel_reason} if row.cancel_reason else None,
            "serviceType": [local_concept("appointment-kind", row.kind, row.get_kind_display())],
            "description": row.get_kind_display() + (f" at {row.location}" if row.location else ""),
            "start": row.starts_at.isoformat(),
            "end": row.ends_at.isoformat(),
            "created": row.created_at.date().isoformat(),
            "patientInstruction": row.preparation_notes,
            "basedOn": [ref("ServiceRequest", f"ref-{row.referral_id}")] if row.referral_id else [],
            "participant": participants,
        }
    )


TS = Task.Status
TASK_STATUS: dict[str, str] = {
    TS.OPEN: "ready",
    TS.IN_PROGRESS: "in-progress",
    TS.DONE: "completed",
    TS.CANCELLED: "cancelled",
}
TASK_PRIORITY = {1: "routine", 2: "routine", 3: "urgent", 4: "asap"}


def task(row: Task) -> dict[str, Any]:
    owner = None
    if row.assignee_id:
        owner = ref("Practitioner", row.assignee_id, row.assignee.full_name)  # type: ignore[union-attr]
    elif row.team_id:
        owner = ref("Organization", row.team_id, row.team.name)  # type: ignore[union-attr]
    return drop_empty(
        {
            "resourceType": "Task",
            "id": str(row.pk),
            "status": TASK_STATUS[row.status],
            "intent": "order",
            "priority": TASK_PRIORITY[row.priority],
            "code": local_concept("task-source", row.source, row.get_source_display()),
            "description": row.title,
            "for": ref("Patient", row.patient_id) if row.patient_id else None,
            "authoredOn": row.created_at.isoformat(),
            "lastModified": instant(row.completed_at),
            "owner": owner,
            "restriction": {"period": {"end": row.due_on.isoformat()}} if row.due_on else None,
        }
    )


def communication(row: Message) -> dict[str, Any]:
    """One message; ``thread`` and ``author`` are joined. Readers only get threads they may see."""
    thread = row.thread
    if row.from_family:
        sender = {"display": row.author.full_name, "type": "RelatedPerson"}
    else:
        sender = ref("Practitioner", row.author_id, row.author.full_name)
    return drop_empty(
        {
            "resourceType": "Communication",
            "id": str(row.pk),
            "status": "completed",
            "category": [local_concept("thread-kind", thread.kind, Thread.Kind(thread.kind).label)],
            "subject": ref("Patient", thread.patient_id),
            "topic": {"text": thread.subject},
            "sent": row.created_at.isoformat(),
            "sender": sender,
            "payload": [{"contentString": row.body}],
            "note": [{"text": f"Thread {thread.pk}"}],
        }
    )
