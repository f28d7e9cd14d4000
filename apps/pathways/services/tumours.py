import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts import roles
from apps.accounts.models import User
from apps.patients.models import Patient
from carecoord.errors import refuse_unless
from carecoord.history import save_with_history

from ..models import Tumour
from ._common import not_in_future

_FIELDS = ("site", "inrg_stage", "detected_on", "resected_on", "surgical_outcome", "oncology_status")


def _validate(tumour: Tumour) -> None:
    errors = {}
    if not tumour.site.strip():
        errors["site"] = "Enter the tumour site."
    if tumour.inrg_stage and tumour.inrg_stage not in Tumour.InrgStage.values:
        errors["inrg_stage"] = "Choose an INRG stage: L1, L2, M or MS."
    if tumour.oncology_status not in Tumour.OncologyStatus.values:
        errors["oncology_status"] = "Choose an oncology status."
    if tumour.resected_on and tumour.detected_on and tumour.resected_on < tumour.detected_on:
        errors["resected_on"] = "The resection date cannot be before the detection date."
    ms_problem = _ms_age_problem(tumour)
    if ms_problem:
        errors["inrg_stage"] = ms_problem
    if errors:
        raise ValidationError(errors)
    not_in_future(tumour.detected_on, "detected_on", "detection date")
    not_in_future(tumour.resected_on, "resected_on", "resection date")


MS_UNDER_MONTHS = 18  # INRG stage MS is defined for children diagnosed under 18 months (HAZ-11)


def months_old(born: datetime.date, on: datetime.date) -> int:
    return (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)


def _ms_age_problem(tumour: Tumour) -> str:
    if tumour.inrg_stage != Tumour.InrgStage.MS or tumour.detected_on is None:
        return ""
    months = months_old(tumour.patient.date_of_birth, tumour.detected_on)
    if months < MS_UNDER_MONTHS:
        return ""
    return (
        f"INRG stage MS applies only to children under {MS_UNDER_MONTHS} months old at diagnosis; this child "
        f"was {months} months old when the tumour was found ({tumour.detected_on:%d %b %Y}). "
        "Choose L1, L2 or M."
    )


def tumour_record(
    *,
    actor: User,
    patient: Patient,
    site: str,
    detected_on: datetime.date,
    inrg_stage: str = "",
    resected_on: datetime.date | None = None,
    surgical_outcome: str = "",
    oncology_status: str = Tumour.OncologyStatus.STAGING,
) -> Tumour:
    refuse_unless(roles.can_manage_tumour(actor), "Only a consultant or surgeon can record a tumour.")
    tumour = Tumour(
        patient=patient,
        site=site.strip(),
        detected_on=detected_on,
        inrg_stage=inrg_stage,
        resected_on=resected_on,
        surgical_outcome=surgical_outcome.strip(),
        oncology_status=oncology_status,
        recorded_by=actor,
    )
    _validate(tumour)
    with transaction.atomic(durable=True):
        save_with_history(tumour, actor=actor)
    return tumour


def tumour_update(*, actor: User, tumour: Tumour, **changes: object) -> Tumour:
    refuse_unless(roles.can_manage_tumour(actor), "Only a consultant or surgeon can update a tumour record.")
    unknown = set(changes) - set(_FIELDS)
    if unknown:
        raise ValueError(f"Unknown tumour fields: {sorted(unknown)}")
    with transaction.atomic(durable=True):
        locked = Tumour.objects.select_for_update().get(pk=tumour.pk)
        for field, value in changes.items():
            setattr(locked, field, value)
        _validate(locked)
        save_with_history(locked, actor=actor, update_fields=list(changes))
    return locked
