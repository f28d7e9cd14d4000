"""A family tells the team that symptoms are coming back: a possible relapse that must reach the nurse at once."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients import access
from apps.patients.models import Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import task_open, tasks_complete_for_sources
from carecoord.attention import patient_attention_changed
from carecoord.errors import ApplicationError, refuse_unless

from ..models import SymptomReport

FREE_TEXT_MAX = 2000
# The same answers sent again this soon (a double tap on "Send") return the first report.
RESUBMIT_WINDOW = datetime.timedelta(minutes=5)


def symptom_report_source_key(report: SymptomReport) -> str:
    return f"symptom-report:{report.pk}"


def escalation_keys(report: SymptomReport) -> list[str]:
    """The tasks opened when a report waits too long (services/symptom_escalation.py)."""
    key = symptom_report_source_key(report)
    return [f"{key}:escalation:nursing", f"{key}:escalation:consultant"]


def _clean(answers: dict[str, str], free_text: str) -> dict[str, str]:
    errors = {}
    for name in SymptomReport.SYMPTOMS:
        if answers.get(name) not in SymptomReport.Amount.values:
            errors[name] = "Choose no, a little or a lot."
    if answers.get("recent_illness") not in SymptomReport.YesNo.values:
        errors["recent_illness"] = "Choose yes or no."
    free_text = (free_text or "").strip()
    if len(free_text) > FREE_TEXT_MAX:
        errors["free_text"] = f"Please keep this to {FREE_TEXT_MAX} characters or fewer."
    if errors:
        raise ValidationError(errors)
    return {**answers, "free_text": free_text}


def symptom_report_submit(
    *,
    actor: User,
    patient: Patient,
    unsteady: str,
    jerky_movements: str,
    eye_movements: str,
    sleep: str,
    behaviour: str,
    speech: str,
    recent_illness: str,
    free_text: str = "",
) -> SymptomReport:
    """A guardian's report. In one transaction: the report, and an urgent task for the named nurse
    (or the Nursing queue), whose notification (in-app and email) tells them at once."""
    sees_child = access.can_see(actor, patient.pk)
    refuse_unless(roles.is_family(actor) and sees_child, "Only the child's family can send this report.")
    fields = _clean(
        {
            "unsteady": unsteady,
            "jerky_movements": jerky_movements,
            "eye_movements": eye_movements,
            "sleep": sleep,
            "behaviour": behaviour,
            "speech": speech,
            "recent_illness": recent_illness,
        },
        free_text,
    )
    now = timezone.now()
    with transaction.atomic(durable=True):
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one report at a time per child
        repeat = SymptomReport.objects.filter(
            patient=patient, reported_by=actor, submitted_at__gte=now - RESUBMIT_WINDOW, **fields
        ).first()
        if repeat is not None:
            return repeat
        report = SymptomReport.objects.create(patient=patient, reported_by=actor, submitted_at=now, **fields)
        nurse, queue = named_nurse_or_nursing_queue(patient)
        detail = "\n".join(f"{question}: {answer}" for question, answer in report.answers())
        if report.free_text:
            detail += f"\n\nIn the family's words:\n{report.free_text}"
        task_open(
            title=f"Symptoms returning: {patient.full_name} – family report, call them",
            source=Task.Source.SYMPTOM_REPORT,
            assignee=nurse,
            team=queue,
            patient=patient,
            due_on=timezone.localdate(),
            priority=Task.Priority.URGENT,
            detail=f"Reported by {actor.full_name} through the family portal.\n\n{detail}",
            source_key=symptom_report_source_key(report),
            link_url=f"/patients/{patient.pk}/pathway/#symptom-report-{report.pk}",
            created_by=actor,
        )
        patient_attention_changed([patient.pk])
    return report


def symptom_report_review(*, actor: User, report: SymptomReport) -> SymptomReport:
    """A clinician has looked at the report (and spoken to the family): the flag clears and the task closes."""
    refuse_unless(roles.can_record_relapse(actor), "Your role cannot review symptom reports.")
    with transaction.atomic(durable=True):
        updated = SymptomReport.objects.filter(pk=report.pk, reviewed_at__isnull=True).update(
            reviewed_by=actor, reviewed_at=timezone.now()
        )
        if not updated:
            raise ApplicationError.stale("This report has already been reviewed.")
        tasks_complete_for_sources(
            source_keys=[symptom_report_source_key(report), *escalation_keys(report)], actor=actor
        )
        patient_attention_changed([report.patient_id])
    report.refresh_from_db()
    return report
