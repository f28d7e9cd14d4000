import datetime

from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.scheduling.models import Appointment
from apps.tasks.models import Task

from ..factories import StaffFactory


def test_booking_from_the_page_for_an_accepted_referral_marks_it_booked(cast, client):
    oncologist = StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])
    oncology = Team.objects.get(code="oncology")
    referral = referrals.referral_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        target_team=oncology,
        reason="Possible recurrence",
        urgency="urgent",
    )
    referral = referrals.referral_accept(actor=oncologist, referral=referral)
    client.force_login(oncologist)
    page = client.get(f"/patients/{cast.child_a.pk}/appointments/")
    assert b"For an accepted referral" in page.content
    start = timezone.localtime(timezone.now() + datetime.timedelta(days=5)).replace(hour=10, minute=0)
    response = client.post(
        f"/patients/{cast.child_a.pk}/appointments/book/",
        {
            "book-kind": "oncology_clinic",
            "book-starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "book-duration_minutes": "30",
            "book-team": oncology.pk,
            "book-clinician": oncologist.pk,
            "book-family_visible": "on",
            "book-referral": referral.pk,
        },
    )
    assert response.status_code == 302
    assert Appointment.objects.get().referral_id == referral.pk
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.BOOKED
    assert Task.objects.get(source_key=f"referral:{referral.pk}:booking").status == Task.Status.DONE


def test_the_referral_choice_is_absent_when_nothing_is_waiting_to_be_booked(cast, client):
    client.force_login(cast.nurse_a)
    page = client.get(f"/patients/{cast.child_a.pk}/appointments/")
    assert page.status_code == 200 and b"For an accepted referral" not in page.content
