"""HAZ-01: a re-evaluation cannot vanish. It is due until an assessment is recorded as done (when, by
whom); every other way its referral can end leaves it due, and the daily job opens it again, once."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from apps.accounts.models import StaffProfile, Team
from apps.caseload.services import attention_refresh
from apps.referrals import services as referrals
from apps.referrals.models import Referral
from apps.scheduling import selectors, services
from apps.scheduling.models import Appointment, ReviewDue
from apps.scheduling.services.review_outcomes import review_record_completed
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from ..factories import StaffFactory
from . import at, book
from .test_reviews import diagnose, neuropsychology_policy, run_job_on

OPENED_ON = datetime.date(2026, 3, 9)  # 84 days before the baseline falls due on 1 Jun 2026


@pytest.fixture
def policy(db):
    return neuropsychology_policy()


@pytest.fixture
def neuropsychologist(db):
    return StaffFactory(
        full_name="Dr Nell Neuropsych",
        role=StaffProfile.Role.NEUROPSYCHOLOGIST,
        role__teams=[Team.Code.NEUROPSYCHOLOGY],
    )


@pytest.fixture
def opened(cast, policy):
    """Child A's baseline review, opened by the job on 9 Mar 2026 with its referral and task."""
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    assert run_job_on(OPENED_ON) == 1
    return ReviewDue.objects.get()


def _travel(day: datetime.date, hour: int = 10):
    return time_machine.travel(at(day.year, day.month, day.day, hour), tick=False)


def _accept_and_book(neuropsychologist, review: ReviewDue, day: datetime.date) -> Appointment:
    with _travel(OPENED_ON + datetime.timedelta(days=1)):
        referral = referrals.referral_accept(actor=neuropsychologist, referral=review.referral)
        return book(
            neuropsychologist,
            review.patient,
            at(day.year, day.month, day.day, 9),
            minutes=180,
            kind=Appointment.Kind.NEUROPSYCHOLOGY,
            clinician=neuropsychologist,
            referral=referral,
        )


def _cancel(neuropsychologist, review):
    with _travel(OPENED_ON + datetime.timedelta(days=2)):
        referrals.referral_cancel(
            actor=neuropsychologist, referral=review.referral, reason="Family moved house"
        )


def _decline(neuropsychologist, review):
    with _travel(OPENED_ON + datetime.timedelta(days=2)):
        referrals.referral_decline(actor=neuropsychologist, referral=review.referral, reason="Seen last year")


def _complete_without_assessment(neuropsychologist, review):
    """Accepted, booked, the family did not come, and the referral was closed anyway."""
    appointment = _accept_and_book(neuropsychologist, review, datetime.date(2026, 4, 20))
    with _travel(datetime.date(2026, 4, 20), 13):
        services.appointment_did_not_attend(actor=neuropsychologist, appointment=appointment)
        referrals.referral_mark_seen(actor=neuropsychologist, referral=review.referral)
        referrals.referral_complete(actor=neuropsychologist, referral=review.referral, note="Closed")


