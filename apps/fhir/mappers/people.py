"""People and teams: Patient, RelatedPerson, Practitioner, PractitionerRole, Organization, CareTeam."""

from typing import Any

from apps.accounts.models import StaffProfile, Team, User
from apps.patients.models import Guardian, Patient

from ..codes import (
    HOSPITAL_NUMBER,
    NHS_NUMBER,
    ROLE_CODE,
    coding,
    drop_empty,
    local_concept,
    local_extension,
    local_system,
    ref,
)

# HL7 v3 RoleCode for the relationships that have one; the rest use the local code system.
GUARDIAN_ROLE_CODES = {
    Guardian.Relationship.MOTHER: "MTH",
    Guardian.Relationship.FATHER: "FTH",
    Guardian.Relationship.PARENT: "PRN",
    Guardian.Relationship.GRANDPARENT: "GRPRN",
    Guardian.Relationship.LEGAL_GUARDIAN: "GUARD",
}
PARENTAL_RESPONSIBILITY = local_extension("parental-responsibility")
# Claimed because tests/fhir check its key constraints: the NHS number slice's fixed system and a valid
# 10-digit (Modulus 11) value, at most one NHS number, and an identifier that always has a value.
UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"


def patient(row: Patient) -> dict[str, Any]:
    identifiers = [{"use": "usual", "system": HOSPITAL_NUMBER, "value": row.hospital_number}]
    if row.nhs_number:
        identifiers.insert(0, {"use": "official", "system": NHS_NUMBER, "value": row.nhs_number})
    names = [{"use": "official", "family": row.family_name, "given": [row.given_name]}]
    if row.preferred_name:
        names.append({"use": "usual", "given": [row.preferred_name]})
    return drop_empty(
        {
            "resourceType": "Patient",
            "id": str(row.pk),
            "meta": {"profile": [UK_CORE_PATIENT]},
            "identifier": identifiers,
            "active": row.status != Patient.Status.DISCHARGED,
            "name": names,
            "gender": row.sex,  # our four values are FHIR's administrative genders
            "birthDate": row.date_of_birth.isoformat(),
            "address": [{"postalCode": row.postcode}] if row.postcode else [],
        }
    )


def related_person(row: Guardian) -> dict[str, Any]:
    code = GUARDIAN_ROLE_CODES.get(row.relationship)  # type: ignore[call-overload]
    system = ROLE_CODE if code else local_system("guardian-relationship")
    relationship = {
        "coding": [coding(system, code or row.relationship, row.get_relationship_display())],
        "text": row.get_relationship_display(),
    }
    return drop_empty(
        {
            "resourceType": "RelatedPerson",
            "id": str(row.pk),
            "extension": [{"url": PARENTAL_RESPONSIBILITY, "valueBoolean": row.has_parental_responsibility}],
            "active": row.is_active,
            "patient": ref("Patient", row.patient_id),
            "relationship": [relationship],
            "name": [{"text": row.user.full_name}] if row.user.full_name else [],
        }
    )


def practitioner(row: User) -> dict[str, Any]:
    telecom = [{"system": "email", "value": row.email, "use": "work"}]
    return drop_empty(
        {
            "resourceType": "Practitioner",
            "id": str(row.pk),
            "active": row.is_active,
            "name": [{"text": row.full_name}] if row.full_name else [],
            "telecom": telecom,
        }
    )


def staff_role_concept(role: str) -> dict[str, Any]:
    return local_concept("staff-role", role, StaffProfile.Role(role).label)


def practitioner_role(row: Any) -> dict[str, Any]:
    """One (staff member, team) membership: a row of StaffProfile.teams.through."""
    profile: StaffProfile = row.staffprofile
    return drop_empty(
        {
            "resourceType": "PractitionerRole",
            "id": str(row.pk),
            "active": profile.user.is_active,
            "practitioner": ref("Practitioner", profile.user_id, profile.user.full_name),
            "organization": ref("Organization", row.team_id, row.team.name),
            "code": [staff_role_concept(profile.role)],
            "specialty": [{"text": profile.specialty}] if profile.specialty else [],
        }
    )


def organization(row: Team) -> dict[str, Any]:
    return drop_empty(
        {
            "resourceType": "Organization",
            "id": str(row.pk),
            "active": True,
            "type": [local_concept("team", row.code, row.get_code_display())],
            "name": row.name,
            "telecom": [{"system": "email", "value": row.email}] if row.email else [],
        }
    )


def care_team(row: Patient) -> dict[str, Any]:
    """The child's current care team; ``row.current_care_team`` is prefetched (members with users)."""
    participants = [
        drop_empty(
            {
                "role": [staff_role_concept(member.role)],
                "member": ref("Practitioner", member.user_id, member.user.full_name),
                "period": {"start": member.start_date.isoformat()},
            }
        )
        for member in row.current_care_team  # type: ignore[attr-defined]
    ]
    if row.named_nurse_id:
        participants.append(
            {
                "role": [local_concept("care-team-role", "named-nurse", "Named nurse specialist")],
                "member": ref("Practitioner", row.named_nurse_id, row.named_nurse.full_name),  # type: ignore[union-attr]
            }
        )
    return drop_empty(
        {
            "resourceType": "CareTeam",
            "id": str(row.pk),
            "status": "active",
            "name": f"Care team for {row.full_name}",
            "subject": ref("Patient", row.pk),
            "participant": participants,
        }
    )
