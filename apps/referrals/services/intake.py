"""Inbound referrals from outside (GP, local hospital) for a child who may not be known yet.

Recording a referral must never be a way into a child's record. When the details match a known
child whom the recorder cannot vouch for (they do not already look after the child, and they are
not the records team), the referral waits as a draft in the identity queue, silently, whether or not
the birth date and NHS number agree with the match. It touches nothing on the child's record and gives
no one access until someone who already looks after the child, or the records team, confirms it
(``referral_confirm_identity``) or says it is not this child (``referral_reject_identity``).
The answer to the recorder is the same whichever way it went.
"""

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.patients.models import Patient
from apps.patients.nhs_number import normalise_nhs_number
from apps.patients.services import patient_create
from carecoord.errors import ApplicationError
from carecoord.limits import within

from .. import permissions
from ..models import Referral
from .transitions import _move, _submit, record_draft

Identity = Referral.Identity

# What a recorder who cannot vouch for the child is told, whatever happened: nothing about the child.
RECEIPT_MESSAGE = "Referral recorded; it will be matched to the child's record by the records team."

# A GP referring a new child has no hospital number for them: the child is registered with a
# provisional one (unique, and never matched on, since matching uses what the letter says), which the
# records team replaces with the real number on the child's record.
PROVISIONAL_PREFIX = "PROV-"
_PROVISIONAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def provisional_hospital_number() -> str:
    return PROVISIONAL_PREFIX + "".join(secrets.choice(_PROVISIONAL_ALPHABET) for _ in range(8))


def is_provisional(hospital_number: str) -> bool:
    return hospital_number.upper().startswith(PROVISIONAL_PREFIX)


@dataclass(frozen=True)
class _Match:
    patient: Patient | None
    conflict: bool = False  # the hospital number belongs to a child with another NHS number


def _find_existing(nhs_number: str | None, hospital_number: str) -> _Match:
    """Match an existing child by NHS number first, then by hospital number, never by name."""
    if nhs_number:
        match = Patient.objects.filter(nhs_number=nhs_number).first()
        if match:
            return _Match(match)
    if hospital_number:
        match = Patient.objects.filter(hospital_number__iexact=hospital_number.strip()).first()
        # Two different NHS numbers are two different children: never attach to the wrong one.
        if match and nhs_number and match.nhs_number and match.nhs_number != nhs_number:
            return _Match(match, conflict=True)
        return _Match(match)
    return _Match(None)


def _already_open(patient: Patient, team: Team) -> bool:
    return Referral.objects.filter(
        patient=patient, target_team=team, status__in=Referral.OPEN_STATUSES
    ).exists()


def _duplicate(team: Team) -> ValidationError:
    return ValidationError({"target_team": f"This child already has an open referral to {team}."})


def _refuse_disagreement(patient: Patient, match: _Match, date_of_birth: datetime.date, team: Team) -> None:
    """For a recorder who may see the matched child: never guess when the details disagree."""
    if match.conflict:
        raise ValidationError(
            {
                "hospital_number": "This hospital number belongs to a child with a different NHS "
                "number. Check both numbers against the letter."
            }
        )
    if patient.date_of_birth != date_of_birth:
        raise ValidationError(
            {
                "date_of_birth": "A child with this NHS or hospital number has a different date of "
                "birth. Check the referral letter before going on."
            }
        )
    if _already_open(patient, team):
        raise _duplicate(team)


