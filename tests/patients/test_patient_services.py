import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import StaffProfile
from apps.patients import services
from apps.patients.models import Guardian, Patient

from ..factories import PatientFactory, StaffFactory


def _register(actor, **overrides):
    data = {
        "hospital_number": "rch555",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": datetime.date(2024, 1, 2),
        "nhs_number": "943 476 5919",
    }
    data.update(overrides)
    return services.patient_register(actor=actor, **data)


def test_it_registers_a_child_storing_ten_digits_and_an_upper_case_hospital_number(nurse):
    patient = _register(nurse)
    assert patient.nhs_number == "9434765919"
    assert patient.nhs_number_display == "943 476 5919"
    assert patient.hospital_number == "RCH555"
    assert patient.history.get().history_user == nurse


def test_it_allows_a_child_without_an_nhs_number(nurse):
    first = _register(nurse, nhs_number="")
    second = _register(nurse, nhs_number=None, hospital_number="RCH556")
    assert first.nhs_number is None and second.nhs_number is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nhs_number": "4857773456"}, "nhs_number"),
        ({"nhs_number": "12345"}, "nhs_number"),
        ({"nhs_number": "94347A5919"}, "nhs_number"),
        ({"date_of_birth": datetime.date(2999, 1, 1)}, "date_of_birth"),
        ({"hospital_number": ""}, "hospital_number"),
    ],
)
def test_bad_input_gives_a_field_error_and_no_row(nurse, overrides, field):
    with pytest.raises(ValidationError) as exc:
        _register(nurse, **overrides)
    assert field in exc.value.message_dict
    assert not Patient.objects.exists()


def test_duplicate_identifiers_are_refused(nurse):
    _register(nurse)
    with pytest.raises(ValidationError) as exc:
        _register(nurse, hospital_number="OTHER1")
    assert exc.value.message_dict["nhs_number"] == ["Another child already has this NHS number."]
    with pytest.raises(ValidationError) as exc:
        _register(nurse, nhs_number="4857773457")
    assert "hospital_number" in exc.value.message_dict
    assert Patient.objects.count() == 1


def test_only_coordinating_roles_register_children(db):
    therapist = StaffFactory(role=StaffProfile.Role.THERAPIST)
    with pytest.raises(PermissionDenied):
        _register(therapist)
    assert not Patient.objects.exists()


def test_named_nurse_must_be_a_nurse_specialist(nurse):
    surgeon = StaffFactory(role=StaffProfile.Role.SURGEON)
    with pytest.raises(ValidationError) as exc:
        _register(nurse, named_nurse=surgeon)
    assert "named_nurse" in exc.value.message_dict


def test_update_keeps_history_with_the_actor(nurse):
    patient = _register(nurse)
    services.patient_update(actor=nurse, patient=patient, school="Oak Primary")
    latest = patient.history.first()
    assert latest.school == "Oak Primary" and latest.history_user == nurse
    assert patient.history.count() == 2


def test_guardian_link_creates_a_family_account_without_a_password(nurse):
    patient = PatientFactory()
    guardian = services.guardian_link(
        actor=nurse,
        patient=patient,
        email="Parent@Example.org",
        full_name="Pat Parent",
        relationship="mother",
    )
    assert guardian.user.email == "parent@example.org"
    assert guardian.user.kind == "family"
    assert not guardian.user.has_usable_password()


def test_guardian_link_refuses_a_staff_email(nurse):
    with pytest.raises(ValidationError) as exc:
        services.guardian_link(
            actor=nurse, patient=PatientFactory(), email=nurse.email, full_name="X", relationship="mother"
        )
    assert "email" in exc.value.message_dict
    assert not Guardian.objects.exists()


def test_deactivated_guardian_loses_access_at_once_and_can_be_relinked(nurse, client):
    patient = PatientFactory()
    guardian = services.guardian_link(
        actor=nurse, patient=patient, email="p@example.org", full_name="Pat", relationship="father"
    )
    client.force_login(guardian.user)
    assert client.get(f"/portal/children/{patient.pk}/").status_code == 200
    services.guardian_deactivate(actor=nurse, guardian=guardian)
    # Their last link ended, so the live session ends too (family_required logs them out).
    assert client.get(f"/portal/children/{patient.pk}/")["Location"] == "/portal/login/"
    with pytest.raises(ValidationError):
        services.guardian_deactivate(actor=nurse, guardian=guardian)
    again = services.guardian_link(
        actor=nurse, patient=patient, email="p@example.org", full_name="Pat", relationship="father"
    )
    assert again.pk == guardian.pk and again.is_active
    client.force_login(guardian.user)
    assert client.get(f"/portal/children/{patient.pk}/").status_code == 200


def test_care_team_membership_starts_and_ends(nurse):
    patient = PatientFactory()
    psychologist = StaffFactory(role=StaffProfile.Role.PSYCHOLOGIST)
    member = services.care_team_member_add(actor=nurse, patient=patient, user=psychologist)
    assert member.role == StaffProfile.Role.PSYCHOLOGIST
    with pytest.raises(ValidationError):
        services.care_team_member_add(actor=nurse, patient=patient, user=psychologist)
    services.care_team_member_end(actor=nurse, member=member)
    assert member.end_date == timezone.localdate()
    with pytest.raises(ValidationError):
        services.care_team_member_end(actor=nurse, member=member)


def test_family_members_cannot_join_a_care_team(nurse):
    from ..factories import FamilyFactory

    with pytest.raises(ValidationError) as exc:
        services.care_team_member_add(actor=nurse, patient=PatientFactory(), user=FamilyFactory())
    assert "user" in exc.value.message_dict
