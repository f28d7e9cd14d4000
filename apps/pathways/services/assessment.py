"""The diagnostic assessment: the four consensus criteria, OMS status, aetiology and dates."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import refuse_unless
from carecoord.history import save_with_history
from carecoord.limits import within

from ..models import DiagnosticAssessment, DiagnosticCriterion, Investigation
from ..signals import diagnosis_dated
from ._common import not_in_future

CRITERIA_NEEDED = 3
# The tumour search: cross-sectional imaging, MIBG and urine catecholamines (HAZ-09). A negative
# MIBG or urine result alone does not exclude a tumour.
TUMOUR_SEARCH = (
    Investigation.Kind.CAP_IMAGING,
    Investigation.Kind.MIBG,
    Investigation.Kind.URINE_CATECHOLAMINES,
)


def tumour_search_missing(patient: Patient) -> list[str]:
    """The parts of the tumour search with no result yet, in plain words."""
    resulted = set(
        Investigation.objects.filter(
            patient=patient, kind__in=TUMOUR_SEARCH, status=Investigation.Status.RESULTED
        ).values_list("kind", flat=True)
    )
    return [Investigation.Kind(kind).label for kind in TUMOUR_SEARCH if kind not in resulted]


def _check_tumour_search(patient: Patient, criterion: str, present: bool, reason: str) -> str:
    """Neuroblastoma recorded absent before the tumour search is complete needs a reason, which is kept."""
    if criterion != DiagnosticCriterion.Criterion.NEUROBLASTOMA or present:
        return ""
    missing = tumour_search_missing(patient)
    if not missing:
        return ""
    if not (reason or "").strip():
        warning = (
            f"The tumour search is not complete: no result yet for {', '.join(missing)}. A negative "
            "MIBG or urine result does not exclude a tumour. To record neuroblastoma as absent now, say why."
        )
        raise ValidationError(
            {"incomplete_search_reason": ValidationError(warning, code="tumour_search_incomplete")}
        )
    return f"{reason.strip()} (no result yet for {', '.join(missing)})"[:300]


def criteria_met(criteria: list[DiagnosticCriterion]) -> int:
    """How many of the four criteria are recorded as present."""
    return sum(1 for c in criteria if c.present)


def _assessment_for(patient: Patient, actor: User) -> DiagnosticAssessment:
    """The child's assessment, locked; made on first use, its history row naming the actor."""
    existing = DiagnosticAssessment.objects.select_for_update().filter(patient=patient).first()
    if existing is not None:
        return existing
    assessment = DiagnosticAssessment(patient=patient, updated_by=actor)
    try:
        with transaction.atomic():  # a savepoint: someone may make it at the same moment
            save_with_history(assessment, actor=actor)
    except IntegrityError:
        return DiagnosticAssessment.objects.select_for_update().get(patient=patient)
    return assessment


def assessment_record_criterion(
    *,
    actor: User,
    patient: Patient,
    criterion: str,
    present: bool,
    observed_on: datetime.date,
    note: str = "",
    incomplete_search_reason: str = "",
) -> DiagnosticCriterion:
    """Record (or re-record) one criterion as present or absent, with the date and who observed it."""
    refuse_unless(roles.can_record_diagnosis(actor), "Only a consultant can record diagnostic criteria.")
    if criterion not in DiagnosticCriterion.Criterion.values:
        raise ValidationError({"criterion": "Choose one of the four criteria."})
    not_in_future(observed_on, "observed_on", "date observed")
    incomplete_search_reason = _check_tumour_search(patient, criterion, present, incomplete_search_reason)
    note = within(note, field="note", limit=300, label="Note")
    with transaction.atomic(durable=True):
        assessment = _assessment_for(patient, actor)
        row = DiagnosticCriterion.objects.filter(assessment=assessment, criterion=criterion).first()
        existing = row is not None
        if row is None:
            row = DiagnosticCriterion(assessment=assessment, criterion=criterion)
        row.present, row.observed_on, row.note, row.recorded_by = present, observed_on, note, actor
        row.recorded_at = timezone.now()
        row.incomplete_search_reason = incomplete_search_reason
        save_with_history(
            row,
            actor=actor,
            update_fields=[
                "present",
                "observed_on",
                "note",
                "recorded_by",
                "recorded_at",
                "incomplete_search_reason",
            ]
            if existing
            else None,
        )
        if not present and assessment.oms_status == DiagnosticAssessment.OmsStatus.CONFIRMED:
            met = criteria_met(list(assessment.criteria.all()))
            if met < CRITERIA_NEEDED:
                raise ValidationError(
                    f"OMS is recorded as confirmed; marking this absent would leave {met}/4 criteria. "
                    "Change the OMS status first."
                )
    return row


def assessment_update(
    *,
    actor: User,
    patient: Patient,
    oms_status: str | None = None,
    aetiology: str | None = None,
    onset_date: datetime.date | None = None,
    diagnosis_date: datetime.date | None = None,
) -> DiagnosticAssessment:
    """Set the OMS status, aetiology, onset and diagnosis dates. Confirmation needs 3 of 4 criteria."""
    refuse_unless(roles.can_record_diagnosis(actor), "Only a consultant can change the diagnosis.")
    errors: dict[str, str] = {}
    if oms_status is not None and oms_status not in DiagnosticAssessment.OmsStatus.values:
        errors["oms_status"] = "Choose suspected, confirmed or excluded."
    if aetiology is not None and aetiology not in DiagnosticAssessment.Aetiology.values:
        errors["aetiology"] = "Choose an aetiology."
    if errors:
        raise ValidationError(errors)
    not_in_future(onset_date, "onset_date", "onset date")
    not_in_future(diagnosis_date, "diagnosis_date", "diagnosis date")
    with transaction.atomic(durable=True):
        assessment = _assessment_for(patient, actor)
        changes = {
            "oms_status": oms_status,
            "aetiology": aetiology,
            "onset_date": onset_date,
            "diagnosis_date": diagnosis_date,
        }
        changed = [field for field, value in changes.items() if value is not None]
        for field in changed:
            setattr(assessment, field, changes[field])
        if (
            assessment.onset_date
            and assessment.diagnosis_date
            and assessment.diagnosis_date < assessment.onset_date
        ):
            raise ValidationError({"diagnosis_date": "The diagnosis date cannot be before the onset date."})
        if assessment.oms_status == DiagnosticAssessment.OmsStatus.CONFIRMED:
            met = criteria_met(list(assessment.criteria.all()))
            if met < CRITERIA_NEEDED:
                raise ValidationError(
                    {
                        "oms_status": f"Confirming OMS needs at least 3 of 4 criteria present; {met}/4 are recorded."
                    }
                )
            if assessment.diagnosis_date is None:
                raise ValidationError({"diagnosis_date": "Enter the date of diagnosis when confirming OMS."})
        assessment.updated_by = actor
        save_with_history(assessment, actor=actor, update_fields=[*changed, "updated_by", "updated_at"])
        if "diagnosis_date" in changed:
            diagnosis_dated.send(sender=DiagnosticAssessment, patient_id=patient.pk)
    return assessment
