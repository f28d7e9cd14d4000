"""The stored re-evaluation dates equal a fresh computation: for the demo data, and after each kind of
change made through the services (without the daily repair)."""

import datetime

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.db import connection
from django.db.models import Min
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import StaffProfile, Team
from apps.accounts.services import system_user
from apps.notifications.models import Notification
from apps.pathways import services as pathways
from apps.pathways.models import SpecialtyTrack
from apps.patients.models import Patient
from apps.patients.services import patient_register, patient_update
from apps.referrals.models import Referral
from apps.scheduling import services
from apps.scheduling.models import Appointment, ReviewDue, ReviewOverride, ReviewPolicy, ReviewSchedule
from apps.scheduling.services.review_outcomes import review_record_completed
from apps.tasks.models import Task

from ..factories import PatientFactory, StaffFactory, TeamFactory
from . import at
from .test_reviews import assess, diagnose, run_job_on

Stage = SpecialtyTrack.Stage


def assert_stored_equal_fresh() -> None:
    """Per active policy: the stored dates are ``review_candidates``' and the stored "still due" dates
    are the earliest opened review not completed; a waiting row has no open review."""
    for policy in ReviewPolicy.objects.filter(is_active=True).select_related("target_team"):
        fresh = {patient.pk: due for patient, due in services.review_candidates(policy)}
        rows = ReviewSchedule.objects.filter(policy=policy)
        stored = dict(rows.filter(due_on__isnull=False).values_list("patient_id", "due_on"))
        assert stored == fresh, policy
        still = dict(
            ReviewDue.objects.still_due()
            .filter(policy=policy)
            .values("patient_id")
            .annotate(first=Min("due_on"))
            .values_list("patient_id", "first")
        )
        assert (
            dict(rows.filter(still_due_on__isnull=False).values_list("patient_id", "still_due_on")) == still
        )
        opened = set(ReviewDue.objects.filter(policy=policy).values_list("patient_id", "due_on"))
        for patient_id, due in rows.filter(status=ReviewSchedule.Status.WAITING).values_list(
            "patient_id", "due_on"
        ):
            assert patient_id not in still and (patient_id, due) not in opened
    assert not ReviewSchedule.objects.exclude(policy__is_active=True).exists()


def admin_save(model_admin_of: type, obj: object, *, change: bool) -> None:
    """Save through the admin, as a clinic administrator does (its save_model keeps the dates)."""
    request = RequestFactory().post("/")
    site._registry[model_admin_of].save_model(request, obj, form=None, change=change)


@pytest.fixture
def consultant(db):
    return StaffFactory(role=StaffProfile.Role.CONSULTANT, role__teams=[Team.Code.NEUROPSYCHOLOGY])


def new_policy() -> ReviewPolicy:
    """A policy created in the admin (demo values), which stores every child's date at once."""
    policy = ReviewPolicy(
        name="Neuropsychology re-evaluation (demo values)",
        target_team=TeamFactory(code=Team.Code.NEUROPSYCHOLOGY),
        appointment_kind=Appointment.Kind.NEUROPSYCHOLOGY,
        baseline_within_months=6,
        interval_months=24,
        lead_time_days=84,
    )
    admin_save(ReviewPolicy, policy, change=False)
    return policy


@pytest.fixture
def policy(db) -> ReviewPolicy:
    return new_policy()


def row(patient: Patient, policy: ReviewPolicy) -> ReviewSchedule | None:
    return ReviewSchedule.objects.filter(patient=patient, policy=policy).first()


@pytest.mark.django_db
def test_the_demo_data_stores_the_dates_a_fresh_computation_gives():
    call_command("seed_demo")
    # Some demo steps after scheduling's write review inputs around the services: the daily repair,
    # as the beat job runs it, stores them; after it the stored dates equal a fresh computation.
    services.review_schedules_repair()
    assert ReviewSchedule.objects.exists()
    assert_stored_equal_fresh()
    assert services.review_schedules_repair() == 0


