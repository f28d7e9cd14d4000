"""Review policies: the next due date, and the daily job that opens re-evaluations once each."""

import datetime
import threading

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.accounts.services import system_user
from apps.pathways import services as pathways
from apps.pathways.models import SpecialtyTrack
from apps.patients.models import Patient
from apps.referrals import services as referrals
from apps.referrals.models import Referral, ReferralEvent
from apps.scheduling import services
from apps.scheduling.models import Appointment, ReviewDue, ReviewOverride, ReviewPolicy
from apps.tasks.models import Task

from ..factories import PatientFactory, StaffFactory, TeamFactory
from . import at, book

Stage = SpecialtyTrack.Stage


def neuropsychology_policy(**overrides) -> ReviewPolicy:
    fields = {
        "name": "Neuropsychology re-evaluation",
        "target_team": TeamFactory(code=Team.Code.NEUROPSYCHOLOGY),
        "appointment_kind": Appointment.Kind.NEUROPSYCHOLOGY,
        "baseline_within_months": 6,
        "interval_months": 24,
        "lead_time_days": 84,
        **overrides,
    }
    return ReviewPolicy.objects.create(**fields)


@pytest.fixture
def policy(db) -> ReviewPolicy:
    return neuropsychology_policy()


@pytest.fixture
def consultant(db):
    return StaffFactory(full_name="Dr Cora Consultant", role=StaffProfile.Role.CONSULTANT)


def diagnose(consultant, patient: Patient, on: datetime.date) -> None:
    pathways.assessment_update(actor=consultant, patient=patient, diagnosis_date=on)


def assess(actor, patient: Patient, starts_at: datetime.datetime) -> Appointment:
    appointment = book(actor, patient, starts_at, minutes=180, kind=Appointment.Kind.NEUROPSYCHOLOGY)
    return services.appointment_attended(actor=actor, appointment=appointment)


def due_dates(policy: ReviewPolicy) -> dict[int, datetime.date]:
    return {patient.pk: due for patient, due in services.review_candidates(policy)}


# --- Next due -------------------------------------------------------------------------------------


def test_next_due_is_the_baseline_after_diagnosis():
    policy = ReviewPolicy(baseline_within_months=6, interval_months=24)
    assert services.next_due(
        policy=policy, diagnosis_date=datetime.date(2025, 1, 15), last_completed=None
    ) == datetime.date(2025, 7, 15)
    assert services.next_due(
        policy=policy, diagnosis_date=datetime.date(2025, 8, 31), last_completed=None
    ) == datetime.date(2026, 2, 28)
    assert services.next_due(policy=policy, diagnosis_date=None, last_completed=None) is None


def test_next_due_after_an_assessment_is_the_interval_from_it():
    policy = ReviewPolicy(baseline_within_months=6, interval_months=24)
    assert services.next_due(
        policy=policy, diagnosis_date=datetime.date(2025, 1, 15), last_completed=datetime.date(2025, 7, 3)
    ) == datetime.date(2027, 7, 3)


def test_a_child_override_changes_the_interval_but_not_the_baseline():
    policy = ReviewPolicy(baseline_within_months=6, interval_months=24)
    after = services.next_due(
        policy=policy,
        diagnosis_date=datetime.date(2025, 1, 15),
        last_completed=datetime.date(2025, 7, 3),
        override_months=12,
    )
    assert after == datetime.date(2026, 7, 3)
    baseline = services.next_due(
        policy=policy, diagnosis_date=datetime.date(2025, 1, 15), last_completed=None, override_months=12
    )
    assert baseline == datetime.date(2025, 7, 15)


def test_candidates_use_the_diagnosis_the_last_attended_assessment_and_the_override(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 1, 15))
    diagnose(consultant, cast.child_b, datetime.date(2025, 2, 1))
    assert due_dates(policy) == {
        cast.child_a.pk: datetime.date(2025, 7, 15),
        cast.child_b.pk: datetime.date(2025, 8, 1),
    }

    assess(cast.nurse_a, cast.child_a, at(2025, 6, 2, 9))
    assess(cast.nurse_a, cast.child_a, at(2025, 7, 3, 23, 30))  # late evening: the London date counts
    cancelled = book(cast.nurse_a, cast.child_b, at(2025, 7, 20, 9), kind=Appointment.Kind.NEUROPSYCHOLOGY)
    services.appointment_cancel(
        actor=cast.nurse_a, appointment=cancelled, cancelled_by="family", reason="Ill"
    )
    assert due_dates(policy) == {
        cast.child_a.pk: datetime.date(2027, 7, 3),
        cast.child_b.pk: datetime.date(2025, 8, 1),
    }

    ReviewOverride.objects.create(
        patient=cast.child_a,
        policy=policy,
        interval_months=12,
        reason="Rapid change at school",
        set_by=consultant,
    )
    assert due_dates(policy)[cast.child_a.pk] == datetime.date(2026, 7, 3)


