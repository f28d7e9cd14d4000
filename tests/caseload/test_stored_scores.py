"""The stored attention scores equal a fresh computation: after every kind of change through the
services (no job run), for the demo data, and after the calendar moves on (the hourly job)."""

import datetime
from collections.abc import Callable

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.caseload.models import AttentionScore
from apps.caseload.selectors import caseload_table
from apps.caseload.services import attention_refresh, fresh_scores
from apps.messaging import services as messaging
from apps.pathways import services as pathways
from apps.pathways.models import Investigation, Relapse, SymptomReport
from apps.patients import services as patients
from apps.patients.models import Patient
from apps.referrals import services as referrals
from apps.scheduling.services import appointments
from apps.tasks import services as tasks

from ..factories import GuardianFactory, StaffFactory

ANSWERS = {
    "unsteady": "a_lot",
    "jerky_movements": "a_little",
    "eye_movements": "no",
    "sleep": "a_little",
    "behaviour": "no",
    "speech": "no",
    "recent_illness": "yes",
}


def stored_and_fresh() -> tuple[dict, dict]:
    def key(score: AttentionScore) -> tuple:
        return (
            score.clinical_urgency,
            score.administrative_backlog,
            score.attention,
            score.parts,
            score.facts,
        )

    ids = list(Patient.objects.values_list("pk", flat=True))
    stored = {score.patient_id: key(score) for score in AttentionScore.objects.all()}
    return stored, {score.patient_id: key(score) for score in fresh_scores(ids)}


def assert_stored_is_fresh() -> None:
    stored, fresh = stored_and_fresh()
    assert stored == fresh


@pytest.fixture
def nurse(db):
    return StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])


@pytest.fixture
def child(nurse):
    clerk = StaffFactory(role=StaffProfile.Role.CLINIC_ADMIN)
    return patients.patient_register(
        actor=clerk,
        hospital_number="H1",
        given_name="Ada",
        family_name="Lane",
        date_of_birth=datetime.date(2023, 1, 2),
        named_nurse=nurse,
        status=Patient.Status.ACTIVE,
    )


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def overdue_task(nurse, child) -> None:
    tasks.task_create(actor=nurse, title="Call back", assignee=nurse, patient=child, due_on=yesterday())


def task_done(nurse, child) -> None:
    overdue_task(nurse, child)
    tasks.task_complete(actor=nurse, task=child.tasks.get())


def relapse(nurse, child) -> None:
    pathways.relapse_record(actor=nurse, patient=child, onset_date=yesterday(), severity="mild")


def relapse_resolved(nurse, child) -> None:
    relapse(nurse, child)
    pathways.relapse_update(
        actor=nurse, relapse=Relapse.objects.get(patient=child), resolved_on=timezone.localdate()
    )


def symptom_report(nurse, child) -> None:
    family = GuardianFactory(patient=child).user
    pathways.symptom_report_submit(actor=family, patient=child, **ANSWERS)


def symptom_report_reviewed(nurse, child) -> None:
    symptom_report(nurse, child)
    pathways.symptom_report_review(actor=nurse, report=SymptomReport.objects.get(patient=child))


def family_message(nurse, child) -> None:
    family = GuardianFactory(patient=child).user
    messaging.thread_start(actor=family, patient=child, subject="Wobbly", body="Is this normal?")


def family_answered(nurse, child) -> None:
    family_message(nurse, child)
    messaging.message_post(actor=nurse, thread=child.threads.get(), body="I will call you.")


def urgent_referral(nurse, child) -> None:
    oncology, _ = Team.objects.get_or_create(code="oncology", defaults={"name": "Oncology"})
    referrals.referral_create(
        actor=nurse, patient=child, target_team=oncology, reason="Please assess.", urgency="urgent"
    )


def abnormal_result(nurse, child) -> None:
    mri = pathways.investigation_request(actor=nurse, patient=child, kind="mri_brain")
    pathways.investigation_record_result(
        actor=nurse, investigation=mri, result_summary="Change", abnormal=True
    )


def result_acknowledged(nurse, child) -> None:
    abnormal_result(nurse, child)
    pathways.investigation_acknowledge(actor=nurse, investigation=Investigation.objects.get(patient=child))


def appointment_attended(nurse, child) -> None:
    neurology, _ = Team.objects.get_or_create(code="neurology", defaults={"name": "Neurology"})
    start = timezone.now() - datetime.timedelta(hours=2)
    appointment = appointments.appointment_create(
        actor=nurse,
        patient=child,
        kind="neurology_clinic",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        team=neurology,
    )
    appointments.appointment_attended(actor=nurse, appointment=appointment)