def test_a_policy_created_stores_the_date_of_every_child_already_diagnosed(cast, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    policy = ReviewPolicy(
        name="Neuropsychology",
        target_team=TeamFactory(code=Team.Code.NEUROPSYCHOLOGY),
        appointment_kind=Appointment.Kind.NEUROPSYCHOLOGY,
        baseline_within_months=6,
        interval_months=24,
    )
    admin_save(ReviewPolicy, policy, change=False)
    assert row(cast.child_a, policy).due_on == datetime.date(2026, 6, 1)
    assert_stored_equal_fresh()

    policy.baseline_within_months = 3
    admin_save(ReviewPolicy, policy, change=True)
    assert row(cast.child_a, policy).due_on == datetime.date(2026, 3, 1)
    policy.is_active = False
    admin_save(ReviewPolicy, policy, change=True)
    assert row(cast.child_a, policy) is None
    assert_stored_equal_fresh()


def test_a_diagnosis_date_and_a_changed_one_store_the_baseline(cast, policy, consultant):
    assert row(cast.child_a, policy) is None
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    stored = row(cast.child_a, policy)
    assert (stored.due_on, stored.status) == (datetime.date(2026, 6, 1), ReviewSchedule.Status.WAITING)
    diagnose(consultant, cast.child_a, datetime.date(2025, 11, 3))
    assert row(cast.child_a, policy).due_on == datetime.date(2026, 5, 3)
    assert_stored_equal_fresh()


def test_an_attended_assessment_and_one_recorded_by_hand_move_the_date(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    assert row(cast.child_a, policy).status == ReviewSchedule.Status.OPENED
    assert row(cast.child_a, policy).still_due_on == datetime.date(2026, 6, 1)
    assert_stored_equal_fresh()

    with time_machine.travel(at(2026, 5, 20, 13), tick=False):
        assess(cast.nurse_a, cast.child_a, at(2026, 5, 20, 9))
    stored = row(cast.child_a, policy)
    assert (stored.due_on, stored.still_due_on, stored.status) == (
        datetime.date(2028, 5, 20),
        None,
        ReviewSchedule.Status.WAITING,
    )
    assert_stored_equal_fresh()

    assert run_job_on(datetime.date(2028, 2, 26)) == 1
    review = ReviewDue.objects.get(due_on=datetime.date(2028, 5, 20))
    with time_machine.travel(at(2028, 3, 1, 10), tick=False):
        review_record_completed(
            actor=consultant, review=review, completed_on=datetime.date(2028, 2, 28), completed_by=consultant
        )
    assert row(cast.child_a, policy).due_on == datetime.date(2030, 2, 28)
    assert_stored_equal_fresh()


def test_a_discharge_ends_the_date_and_a_re_referral_restores_it(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    for stage in (Stage.REFERRED, Stage.DISCHARGED):
        pathways.track_change_stage(
            actor=consultant, patient=cast.child_a, specialty="neuropsychology", to_stage=stage
        )
    assert row(cast.child_a, policy) is None
    assert_stored_equal_fresh()
    pathways.track_change_stage(
        actor=consultant, patient=cast.child_a, specialty="neuropsychology", to_stage=Stage.REFERRED
    )
    assert row(cast.child_a, policy).due_on == datetime.date(2026, 6, 1)
    assert_stored_equal_fresh()


def test_a_discharged_child_keeps_only_a_review_still_due(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    patient_update(actor=consultant, patient=cast.child_a, status=Patient.Status.DISCHARGED)
    stored = row(cast.child_a, policy)
    assert (stored.due_on, stored.still_due_on, stored.status) == (
        None,
        datetime.date(2026, 6, 1),
        ReviewSchedule.Status.NOT_APPLICABLE,
    )
    assert_stored_equal_fresh()
    patient_update(actor=consultant, patient=cast.child_a, status=Patient.Status.ACTIVE)
    assert row(cast.child_a, policy).status == ReviewSchedule.Status.OPENED
    assert_stored_equal_fresh()


def test_a_child_registered_and_diagnosed_is_stored_and_a_date_of_birth_changes_nothing(policy, consultant):
    child = patient_register(
        actor=consultant,
        hospital_number="H990001",
        given_name="Rosa",
        family_name="Register",
        date_of_birth=datetime.date(2023, 4, 1),
        status=Patient.Status.ACTIVE,
    )
    assert row(child, policy) is None  # no diagnosis yet: not due
    diagnose(consultant, child, datetime.date(2025, 12, 1))
    patient_update(actor=consultant, patient=child, date_of_birth=datetime.date(2023, 5, 1))
    assert row(child, policy).due_on == datetime.date(2026, 6, 1)
    assert_stored_equal_fresh()


def test_a_childs_own_interval_set_in_the_admin_moves_the_date(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2024, 1, 15))
    with time_machine.travel(at(2024, 7, 3, 13), tick=False):
        assess(cast.nurse_a, cast.child_a, at(2024, 7, 3, 9))
    assert row(cast.child_a, policy).due_on == datetime.date(2026, 7, 3)
    override = ReviewOverride(
        patient=cast.child_a, policy=policy, interval_months=12, reason="School", set_by=consultant
    )
    admin_save(ReviewOverride, override, change=False)
    assert row(cast.child_a, policy).due_on == datetime.date(2025, 7, 3)
    site._registry[ReviewOverride].delete_model(RequestFactory().post("/"), override)
    assert row(cast.child_a, policy).due_on == datetime.date(2026, 7, 3)
    assert_stored_equal_fresh()


def test_the_daily_repair_puts_right_a_date_that_drifted(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    ReviewSchedule.objects.filter(patient=cast.child_a).update(due_on=datetime.date(2030, 1, 1))
    ReviewSchedule.objects.create(
        patient=cast.child_b, policy=policy, due_on=datetime.date(2020, 1, 1), status="waiting"
    )
    assert services.review_schedules_repair() == 2
    assert_stored_equal_fresh()
    assert services.review_schedules_repair() == 0


def _repair_queries() -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        repaired = services.review_schedules_repair()
    return repaired, len(queries)


def test_the_repair_job_costs_the_same_queries_for_3_or_30_children(policy, consultant):
    _diagnosed_children(consultant, 3, datetime.date(2025, 12, 1))
    ReviewSchedule.objects.update(due_on=datetime.date(2030, 1, 1))  # drifted, around the services
    repaired, few = _repair_queries()
    idle, idle_few = _repair_queries()
    assert (repaired, idle) == (3, 0)
    _diagnosed_children(consultant, 27, datetime.date(2025, 12, 1))
    ReviewSchedule.objects.update(due_on=datetime.date(2030, 1, 1))
    repaired, many = _repair_queries()
    idle, idle_many = _repair_queries()
    assert (repaired, many, idle, idle_many) == (30, few, 0, idle_few)
    assert idle_many <= 20
    assert_stored_equal_fresh()


# --- The daily job reads the index ----------------------------------------------------------------


def _diagnosed_children(consultant, count: int, on: datetime.date) -> list[Patient]:
    children = [PatientFactory() for _ in range(count)]
    for child in children:
        diagnose(consultant, child, on)
    return children


def _job_queries(day: datetime.date) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        opened = run_job_on(day)
    return opened, len(queries)


def test_an_idle_run_is_a_few_queries_whatever_the_number_of_children(policy, consultant):
    _diagnosed_children(consultant, 3, datetime.date(2025, 12, 1))  # due 1 Jun 2026: not yet within 84 days
    run_job_on(datetime.date(2026, 1, 4))  # the first run ever also creates the automatic account
    opened, few = _job_queries(datetime.date(2026, 1, 5))
    assert opened == 0
    _diagnosed_children(consultant, 27, datetime.date(2025, 12, 1))
    opened, many = _job_queries(datetime.date(2026, 1, 5))
    assert (opened, many) == (0, few)
    assert many <= 20


def test_a_busy_run_costs_the_same_queries_for_3_or_30_reviews(policy, consultant):
    run_job_on(datetime.date(2026, 1, 4))  # the first run ever also creates the automatic account
    _diagnosed_children(consultant, 3, datetime.date(2025, 12, 1))
    opened, few = _job_queries(datetime.date(2026, 3, 9))
    assert opened == 3
    _diagnosed_children(consultant, 30, datetime.date(2025, 12, 2))
    opened, many = _job_queries(datetime.date(2026, 3, 10))
    assert (opened, many) == (30, few)


def test_the_bulk_opening_writes_what_referral_open_writes(cast, policy, consultant):
    diagnose(consultant, cast.child_a, datetime.date(2025, 12, 1))
    assert run_job_on(datetime.date(2026, 3, 9)) == 1
    referral = Referral.objects.get()
    assert list(referral.events.order_by("pk").values_list("from_status", "to_status", "note")) == [
        ("", Referral.Status.DRAFT, "Opened automatically"),
        (Referral.Status.DRAFT, Referral.Status.SUBMITTED, ""),
    ]
    assert referral.submitted_at is not None and referral.source_user == system_user()
    track = SpecialtyTrack.objects.get(patient=cast.child_a, specialty="neuropsychology")
    assert track.stage == Stage.REFERRED
    assert list(track.events.values_list("from_stage", "to_stage", "note")) == [
        (Stage.NOT_INVOLVED, Stage.REFERRED, "Referral submitted")
    ]
    triage = Task.objects.get(source=Task.Source.REFERRAL_TRIAGE)
    assert (triage.team, triage.source_key, triage.due_on) == (
        policy.target_team,
        f"referral:{referral.pk}:triage",
        datetime.date(2026, 3, 16),  # five working days (the documented default target)
    )
    assert Notification.objects.filter(recipient=cast.nurse_a, kind="task_assigned").count() == 1