def test_a_child_without_a_diagnosis_or_an_assessment_is_not_a_candidate(cast, policy):
    assert due_dates(policy) == {}


# --- The daily job ---------------------------------------------------------------------------------


@pytest.fixture
def diagnosed(cast, consultant):
    """Child A, diagnosed on 1 Dec 2025: the baseline falls due on 1 Jun 2026; with 84 days' lead, 9 Mar 2026."""
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    return cast.child_a


def run_job_on(day: datetime.date) -> int:
    with time_machine.travel(at(day.year, day.month, day.day, 6, 30), tick=False):
        return services.reviews_open_due()


def test_the_job_opens_exactly_one_referral_and_one_task(cast, policy, diagnosed):
    assert run_job_on(datetime.date(2026, 3, 9)) == 1

    review = ReviewDue.objects.get()
    assert (review.patient, review.policy, review.due_on) == (diagnosed, policy, datetime.date(2026, 6, 1))
    referral = Referral.objects.get()
    assert review.referral == referral
    assert (referral.patient, referral.target_team.code, referral.status) == (
        diagnosed,
        "neuropsychology",
        Referral.Status.SUBMITTED,
    )
    assert "Re-evaluation due by 01 June 2026" in referral.reason
    assert set(ReferralEvent.objects.values_list("actor", flat=True)) == {system_user().pk}
    task = Task.objects.get(source=Task.Source.RE_EVALUATION)
    assert (task.assignee, task.patient, task.source_key) == (cast.nurse_a, diagnosed, f"review:{review.pk}")
    assert task.link_url == f"/referrals/{referral.pk}/"
    assert task.due_on == datetime.date(2026, 3, 23)  # a fortnight to act, as the due date is further off
    assert Task.objects.filter(source=Task.Source.REFERRAL_TRIAGE, team=policy.target_team).count() == 1


def test_a_second_run_creates_nothing(cast, policy, diagnosed):
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    assert run_job_on(datetime.date(2026, 3, 9)) == 0
    assert run_job_on(datetime.date(2026, 3, 10)) == 0
    assert (ReviewDue.objects.count(), Referral.objects.count()) == (1, 1)
    assert Task.objects.filter(source=Task.Source.RE_EVALUATION).count() == 1


def test_nothing_is_opened_before_the_lead_time(cast, policy, diagnosed):
    assert run_job_on(datetime.date(2026, 3, 8)) == 0
    assert not ReviewDue.objects.exists()
    assert not Referral.objects.exists()
    assert not Task.objects.exists()


def test_an_overdue_review_is_opened_with_a_task_due_now(cast, policy, consultant):
    diagnose(consultant, cast.child_b, datetime.date(2024, 1, 10))  # baseline was due 10 Jul 2024
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    assert ReviewDue.objects.get().due_on == datetime.date(2024, 7, 10)
    task = Task.objects.get(source=Task.Source.RE_EVALUATION)
    assert task.due_on == datetime.date(2024, 7, 10)
    assert (task.assignee, task.team) == (None, policy.target_team)  # child B has no named nurse


def discharge(consultant, patient: Patient, specialty: str) -> None:
    for stage in (Stage.REFERRED, Stage.DISCHARGED):
        pathways.track_change_stage(actor=consultant, patient=patient, specialty=specialty, to_stage=stage)


def test_nothing_is_opened_for_a_child_discharged_from_neuropsychology(cast, policy, consultant, diagnosed):
    with time_machine.travel(at(2026, 3, 1, 12), tick=False):
        discharge(consultant, diagnosed, "neuropsychology")
    assert run_job_on(datetime.date(2026, 3, 9)) == 0
    assert not ReviewDue.objects.exists()
    assert not Referral.objects.exists()


