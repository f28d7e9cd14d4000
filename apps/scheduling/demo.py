"""Demo appointments: past and upcoming, an active IVIG series, and re-evaluations due soon, now and long ago."""

import datetime

from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.pathways.models import TreatmentCourse
from apps.patients.models import Patient
from carecoord import demo

from . import services
from .models import Appointment, FollowUpInterval, ReviewPolicy
from .services.followup import courses_check_follow_up

Role = StaffProfile.Role


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _weekday(day: datetime.date) -> datetime.date:
    """The day itself on a weekday; a Saturday or Sunday moves to the next Monday for a date to come
    and back to the Friday before for one past. Clinics and day-case infusions run on weekdays."""
    if day.weekday() < 5:
        return day
    if day >= timezone.localdate():
        return day + datetime.timedelta(days=7 - day.weekday())
    return day - datetime.timedelta(days=day.weekday() - 4)


def seed(staff: dict[str, User], patients: list[Patient]) -> None:
    teams = {t.code: t for t in Team.objects.all()}
    ReviewPolicy.objects.get_or_create(
        name="Neuropsychology re-evaluation",
        defaults={
            "target_team": teams["neuropsychology"],
            "appointment_kind": Appointment.Kind.NEUROPSYCHOLOGY,
            "baseline_within_months": 6,
            "interval_months": 24,
            "lead_time_days": 84,
        },
    )
    ReviewPolicy.objects.get_or_create(
        name="Neurology review",
        defaults={
            "target_team": teams["neurology"],
            "appointment_kind": Appointment.Kind.NEUROLOGY_CLINIC,
            "baseline_within_months": 1,
            "interval_months": 6,
            "lead_time_days": 28,
            "is_active": False,
        },
    )
    FollowUpInterval.objects.get_or_create(agent="", defaults={"weeks": 6, "is_demo": True})  # demo value
    if Appointment.objects.exists():
        return
    neuro, nurse = staff[Role.CONSULTANT], staff[Role.NURSE_SPECIALIST]
    neuropsych = staff[Role.NEUROPSYCHOLOGIST]
    today = timezone.localdate()
    by_number = {p.hospital_number: p for p in patients}
    # Clinic today and over the next fortnight for the neurologist.
    for offset, number, hour in [
        (0, "RCH100200", 9),
        (0, "RCH100201", 10),
        (0, "RCH100204", 11),
        (3, "RCH100205", 9),
        (7, "RCH100207", 14),
        (12, "RCH100210", 10),
    ]:
        day = _weekday(today + datetime.timedelta(days=offset))
        services.appointment_book(
            actor=nurse,
            patient=by_number[number],
            kind=Appointment.Kind.NEUROLOGY_CLINIC,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour, 30),
            team=teams["neurology"],
            clinician=neuro,
            location="Children's Outpatients, Clinic 4",
            preparation_notes="Please bring your child's medicines and the symptom diary.",
            internal_notes="Review steroid side effects; consider step-down.",
        )
    # The nurse specialist's own clinic: reviews by phone and video, in the nursing team, so her day's
    # list ("Mine" and "Nursing team") is not empty while the neurologist's has three.
    for number, hour, kind in [
        ("RCH100203", 13, Appointment.Kind.NURSE_PHONE),
        ("RCH100206", 14, Appointment.Kind.NURSE_VIDEO),
        ("RCH100209", 15, Appointment.Kind.NURSE_PHONE),
    ]:
        day = _weekday(today)
        services.appointment_book(
            actor=nurse,
            patient=by_number[number],
            kind=kind,
            starts_at=_at(day, hour),
            ends_at=_at(day, hour, 20),
            team=teams["nursing"],
            clinician=nurse,
            location="By phone" if kind == Appointment.Kind.NURSE_PHONE else "Video call",
            preparation_notes="The nurse specialist will call you at this time.",
        )
    # An active IVIG series for Maya, from her IVIG course, every 4 weeks.
    maya = by_number["RCH100200"]
    ivig = TreatmentCourse.objects.filter(patient=maya, agent=TreatmentCourse.Agent.IVIG).first()
    first = _weekday(today + datetime.timedelta(days=5))  # every 4 weeks: the same weekday each time
    services.series_create(
        actor=nurse,
        patient=maya,
        title="IVIG every 4 weeks",
        interval_days=28,
        count=6,
        first_starts_at=_at(first, 8, 30),
        duration_minutes=300,
        team=teams["neurology"],
        location="Day Case Unit, Ward 32",
        course=ivig,
        preparation_notes="Arrive at 8:30. The infusion takes most of the day; bring snacks and something to do.",
    )
    # Past neuropsychology assessments so re-evaluations fall due soon, now and long ago.
    for number, months_ago in [("RCH100205", 23), ("RCH100209", 24), ("RCH100213", 31)]:
        day = _weekday(today - datetime.timedelta(days=int(months_ago * 30.4)))
        done = services.appointment_book(
            actor=nurse,
            patient=by_number[number],
            kind=Appointment.Kind.NEUROPSYCHOLOGY,
            starts_at=_at(day, 10),
            ends_at=_at(day, 12),
            team=teams["neuropsychology"],
            clinician=neuropsych,
            location="Neuropsychology, Level 2",
        )
        services.appointment_attended(actor=nurse, appointment=done)
    # A did-not-attend last week.
    missed_day = _weekday(today - datetime.timedelta(days=6))
    missed = services.appointment_book(
        actor=nurse,
        patient=by_number["RCH100202"],
        kind=Appointment.Kind.THERAPY_PHYSIO,
        starts_at=_at(missed_day, 15),
        ends_at=_at(missed_day, 15, 45),
        team=teams["therapies"],
        location="Physiotherapy gym",
    )
    services.appointment_did_not_attend(actor=nurse, appointment=missed)
    services.review_schedules_repair()  # what the weekly job does (rows seeded around the services)
    services.reviews_open_due()  # what the daily beat job does, so the demo shows due re-evaluations at once
    courses_check_follow_up()  # and courses with no review booked get their follow-up task


# Treatment series follow pathways' courses; after referrals as before.
demo.register("scheduling", seed, uses=["accounts", "patients"], after=["pathways", "referrals"])
