"""Writes to children, their guardians and their care teams.

Each service takes the acting user first, checks the role predicate, validates,
and writes in one transaction; django-simple-history keeps the change history
with the actor recorded.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.services import family_user_get_or_create
from carecoord.attention import patient_attention_changed
from carecoord.history import save_with_history

from .. import access
from ..models import CareTeamMember, Guardian, GuardianInvitation, Patient
from ..nhs_number import normalise_nhs_number
from ..signals import patient_saved
from .legal_basis import check_own_account, clean_authorisation

_PATIENT_FIELDS = (
    "nhs_number",
    "hospital_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "postcode",
    "school",
    "status",
    "named_nurse",
)


def _clean_identifiers(data: dict[str, Any], *, instance: Patient | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    if "nhs_number" in cleaned:
        raw = (cleaned["nhs_number"] or "").strip()
        if raw:
            try:
                cleaned["nhs_number"] = normalise_nhs_number(raw)
            except ValidationError as exc:
                errors["nhs_number"] = exc.messages
        else:
            cleaned["nhs_number"] = None
    if "hospital_number" in cleaned:
        cleaned["hospital_number"] = (cleaned["hospital_number"] or "").strip().upper()
    others = Patient.objects.exclude(pk=instance.pk) if instance else Patient.objects.all()
    nhs = cleaned.get("nhs_number")
    if nhs and "nhs_number" not in errors and others.filter(nhs_number=nhs).exists():
        errors["nhs_number"] = ["Another child already has this NHS number."]
    if cleaned.get("hospital_number") and others.filter(hospital_number=cleaned["hospital_number"]).exists():
        errors["hospital_number"] = ["Another child already has this hospital number."]
    dob = cleaned.get("date_of_birth")
    if isinstance(dob, datetime.date) and dob > timezone.localdate():
        errors["date_of_birth"] = ["The date of birth cannot be in the future."]
    nurse = cleaned.get("named_nurse")
    if nurse is not None and roles.staff_role(nurse) != roles.Role.NURSE_SPECIALIST:
        errors["named_nurse"] = ["The named nurse must be a clinical nurse specialist."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _save_checked(instance: Any, *, actor: User, update_fields: list[str] | None = None) -> None:
    instance.full_clean(exclude=["named_nurse"] if isinstance(instance, Patient) else None)
    try:
        save_with_history(instance, actor=actor, update_fields=update_fields)
    except IntegrityError as exc:  # a concurrent duplicate slipped past the checks above
        raise ValidationError(
            "This record clashes with one saved at the same moment. Please try again."
        ) from exc


def patient_create(*, actor: User, **data: Any) -> Patient:
    """Create a child inside the caller's transaction (inbound referrals use this)."""
    if not roles.can_register_patient(actor):
        raise PermissionDenied("Your role cannot register children.")
    unknown = set(data) - set(_PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown patient fields: {sorted(unknown)}")
    cleaned = _clean_identifiers(data)
    patient = Patient(**cleaned)
    _save_checked(patient, actor=actor)
    patient_saved.send(sender=Patient, patient=patient, fields=None)
    patient_attention_changed([patient.pk])  # a new child has no contact on record yet
    return patient


def patient_register(*, actor: User, **data: Any) -> Patient:
    """Register a child. Requires a hospital number; the NHS number is optional."""
    with transaction.atomic(durable=True):
        return patient_create(actor=actor, **data)


def patient_change(*, actor: User, patient: Patient, **data: Any) -> Patient:
    """Change a child's details inside the caller's transaction (the caseload import uses this)."""
    if not access.can_edit_patient(actor, patient):
        raise PermissionDenied("Your role cannot change this child's details.")
    unknown = set(data) - set(_PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown patient fields: {sorted(unknown)}")
    cleaned = _clean_identifiers(data, instance=patient)
    for field, value in cleaned.items():
        setattr(patient, field, value)
    _save_checked(patient, actor=actor, update_fields=[*cleaned.keys(), "updated_at"])
    patient_saved.send(sender=Patient, patient=patient, fields=sorted(cleaned))
    patient_attention_changed([patient.pk])  # the status decides "no recent contact"
    return patient


def patient_update(*, actor: User, patient: Patient, **data: Any) -> Patient:
    with transaction.atomic(durable=True):
        return patient_change(actor=actor, patient=patient, **data)


def _check_relationship(relationship: str) -> None:
    if relationship not in Guardian.Relationship.values:
        raise ValidationError({"relationship": "Choose the guardian's relationship to the child."})


def guardian_attach(
    *,
    actor: User,
    patient: Patient,
    email: str,
    full_name: str,
    relationship: str,
    has_parental_responsibility: bool = True,
    authorised_by_name: str = "",
    authorised_on: datetime.date | None = None,
    authorisation_reason: str = "",
) -> Guardian:
    """Link a family member to a child inside the caller's transaction (the caller checks permission).

    Creates their family account (without a usable password) if needed; re-linking a deactivated
    guardian reactivates the same link. ``actor`` is recorded in the history as who made the link.
    The link needs a legal basis: parental responsibility, an authorisation (who, when, why) by
    someone with it, or the young person's own account.
    """
    _check_relationship(relationship)
    check_own_account(patient, relationship)
    has_parental_responsibility = has_parental_responsibility and relationship != Guardian.Relationship.SELF
    authorisation = clean_authorisation(
        relationship=relationship,
        has_parental_responsibility=has_parental_responsibility,
        authorised_by_name=authorised_by_name,
        authorised_on=authorised_on,
        authorisation_reason=authorisation_reason,
    )
    recorded_by = actor if authorisation["authorised_on"] else None
    user = family_user_get_or_create(email=email, full_name=full_name)
    guardian = Guardian.objects.filter(patient=patient, user=user).first()
    if guardian is None:
        guardian = Guardian(
            patient=patient,
            user=user,
            relationship=relationship,
            has_parental_responsibility=has_parental_responsibility,
            authorisation_recorded_by=recorded_by,
            **authorisation,
        )
        _save_checked(guardian, actor=actor)
        return guardian
    guardian.relationship = relationship
    guardian.has_parental_responsibility = has_parental_responsibility
    for name, value in authorisation.items():
        setattr(guardian, name, value)
    guardian.authorisation_recorded_by = recorded_by
    guardian.is_active = True
    guardian.deactivated_at = None
    guardian.ended_reason = ""
    _save_checked(
        guardian,
        actor=actor,
        update_fields=[
            "relationship",
            "has_parental_responsibility",
            *authorisation,
            "authorisation_recorded_by",
            "is_active",
            "deactivated_at",
            "ended_reason",
        ],
    )
    return guardian


def guardian_link(
    *,
    actor: User,
    patient: Patient,
    email: str,
    full_name: str,
    relationship: str,
    has_parental_responsibility: bool = True,
    authorised_by_name: str = "",
    authorised_on: datetime.date | None = None,
    authorisation_reason: str = "",
) -> Guardian:
    """Give a family member access to a child, creating their family account if needed.

    Re-linking a deactivated guardian reactivates the same link.
    """
    if not access.can_manage_guardians(actor, patient):
        raise PermissionDenied("Your role cannot manage this child's guardians.")
    _check_relationship(relationship)
    with transaction.atomic(durable=True):
        return guardian_attach(
            actor=actor,
            patient=patient,
            email=email,
            full_name=full_name,
            relationship=relationship,
            has_parental_responsibility=has_parental_responsibility,
            authorised_by_name=authorised_by_name,
            authorised_on=authorised_on,
            authorisation_reason=authorisation_reason,
        )


def guardian_deactivate(*, actor: User, guardian: Guardian) -> Guardian:
    """End a guardian's access to the child at once (and any invitation still waiting for them)."""
    if not access.can_manage_guardians(actor, guardian.patient):
        raise PermissionDenied("Your role cannot manage this child's guardians.")
    if not guardian.is_active:
        raise ValidationError("This guardian's access has already ended.")
    with transaction.atomic(durable=True):
        guardian.is_active = False
        guardian.deactivated_at = timezone.now()
        _save_checked(guardian, actor=actor, update_fields=["is_active", "deactivated_at"])
        revoke_pending_invitations(patient=guardian.patient, email=guardian.user.email)
    return guardian


def care_team_member_add(
    *,
    actor: User,
    patient: Patient,
    user: User,
    role: str | None = None,
    is_lead: bool = False,
    start_date: datetime.date | None = None,
) -> CareTeamMember:
    with transaction.atomic(durable=True):
        return care_team_member_join(
            actor=actor, patient=patient, user=user, role=role, is_lead=is_lead, start_date=start_date
        )


def care_team_member_join(
    *,
    actor: User,
    patient: Patient,
    user: User,
    role: str | None = None,
    is_lead: bool = False,
    start_date: datetime.date | None = None,
) -> CareTeamMember:
    """Add someone to a child's care team inside the caller's transaction (the caseload import uses this)."""
    if not access.can_manage_care_team(actor, patient):
        raise PermissionDenied("Your role cannot change this child's care team.")
    member_role = roles.staff_role(user)
    if member_role is None:
        raise ValidationError({"user": "Only active clinical staff can join a care team."})
    if CareTeamMember.objects.filter(access.current_care_team(), patient=patient, user=user).exists():
        raise ValidationError({"user": f"{user} is already on this child's care team."})
    member = CareTeamMember(
        patient=patient,
        user=user,
        role=role or member_role,
        is_lead=is_lead,
        start_date=start_date or timezone.localdate(),
    )
    _save_checked(member, actor=actor)
    return member


def care_team_member_end(
    *, actor: User, member: CareTeamMember, end_date: datetime.date | None = None
) -> CareTeamMember:
    if not access.can_manage_care_team(actor, member.patient):
        raise PermissionDenied("Your role cannot change this child's care team.")
    end_date = end_date or timezone.localdate()
    if member.end_date is not None:
        raise ValidationError("This person has already left the care team.")
    if end_date < member.start_date:
        raise ValidationError({"end_date": "The end date cannot be before the start date."})
    with transaction.atomic(durable=True):
        member.end_date = end_date
        _save_checked(member, actor=actor, update_fields=["end_date"])
    return member


def revoke_pending_invitations(*, patient: Patient, email: str) -> int:
    """Withdraw invitations still waiting for this email and child (inside the caller's transaction)."""
    return GuardianInvitation.objects.filter(
        patient=patient, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