def test_a_discharge_from_another_specialty_does_not_stop_the_re_evaluation(
    cast, policy, consultant, diagnosed
):
    with time_machine.travel(at(2026, 3, 1, 12), tick=False):
        discharge(consultant, diagnosed, "surgery")
        pathways.track_change_stage(
            actor=consultant, patient=diagnosed, specialty="neuropsychology", to_stage=Stage.REFERRED
        )
        pathways.track_change_stage(
            actor=consultant, patient=diagnosed, specialty="neuropsychology", to_stage=Stage.ASSESSING
        )
        pathways.track_change_stage(
            actor=consultant, patient=diagnosed, specialty="neuropsychology", to_stage=Stage.MONITORING
        )
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    assert ReviewDue.objects.get().patient == diagnosed


def test_an_inactive_policy_opens_nothing(cast, policy, diagnosed):
    ReviewPolicy.objects.filter(pk=policy.pk).update(is_active=False)
    assert run_job_on(datetime.date(2026, 3, 9)) == 0


@pytest.fixture
def neuropsychologist(db):
    return StaffFactory(
        full_name="Dr Nell Neuropsych",
        role=StaffProfile.Role.NEUROPSYCHOLOGIST,
        role__teams=[Team.Code.NEUROPSYCHOLOGY],
    )


def see_for_the_re_evaluation(neuropsychologist, patient: Patient, referral: Referral) -> None:
    """Accept the referral, book the assessment for it on 20 May 2026 and record it attended."""
    with time_machine.travel(at(2026, 3, 12, 10), tick=False):
        referral = referrals.referral_accept(actor=neuropsychologist, referral=referral)
        appointment = book(
            neuropsychologist,
            patient,
            at(2026, 5, 20, 9),
            minutes=180,
            kind=Appointment.Kind.NEUROPSYCHOLOGY,
            clinician=neuropsychologist,
            referral=referral,
        )
    with time_machine.travel(at(2026, 5, 20, 13), tick=False):
        services.appointment_attended(actor=neuropsychologist, appointment=appointment)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SEEN


def test_after_the_assessment_the_next_review_opens_on_its_own_date(
    cast, policy, diagnosed, neuropsychologist
):
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    first = Referral.objects.get()
    see_for_the_re_evaluation(neuropsychologist, diagnosed, first)
    with time_machine.travel(at(2026, 5, 21, 9), tick=False):
        referrals.referral_complete(actor=neuropsychologist, referral=first, note="Report sent")
    assert run_job_on(datetime.date(2026, 6, 2)) == 0  # next due 20 May 2028
    assert run_job_on(datetime.date(2028, 2, 25)) == 0
    assert run_job_on(datetime.date(2028, 2, 26)) == 1  # 84 days before
    assert list(ReviewDue.objects.values_list("due_on", flat=True)) == [
        datetime.date(2026, 6, 1),
        datetime.date(2028, 5, 20),
    ]
    second = Referral.objects.exclude(pk=first.pk).get()
    assert (second.status, ReviewDue.objects.get(due_on=datetime.date(2028, 5, 20)).referral) == (
        Referral.Status.SUBMITTED,
        second,
    )


def test_a_review_falling_due_while_a_referral_is_still_open_is_opened_on_that_referral(
    cast, policy, diagnosed, neuropsychologist
):
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    first = Referral.objects.get()
    see_for_the_re_evaluation(neuropsychologist, diagnosed, first)  # seen, but never completed
    assert run_job_on(datetime.date(2028, 2, 26)) == 1
    review = ReviewDue.objects.get(due_on=datetime.date(2028, 5, 20))
    assert review.referral == first
    assert Referral.objects.count() == 1  # no second open referral to the same team
    assert Task.objects.filter(source=Task.Source.RE_EVALUATION).count() == 2
    assert run_job_on(datetime.date(2028, 2, 27)) == 0


@pytest.mark.postgres
def test_two_concurrent_runs_still_open_each_review_once(transactional_db, require_postgres):
    policy = neuropsychology_policy()
    consultant = StaffFactory(role=StaffProfile.Role.CONSULTANT)
    today = timezone.localdate()
    children = [PatientFactory() for _ in range(3)]
    for child in children:
        diagnose(consultant, child, today - relativedelta(months=6))
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.reviews_open_due(today=today))
        except Exception as exc:  # anything unexpected is checked below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a run is stuck"
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == 3  # type: ignore[arg-type]
    assert ReviewDue.objects.filter(policy=policy).count() == 3
    assert Referral.objects.filter(target_team=policy.target_team).count() == 3
    assert Task.objects.filter(source=Task.Source.RE_EVALUATION).count() == 3