def _checked(
    *, external_source: str, referrer_name: str, reason: str, urgency: str, nhs_number: str
) -> str | None:
    """Field errors for the referral itself; returns the normalised NHS number (or None)."""
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
    *,
    actor: User,
    target_team: Team,
    nhs: str | None,
    hospital_number: str,
    date_of_birth: datetime.date,
    **details: str,
) -> tuple[Patient, str]:
    """The child and whether the referral is confirmed: a new child registered as referred, a known
    child the recorder vouches for (details checked), or a known child whose referral waits, silently."""
    match = _find_existing(nhs, hospital_number)
    patient = match.patient
    if patient is None:
        registered = patient_create(
            actor=actor,
            nhs_number=nhs,
            hospital_number=(hospital_number or "").strip() or provisional_hospital_number(),
            date_of_birth=date_of_birth,
            status=Patient.Status.REFERRED,
            **details,
        )
        return registered, Identity.CONFIRMED
    if not permissions.can_confirm_identity(actor, patient=patient, target_team_id=target_team.pk):
        return patient, Identity.PENDING  # the answer is the same as for a new child
    _refuse_disagreement(patient, match, date_of_birth, target_team)  # they may see this child anyway
    return patient, Identity.CONFIRMED


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
    hospital_number: str = "",
    nhs_number: str = "",
    sex: str = Patient.Sex.UNKNOWN,
    postcode: str = "",
    letters: Sequence[UploadedFile] = (),
) -> Referral:
    """Record an external referral: a new child is registered as referred; a known child is used when
    the recorder can vouch for them, otherwise the referral waits in the identity queue.

    Without a hospital number a new child gets a provisional one (``provisional_hospital_number``).
    Letters are checked by content first and saved with the referral: all of it lands, or none.
    """
    from .attachments import attachment_save, validate_letter

    if not roles.can_register_patient(actor):
        raise PermissionDenied("Your role cannot record inbound referrals.")
    nhs = _checked(
        external_source=external_source,
        referrer_name=referrer_name,
        reason=reason,
        urgency=urgency,
        nhs_number=nhs_number,
    )
    stated = {
        "given_name": (given_name or "").strip(),
        "family_name": (family_name or "").strip(),
        "date_of_birth": date_of_birth.isoformat(),
        "nhs_number": nhs or "",
        "hospital_number": (hospital_number or "").strip(),
        "sex": sex,
        "postcode": (postcode or "").strip(),
    }
    checked = [(letter, validate_letter(letter)) for letter in letters]
    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            patient, identity = _known_or_registered(
                actor=actor,
                target_team=target_team,
                nhs=nhs,
                hospital_number=hospital_number,
                date_of_birth=date_of_birth,
                given_name=given_name,
                family_name=family_name,
                sex=sex,
                postcode=postcode,
            )
            referral = Referral.objects.create(
                patient=patient,
                external_source=external_source,
                referrer_name=referrer_name.strip(),
                referrer_organisation=(referrer_organisation or "").strip(),
                target_team=target_team,
                reason=reason.strip(),
                urgency=urgency,
                recorded_by=actor,
                child_as_stated=stated,
                identity_status=identity,
                identity_checked_by=actor if identity == Identity.CONFIRMED else None,
                identity_checked_at=timezone.now() if identity == Identity.CONFIRMED else None,
            )
            record_draft(referral, actor=actor, note="Received from outside")
            for letter, content_type in checked:
                saved = attachment_save(
                    actor=actor, referral=referral, upload=letter, content_type=content_type
                )
                stored.append(saved.file.name or "")
            if identity == Identity.PENDING:
                return referral
            return _submit(actor, referral)
    except Exception as exc:
        for name in stored:  # the rows rolled back: leave no letter about a child behind on disk
            default_storage.delete(name)
        if isinstance(exc, IntegrityError):  # a simultaneous referral of the same child to the same team
            raise _duplicate(target_team) from exc
        raise


def _lock_pending(referral: Referral) -> Referral:
    locked = Referral.objects.select_for_update().select_related("patient", "target_team").get(pk=referral.pk)
    if locked.identity_status != Identity.PENDING:
        raise ApplicationError.stale("Someone has already matched this referral a moment ago.")
    return locked


def _require_confirmer(actor: User, referral: Referral) -> None:
    if not permissions.can_confirm_identity(
        actor, patient=referral.patient, target_team_id=referral.target_team_id
    ):
        raise PermissionDenied(
            "Only someone who already looks after this child, or the records team, can confirm this."
        )


def referral_confirm_identity(*, actor: User, referral: Referral) -> Referral:
    """This referral is about this child: send it to the team (triage task, track), which can then
    see the child. The submission event and ``identity_checked_by`` name who confirmed it."""
    _require_confirmer(actor, referral)
    try:
        with transaction.atomic(durable=True):
            locked = _lock_pending(referral)
            if _already_open(locked.patient, locked.target_team):
                raise _duplicate(locked.target_team)
            locked.identity_status = Identity.CONFIRMED
            locked.identity_checked_by = actor
            locked.identity_checked_at = timezone.now()
            locked.save(update_fields=["identity_status", "identity_checked_by", "identity_checked_at"])
            return _submit(actor, locked)
    except IntegrityError as exc:
        raise _duplicate(referral.target_team) from exc


NOT_MATCHED = "Not matched to this child: "
REJECT_REASON_MAX = 300 - len(NOT_MATCHED)  # the closed referral's outcome reason holds both


def referral_reject_identity(*, actor: User, referral: Referral, reason: str) -> Referral:
    """This referral is not about this child: close it, touching nothing on the child's record.
    The records team takes it up with the referrer."""
    _require_confirmer(actor, referral)
    reason = within(reason, field="reason", limit=REJECT_REASON_MAX, label="Reason")
    if not reason:
        raise ValidationError({"reason": "Say why this referral is not about this child."})
    with transaction.atomic(durable=True):
        locked = _lock_pending(referral)
        now = timezone.now()
        return _move(
            actor=actor,
            referral=locked,
            to=Referral.Status.CANCELLED,
            note=f"Not this child: {reason}",
            outcome_reason=NOT_MATCHED + reason,
            closed_at=now,
            identity_status=Identity.REJECTED,
            identity_checked_by=actor,
            identity_checked_at=now,
        )
