"""Demo neuropsychology: the re-evaluation policy asks for a re-test ahead of year 6 and year 11 (a
DEMO VALUE, not a clinic's policy), and the first child the neuropsychologist cares for has two
assessments (so the chart shows change) and a school recorded, with SEN support."""

import datetime

from django.utils import timezone

from apps.accounts.models import StaffProfile, User
from apps.patients import access
from apps.patients.models import Patient
from apps.scheduling.models import ReviewPolicy
from carecoord import demo

from . import services
from .models import Assessment

Role = StaffProfile.Role
DEMO_SCHOOL_RETEST_YEARS = [6, 11]  # DEMO VALUE: school years that ask for a re-test by their start
R = services.ResultSpec


def seed(staff: dict[str, User], patients: list[Patient]) -> Assessment | None:
    ReviewPolicy.objects.filter(name="Neuropsychology re-evaluation", school_retest_years=[]).update(
        school_retest_years=DEMO_SCHOOL_RETEST_YEARS
    )
    person = staff[Role.NEUROPSYCHOLOGIST]
    child = next((p for p in access.caseload_patients(person).order_by("pk") if p in patients), None)
    if child is None or Assessment.objects.filter(patient=child).exists():
        return None
    today = timezone.localdate()
    for days_ago, bands, advice in (
        (400, {"attention": 1, "memory": 3, "processing_speed": 2, "language": 3}, "Short instructions."),
        (30, {"attention": 2, "memory": 3, "processing_speed": 3, "language": 4}, "Extra time in tests."),
    ):
        services.assessment_record(
            actor=person,
            patient=child,
            assessed_on=today - datetime.timedelta(days=days_ago),
            assessed_by=person,
            results=[R(domain, band) for domain, band in bands.items()],
            recommendations=f"{advice} (Demo text.)",
        )
    services.school_support_update(
        actor=person,
        patient=child,
        school=child.school,
        status="sen_support",
        status_since=today.replace(day=1),
    )
    return Assessment.objects.filter(patient=child).first()


demo.register("neuropsych", seed, uses=["accounts", "patients"], after=["scheduling"])
