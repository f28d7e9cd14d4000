import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.attention import patient_attention_changed
from carecoord.errors import refuse_unless
from carecoord.history import save_with_history
from carecoord.limits import within

from ..models import Relapse, TreatmentCourse
from ._common import not_in_future


def relapse_record(
    *,
    actor: User,
    patient: Patient,
    onset_date: datetime.date,
    severity: str,
    trigger: str = Relapse.Trigger.UNKNOWN,
    trigger_detail: str = "",
    response: str = "",
    response_course: TreatmentCourse | None = None,
) -> Relapse:
    refuse_unless(roles.can_record_relapse(actor), "Your role cannot record relapses.")
    errors = {}
    if onset_date is None:
        errors["onset_date"] = "Enter the date the symptoms came back."
    if severity not in Relapse.Severity.values:
        errors["severity"] = "Choose mild, moderate or severe."
    if trigger not in Relapse.Trigger.values:
        errors["trigger"] = "Choose the suspected trigger."
    if response_course is not None and response_course.patient_id != patient.pk:
        errors["response_course"] = "Choose a course of this child's."
    if errors:
        raise ValidationError(errors)
    not_in_future(onset_date, "onset_date", "onset date")
    with transaction.atomic(durable=True):
        relapse = Relapse(
            patient=patient,
            onset_date=onset_date,
            severity=severity,
            trigger=trigger,
            trigger_detail=within(trigger_detail, field="trigger_detail", limit=200, label="Trigger detail"),
            response=response.strip(),
            response_course=response_course,
            recorded_by=actor,
        )
        save_with_history(relapse, actor=actor)
        patient_attention_changed([patient.pk])
    return relapse


def relapse_update(
    *,
    actor: User,
    relapse: Relapse,
    response: str | None = None,
    response_course: TreatmentCourse | None = None,
    resolved_on: datetime.date | None = None,
) -> Relapse:
    """Record the response to a relapse and, later, when it resolved."""
    refuse_unless(roles.can_record_relapse(actor), "Your role cannot update relapses.")
    not_in_future(resolved_on, "resolved_on", "resolved date")
    if resolved_on is not None and resolved_on < relapse.onset_date:
        raise ValidationError({"resolved_on": "The relapse cannot resolve before it began."})
    if response_course is not None and response_course.patient_id != relapse.patient_id:
        raise ValidationError({"response_course": "Choose a course of this child's."})
    with transaction.atomic(durable=True):
        fields = []
        if response is not None:
            relapse.response = response.strip()
            fields.append("response")
        if response_course is not None:
            relapse.response_course = response_course
            fields.append("response_course")
        if resolved_on is not None:
            relapse.resolved_on = resolved_on
            fields.append("resolved_on")
        save_with_history(relapse, actor=actor, update_fields=fields)
        patient_attention_changed([relapse.patient_id])
    return relapse