def track_moved(nurse, child) -> None:
    pathways.track_change_stage(actor=nurse, patient=child, specialty="nursing", to_stage="referred")


CHANGES: dict[str, Callable] = {
    "overdue task": overdue_task,
    "task done": task_done,
    "relapse": relapse,
    "relapse resolved": relapse_resolved,
    "symptom report": symptom_report,
    "symptom report reviewed": symptom_report_reviewed,
    "family message": family_message,
    "family answered": family_answered,
    "urgent referral": urgent_referral,
    "abnormal result": abnormal_result,
    "result acknowledged": result_acknowledged,
    "appointment attended": appointment_attended,
    "track moved": track_moved,
}


def test_a_registered_child_has_a_stored_score_at_once(child):
    assert (
        AttentionScore.objects.get(patient=child).parts["stale_contact"] == 1
    )  # active, no contact on record
    assert_stored_is_fresh()


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_kind_of_change_keeps_the_stored_score_in_the_same_transaction(nurse, child, change):
    before = AttentionScore.objects.get(patient=child).attention
    CHANGES[change](nurse, child)
    assert_stored_is_fresh()  # no job has run
    if change in ("overdue task", "relapse", "symptom report", "family message", "urgent referral"):
        assert AttentionScore.objects.get(patient=child).attention > before


def test_the_demo_data_is_stored_as_computed(db):
    call_command("seed_demo", verbosity=0)
    stored, fresh = stored_and_fresh()
    assert stored == fresh and len(stored) == Patient.objects.count() > 0


def test_the_hourly_job_brings_time_based_parts_up_to_date_once(nurse, child):
    tasks.task_create(actor=nurse, title="Call", assignee=nurse, patient=child, due_on=timezone.localdate())
    track_moved(nurse, child)
    assert AttentionScore.objects.get(patient=child).parts["overdue_tasks"] == 0  # due today
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert stored_and_fresh()[0] != stored_and_fresh()[1]  # the calendar moved, no write did
        assert attention_refresh(batch=1) == 1
        assert AttentionScore.objects.get(patient=child).parts["overdue_tasks"] == 1
        assert_stored_is_fresh()
        assert attention_refresh() == 0  # a second run writes nothing


def test_the_job_repairs_drift_and_a_missing_row(nurse, child):
    AttentionScore.objects.filter(patient=child).update(attention=999)
    second = Patient.objects.create(
        hospital_number="H2", given_name="Bo", family_name="Rae", date_of_birth="2022-02-02"
    )
    assert attention_refresh() == 2
    assert_stored_is_fresh() and AttentionScore.objects.filter(patient=second).exists()


def test_the_job_is_one_query_whatever_the_number_of_children(nurse, django_assert_num_queries):
    def children(prefix: str, n: int) -> None:
        Patient.objects.bulk_create(
            Patient(
                hospital_number=f"{prefix}{i}", given_name="B", family_name="B", date_of_birth="2022-01-01"
            )
            for i in range(n)
        )

    children("B", 30)
    with django_assert_num_queries(1):  # one set-based upsert (PostgreSQL)
        assert attention_refresh() == 30
    children("C", 90)
    with django_assert_num_queries(1):
        assert attention_refresh() == 90
    with django_assert_num_queries(1):
        assert attention_refresh() == 0  # idle: reads everyone, writes nothing
    assert_stored_is_fresh()


def test_a_page_reads_its_reasons_from_the_stored_row_as_a_fresh_computation_words_them(nurse, child):
    for change in (overdue_task, relapse, symptom_report, family_message, urgent_referral, abnormal_result):
        change(nurse, child)

    def words() -> list[tuple]:
        (row,) = caseload_table([child], user=nurse)
        return [(r.key, r.text, r.link) for r in row.reasons] + [row.last_contact, row.review_due_on]

    from_stored = words()
    assert len(from_stored) == 2 + 6  # six flags raised, each in words
    score = AttentionScore.objects.get(patient=child)
    score.facts["relapse_since"] = "2020-01-02"  # the page words what is stored, not a recomputation
    score.save(update_fields=["facts"])
    assert ("open_relapse", "Relapse not resolved, since 2 Jan 2020", "") in words()
    AttentionScore.objects.filter(patient=child).delete()  # not scored yet: the page computes it now
    assert words() == from_stored
