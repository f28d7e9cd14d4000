"""About thirty demo children in different states, with guardians and care teams."""

import datetime
import random

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from carecoord import demo

from . import services
from .models import Guardian, Patient
from .nhs_number import nhs_check_digit

Role = StaffProfile.Role

GIVEN = [
    "Maya",
    "Leo",
    "Isla",
    "Noah",
    "Ava",
    "Oscar",
    "Freya",
    "Arlo",
    "Ivy",
    "Theo",
    "Rosie",
    "Finn",
    "Elsie",
    "Jude",
    "Nia",
    "Reuben",
    "Zara",
    "Alfie",
    "Hana",
    "Ezra",
    "Lily",
    "Kai",
    "Mabel",
    "Idris",
    "Aisha",
    "Rory",
    "Poppy",
    "Sami",
    "Orla",
    "Yusuf",
]
FAMILY = [
    "Patel",
    "Jones",
    "Nowak",
    "Begum",
    "Evans",
    "Murphy",
    "Ali",
    "Taylor",
    "Osei",
    "Hughes",
    "Wright",
    "Khan",
    "Davies",
    "Clarke",
    "Adeyemi",
    "Walsh",
    "Kowalski",
    "Reid",
    "Hussain",
    "Price",
    "Lewis",
    "Mensah",
    "Carter",
    "Doyle",
    "Ahmed",
    "Bennett",
    "Sharma",
    "Fraser",
    "Lloyd",
    "Igwe",
]
SCHOOLS = [
    "Little Acorns Nursery",
    "St Mary's Primary",
    "Oakfield Primary",
    "Riverside Nursery",
    "Home",
]
POSTCODES = ["BS1 3NU", "BS8 1TH", "CF10 1EP", "BA1 1LT", "GL1 2EH", "TA1 1AA"]


def demo_nhs_number(index: int) -> str:
    """A valid number in the 999 range, which the NHS keeps for testing."""
    n = index
    while True:
        first_nine = f"999{n:06d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)
        n += 100_000


def seed(staff: dict[str, User]) -> list[Patient]:
    rng = random.Random(20261121)  # same demo every time
    today = timezone.localdate()
    actor = staff[Role.CLINIC_ADMIN]
    nurses = [staff[Role.NURSE_SPECIALIST], staff[f"{Role.NURSE_SPECIALIST}2"]]
    patients = []
    for i in range(30):
        hospital_number = f"RCH{100200 + i}"
        patient = Patient.objects.filter(hospital_number=hospital_number).first()
        if patient is None:
            nurse = nurses[1] if i % 3 == 2 else nurses[0]
            age_days = rng.randint(14 * 30, 12 * 365)
            status = (
                Patient.Status.REFERRED
                if i in (27, 28, 29)
                else (Patient.Status.DISCHARGED if i in (22, 23, 24, 25) else Patient.Status.ACTIVE)
            )
            patient = services.patient_register(
                actor=actor,
                hospital_number=hospital_number,
                nhs_number=demo_nhs_number(i + 1) if i != 26 else None,  # one child visiting from abroad
                given_name=GIVEN[i],
                family_name=FAMILY[i],
                date_of_birth=today - datetime.timedelta(days=age_days),
                sex=rng.choice([Patient.Sex.FEMALE, Patient.Sex.MALE]),
                postcode=rng.choice(POSTCODES),
                school=rng.choice(SCHOOLS),
                status=status,
                named_nurse=nurse,
            )
            team = [(staff[Role.CONSULTANT], True), (nurse, False)]
            if i % 2 == 0:  # about half have a neuroblastoma
                team += [(staff[f"{Role.CONSULTANT}2"], False), (staff[Role.SURGEON], False)]
            if i % 4 == 1:
                team += [(staff[Role.NEUROPSYCHOLOGIST], False), (staff[Role.PSYCHOLOGIST], False)]
            if i % 5 == 0:
                team.append((staff[Role.THERAPIST], False))
            for member, lead in team:
                services.care_team_member_add(
                    actor=actor,
                    patient=patient,
                    user=member,
                    is_lead=lead,
                    start_date=today - datetime.timedelta(days=rng.randint(30, 700)),
                )
            email = "family@carecoord.example" if i == 0 else f"family{i + 1:02d}@carecoord.example"
            parent = services.guardian_link(
                actor=actor,
                patient=patient,
                email=email,
                full_name=f"{rng.choice(['Anna', 'Rachel', 'David', 'Tariq', 'Grace', 'Mark'])} {FAMILY[i]}",
                relationship=rng.choice([Guardian.Relationship.MOTHER, Guardian.Relationship.FATHER]),
            )
            if not parent.user.has_usable_password():
                parent.user.set_password(settings.DEMO_PASSWORD)
                parent.user.save(update_fields=["password"])
        patients.append(patient)
    return patients


demo.register("patients", seed, uses=["accounts"])