ENDINGS = {
    "cancelled": lambda cast, neuro, review: _cancel(neuro, review),
    "declined": lambda cast, neuro, review: _decline(neuro, review),
    "completed without an assessment": lambda cast, neuro, review: _complete_without_assessment(
        neuro, review
    ),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_referral_that_ends_without_an_assessment_leaves_the_review_due_and_it_is_reopened_once(
    cast, opened, neuropsychologist, ending
):
    ENDINGS[ending](cast, neuropsychologist, opened)
    first = Referral.objects.get()
    assert first.status in (Referral.Status.CANCELLED, Referral.Status.DECLINED, Referral.Status.COMPLETED)
    assert ReviewDue.objects.still_due().get() == opened

    assert run_job_on(datetime.date(2026, 4, 21)) == 1
    assert run_job_on(datetime.date(2026, 4, 21)) == 0  # once
    assert run_job_on(datetime.date(2026, 4, 22)) == 0

    review = ReviewDue.objects.get()
    second = Referral.objects.exclude(pk=first.pk).get()
    assert (review.referral, review.reopened_count, review.completed_on) == (second, 1, None)
    assert (second.status, second.target_team.code) == (Referral.Status.SUBMITTED, "neuropsychology")
    assert "Re-evaluation still due by 01 June 2026" in second.reason
    task = Task.objects.get(source_key=f"review:{review.pk}:reopened:{first.pk}")
    assert (task.assignee, task.patient, task.source) == (
        cast.nurse_a,
        cast.child_a,
        Task.Source.RE_EVALUATION,
    )
    assert task.link_url == f"/referrals/{second.pk}/"


def test_each_ended_referral_is_reopened_once_so_a_second_cancel_reopens_again(opened, neuropsychologist):
    _cancel(neuropsychologist, opened)
    assert run_job_on(datetime.date(2026, 3, 12)) == 1
    opened.refresh_from_db()
    _cancel(neuropsychologist, opened)
    assert run_job_on(datetime.date(2026, 3, 13)) == 1
    opened.refresh_from_db()
    assert opened.reopened_count == 2
    assert Referral.objects.filter(status=Referral.Status.CANCELLED).count() == 2
    assert Referral.objects.filter(status=Referral.Status.SUBMITTED).count() == 1


def test_a_referral_marked_seen_by_hand_leaves_the_review_due_without_a_second_referral(
    cast, opened, neuropsychologist
):
    appointment = _accept_and_book(neuropsychologist, opened, datetime.date(2026, 4, 20))
    with _travel(datetime.date(2026, 4, 20), 8):
        services.appointment_cancel(
            actor=neuropsychologist, appointment=appointment, cancelled_by="hospital", reason="Clinician ill"
        )
        referrals.referral_mark_seen(actor=neuropsychologist, referral=opened.referral)
    assert Referral.objects.get().status == Referral.Status.SEEN
    assert ReviewDue.objects.still_due().get() == opened
    assert run_job_on(datetime.date(2026, 4, 21)) == 0  # its referral is still open to the team
    assert Referral.objects.count() == 1


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_the_caseload_and_the_overdue_report_keep_showing_a_review_whose_referral_ended(
    cast, opened, neuropsychologist, client_for, ending
):
    ENDINGS[ending](cast, neuropsychologist, opened)
    with _travel(datetime.date(2026, 6, 3)):  # past due on 1 Jun
        attention_refresh()  # the hourly job: the calendar, not a write, made it overdue
        response = client_for(cast.nurse_a).get("/caseload/")
        rows = selectors.overdue_reviews(user=cast.nurse_a)
    assert b"Re-evaluation overdue (Neuropsychology, due 1 Jun" in response.content
    assert [(r.patient, r.due_on) for r in rows] == [(cast.child_a, datetime.date(2026, 6, 1))]


def test_an_attended_assessment_completes_the_review_with_its_date_and_assessor(
    cast, opened, neuropsychologist, client_for
):
    appointment = _accept_and_book(neuropsychologist, opened, datetime.date(2026, 5, 20))
    with _travel(datetime.date(2026, 5, 20), 13):
        services.appointment_attended(actor=cast.nurse_a, appointment=appointment)
    opened.refresh_from_db()
    assert (opened.completed_on, opened.completed_by, opened.completion_recorded_by) == (
        datetime.date(2026, 5, 20),
        neuropsychologist,
        cast.nurse_a,
    )
    assert opened.completion_appointment == appointment
    assert not Task.objects.filter(source_key=f"review:{opened.pk}", status="open").exists()
    with _travel(datetime.date(2026, 6, 3)):
        response = client_for(cast.nurse_a).get("/caseload/")
    assert b"Re-evaluation overdue" not in response.content
    assert run_job_on(datetime.date(2026, 6, 3)) == 0  # nothing to reopen, and the next is due in 2028
    referral = referrals.referral_mark_seen(actor=neuropsychologist, referral=Referral.objects.get())
    referrals.referral_complete(actor=neuropsychologist, referral=referral, note="Report sent")
    assert run_job_on(datetime.date(2026, 6, 4)) == 0


def test_an_assessment_done_elsewhere_is_recorded_by_the_team_with_its_date_and_who(
    cast, opened, neuropsychologist
):
    with _travel(datetime.date(2026, 5, 2)):
        review_record_completed(
            actor=neuropsychologist,
            review=opened,
            completed_on=datetime.date(2026, 4, 28),
            completed_by=neuropsychologist,
        )
        with pytest.raises(ApplicationError) as again:
            review_record_completed(
                actor=neuropsychologist,
                review=opened,
                completed_on=datetime.date(2026, 4, 28),
                completed_by=neuropsychologist,
            )
    assert again.value.code == "stale"
    opened.refresh_from_db()
    assert (opened.completed_on, opened.completed_by) == (datetime.date(2026, 4, 28), neuropsychologist)
    due = {p.pk: d for p, d in services.review_candidates(opened.policy)}
    assert due[cast.child_a.pk] == datetime.date(2028, 4, 28)  # the next one runs from the recorded date


def test_only_the_team_records_an_assessment_and_never_in_the_future_or_by_a_family(
    cast, opened, neuropsychologist
):
    with pytest.raises(PermissionDenied):
        review_record_completed(
            actor=cast.nurse_a,
            review=opened,
            completed_on=datetime.date(2026, 3, 1),
            completed_by=cast.nurse_a,
        )
    with _travel(datetime.date(2026, 5, 2)), pytest.raises(ValidationError) as refused:
        review_record_completed(
            actor=neuropsychologist,
            review=opened,
            completed_on=datetime.date(2026, 5, 3),
            completed_by=cast.family_a,
        )
    assert set(refused.value.message_dict) == {"completed_on", "completed_by"}
    assert ReviewDue.objects.still_due().get() == opened


def test_a_declined_automatic_referral_gives_the_named_nurse_a_task(cast, opened, neuropsychologist):
    _decline(neuropsychologist, opened)
    task = Task.objects.get(source=Task.Source.REFERRAL_DECLINED)
    assert (task.assignee, task.patient, task.priority) == (cast.nurse_a, cast.child_a, Task.Priority.HIGH)
    assert "Declined because: Seen last year" in task.detail
    assert task.link_url == f"/referrals/{opened.referral_id}/"


def test_a_declined_referral_made_by_a_person_tells_them_not_the_nurse(cast, neuropsychologist):
    referral = referrals.referral_create(
        actor=cast.nurse_a,
        patient=cast.child_a,
        target_team=neuropsychologist.staff_profile.teams.get(),
        reason="School",
    )
    referrals.referral_decline(actor=neuropsychologist, referral=referral, reason="Not yet")
    assert not Task.objects.filter(source=Task.Source.REFERRAL_DECLINED).exists()
