"""Demo transition: a young person of 13 who has been in follow-up for years, so the daily job gives
them a plan and its first task. The checklist and milestones are the migration's demo configuration."""

import datetime

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.patients import services as patients
from apps.patients.models import Guardian, Patient
from carecoord import demo

from .milestones import transition_daily

Role = StaffProfile.Role
HOSPITAL_NUMBER = "RCH100413"


def seed(staff: dict[str, User]) -> Patient:
    young = Patient.objects.filter(hospital_number=HOSPITAL_NUMBER).first()
    if young is None:
        today = timezone.localdate()
        nurse, actor = staff[Role.NURSE_SPECIALIST], staff[Role.CLINIC_ADMIN]
        young = patients.patient_register(
            actor=actor,
            hospital_number=HOSPITAL_NUMBER,
            nhs_number=None,
            given_name="Jordan",
            family_name="Adebayo",
            date_of_birth=today - datetime.timedelta(days=13 * 365 + 70),
            sex=Patient.Sex.MALE,
            postcode="BS8 1TH",
            school="Cotham School",
            status=Patient.Status.ACTIVE,
            named_nurse=nurse,
        )
        for member, lead in [(staff[Role.CONSULTANT], True), (nurse, False)]:
            patients.care_team_member_add(
                actor=actor,
                patient=young,
                user=member,
                is_lead=lead,
                start_date=today - datetime.timedelta(days=9 * 365),
            )
        parent = patients.guardian_link(
            actor=actor,
            patient=young,
            email="family31@carecoord.example",
            full_name="Chioma Adebayo",
            relationship=Guardian.Relationship.MOTHER,
        )
        if not parent.user.has_usable_password():
            parent.user.set_password(settings.DEMO_PASSWORD)
            parent.user.save(update_fields=["password"])
    transition_daily()
    return young


demo.register("transition", seed, uses=["accounts"], after=["patients", "pathways"])
