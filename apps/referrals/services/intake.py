"""Inbound referrals from outside (GP, local hospital) for a child who may not be known yet."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.patients.models import Patient
from apps.patients.nhs_number import normalise_nhs_number
from apps.patients.services import patient_create

from ..models import Referral
from .transitions import _submit, record_draft


def _find_existing(nhs_number: str | None, hospital_number: str) -> Patient | None:
    """Match an existing child by NHS number first, then by hospital number, never by name."""
    if nhs_number:
        match = Patient.objects.filter(nhs_number=nhs_number).first()
        if match:
            return match
    if hospital_number:
        match = Patient.objects.filter(hospital_number__iexact=hospital_number.strip()).first()
        # Two different NHS numbers are two different children: never attach to the wrong one.
        if match and nhs_number and match.nhs_number and match.nhs_number != nhs_number:
            raise ValidationError(
                {
                    "hospital_number": "This hospital number belongs to a child with a different NHS "
                    "number. Check both numbers against the letter."
                }
            )
        return match
    return None


def _checked(
    *, external_source: str, referrer_name: str, reason: str, urgency: str, nhs_number: str
) -> str | None:
    """Refuse bad input with every field's message at once; returns the normalised NHS number, if any."""
    errors = {}
    if external_source not in Referral.ExternalSource.values:
        errors["external_source"] = "Choose where the referral came from."
    if not (referrer_name or "").strip():
        errors["referrer_name"] = "Enter the referrer's name."
    if not (reason or "").strip():
        errors["reason"] = "Enter the reason for referral."
    if urgency not in Referral.Urgency.values:
        errors["urgency"] = "Choose routine, urgent or emergency."
    nhs = None
    if (nhs_number or "").strip():
        try:
            nhs = normalise_nhs_number(nhs_number)
        except ValidationError as exc:
            errors["nhs_number"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return nhs


def _known_or_registered(
    *, actor: User, nhs: str | None, hospital_number: str, date_of_birth: datetime.date, **details: str
) -> Patient:
    """The known child (NHS number, then hospital number), or a new one registered as referred."""
    patient = _find_existing(nhs, hospital_number)
    if patient is not None and patient.date_of_birth != date_of_birth:
        # The number matches a known child but the person does not: never guess which is right.
        raise ValidationError(
            {
                "date_of_birth": "A child with this NHS or hospital number has a different date of "
                "birth. Check the referral letter before going on."
            }
        )
    if patient is None:
        patient = patient_create(
            actor=actor,
            nhs_number=nhs,
            hospital_number=hospital_number,
            date_of_birth=date_of_birth,
            status=Patient.Status.REFERRED,
            **details,
        )
    return patient


def referral_receive_external(
    *,
    actor: User,
    target_team: Team,
    external_source: str,
    referrer_name: str,
    referrer_organisation: str,
    reason: str,
    urgency: str,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    hospital_number: str,
    nhs_number: str = "",
    sex: str = Patient.Sex.UNKNOWN,
    postcode: str = "",
) -> Referral:
    """Record an external referral: reuse the child if known, otherwise register them as referred."""
    if not roles.can_register_patient(actor):
        raise PermissionDenied("Your role cannot record inbound referrals.")
    nhs = _checked(
        external_source=external_source,
        referrer_name=referrer_name,
        reason=reason,
        urgency=urgency,
        nhs_number=nhs_number,
    )
    try:
        with transaction.atomic(durable=True):
            patient = _known_or_registered(
                actor=actor,
                nhs=nhs,
                hospital_number=hospital_number,
                date_of_birth=date_of_birth,
                given_name=given_name,
                family_name=family_name,
                sex=sex,
                postcode=postcode,
            )
            if Referral.objects.filter(
                patient=patient, target_team=target_team, status__in=Referral.OPEN_STATUSES
            ).exists():
                raise ValidationError(
                    {"target_team": f"This child already has an open referral to {target_team}."}
                )
            referral = Referral.objects.create(
                patient=patient,
                external_source=external_source,
                referrer_name=referrer_name.strip(),
                referrer_organisation=(referrer_organisation or "").strip(),
                target_team=target_team,
                reason=reason.strip(),
                urgency=urgency,
            )
            record_draft(referral, actor=actor, note="Received from outside")
            return _submit(actor, referral)
    except IntegrityError as exc:  # a simultaneous referral of the same child to the same team
        raise ValidationError(
            {"target_team": f"This child already has an open referral to {target_team}."}
        ) from exc
