"""Transition to adult services: plans open at the configured age, milestones give tasks once, the
transfer discharges the tracks, and only the care team changes a plan."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from apps.pathways.models import Specialty, SpecialtyTrack
from apps.pathways.services import track_move
from apps.patients.models import Patient
from apps.tasks.models import Task
from apps.transition import services
from apps.transition.milestones import milestone_tasks_open, transition_daily, years_before
from apps.transition.models import Milestone, ReadinessItem, TransitionPlan
from carecoord.errors import ApplicationError
from tests.factories import PatientFactory

Stage = SpecialtyTrack.Stage


def _aged(cast, years: int, days: int = 0) -> Patient:
    """Child A, made ``years`` old (plus ``days``) today."""
    today = timezone.localdate()
    cast.child_a.date_of_birth = years_before(today, years) - datetime.timedelta(days=days)
    cast.child_a.save(update_fields=["date_of_birth"])
    return cast.child_a


def _transition_tasks(patient: Patient) -> list[Task]:
    return list(Task.objects.filter(patient=patient, source=Task.Source.TRANSITION).order_by("pk"))


def test_a_child_gets_a_plan_and_its_first_task_on_their_13th_birthday_not_the_day_before(cast):
    child = _aged(cast, 13)
    assert transition_daily(today=timezone.localdate() - datetime.timedelta(days=1)) == (0, 0)
    assert not TransitionPlan.objects.exists()
    opened, tasks = transition_daily()
    assert (opened, tasks) == (1, 1)
    plan = TransitionPlan.objects.get(patient=child)
    assert plan.status == TransitionPlan.Status.OPEN and plan.opened_on == timezone.localdate()
    [task] = _transition_tasks(child)
    assert task.title == f"Name a transition worker for {child.given_name} and start the readiness checklist"
    assert task.assignee == cast.nurse_a  # the named nurse, until a worker is named
    assert task.link_url == f"/patients/{child.pk}/transition/"


def test_the_daily_job_run_twice_opens_nothing_twice(cast):
    _aged(cast, 15)
    transition_daily()
    first = (TransitionPlan.objects.count(), Task.objects.filter(source=Task.Source.TRANSITION).count())
    assert transition_daily() == (0, 0)
    assert (
        TransitionPlan.objects.count(),
        Task.objects.filter(source=Task.Source.TRANSITION).count(),
    ) == first


def test_discharged_and_younger_children_get_no_plan(cast):
    PatientFactory(date_of_birth=years_before(timezone.localdate(), 14), status=Patient.Status.DISCHARGED)
    PatientFactory(date_of_birth=years_before(timezone.localdate(), 12))
    assert transition_daily() == (0, 0)


def test_the_age_is_a_setting(cast, settings):
    settings.TRANSITION_PLAN_FROM_AGE = 14
    _aged(cast, 13, days=200)
    assert transition_daily()[0] == 0
    settings.TRANSITION_PLAN_FROM_AGE = 13
    assert transition_daily()[0] == 1


def test_an_idle_run_costs_the_same_queries_for_many_children(cast, django_assert_max_num_queries):
    for _ in range(20):
        PatientFactory(date_of_birth=years_before(timezone.localdate(), 5))
    with django_assert_max_num_queries(4):
        transition_daily()


def test_the_14th_birthday_milestone_opens_its_lead_time_before(cast):
    child = _aged(cast, 13, days=10)
    transition_daily()
    milestone = Milestone.objects.get(code="agree-adult-team")
    birthday_14 = years_before(timezone.localdate(), -1) - datetime.timedelta(days=10)
    before = birthday_14 - datetime.timedelta(days=milestone.lead_days + 1)
    milestone_tasks_open(today=before)
    assert len(_transition_tasks(child)) == 1
    milestone_tasks_open(today=before + datetime.timedelta(days=1))
    assert [t.title for t in _transition_tasks(child)][-1].startswith("Agree the adult team")
    assert _transition_tasks(child)[-1].due_on == birthday_14


def test_setting_a_target_date_brings_the_joint_appointment_task_when_it_is_near(cast):
    child = _aged(cast, 17)
    transition_daily()
    plan = TransitionPlan.objects.get(patient=child)
    target = timezone.localdate() + datetime.timedelta(days=200)
    services.plan_update(actor=cast.nurse_a, plan=plan, named_worker=cast.nurse_a, target_transfer_on=target)
    transition_daily()
    titles = [t.title for t in _transition_tasks(child)]
    assert any(t.startswith("Book a joint appointment") for t in titles)  # 180 days before, 28 days' lead
    assert not any(t.startswith("Prepare") for t in titles)  # 30 days before: not yet


def test_milestone_tasks_go_to_the_named_worker_once_named(cast):
    child = _aged(cast, 17)
    transition_daily()
    plan = TransitionPlan.objects.get(patient=child)
    services.plan_update(
        actor=cast.nurse_a,
        plan=plan,
        named_worker=cast.nurse_a,
        target_transfer_on=timezone.localdate() + datetime.timedelta(days=20),
    )
    transition_daily()
    assert {t.assignee for t in _transition_tasks(child)} == {cast.nurse_a}


def _transferable(cast) -> TransitionPlan:
    child = _aged(cast, 17)
    transition_daily()
    plan = TransitionPlan.objects.get(patient=child)
    for specialty in (Specialty.NEUROLOGY, Specialty.NURSING):
        track_move(actor=cast.nurse_a, patient=child, specialty=specialty, to_stage=Stage.REFERRED)
        track_move(actor=cast.nurse_a, patient=child, specialty=specialty, to_stage=Stage.ASSESSING)
    return services.plan_update(
        actor=cast.nurse_a, plan=plan, named_worker=cast.nurse_a, adult_team="Adult neurology"
    )


def test_the_transfer_discharges_every_involved_track_with_the_reason(cast):
    plan = _transferable(cast)
    services.plan_transfer(actor=cast.nurse_a, plan=plan, transferred_on=timezone.localdate())
    plan.refresh_from_db()
    assert plan.status == TransitionPlan.Status.TRANSFERRED
    tracks = {t.specialty: t for t in SpecialtyTrack.objects.filter(patient=plan.patient)}
    assert tracks["neurology"].stage == Stage.DISCHARGED and tracks["nursing"].stage == Stage.DISCHARGED
    assert tracks["oncology"].stage == Stage.NOT_INVOLVED  # never involved: left alone
    assert tracks["neurology"].events.latest("at").note == "Transferred to adult services"


def test_follow_up_checks_fall_due_at_3_and_6_months_after_the_transfer(cast):
    plan = _transferable(cast)
    services.plan_transfer(actor=cast.nurse_a, plan=plan, transferred_on=timezone.localdate())
    day_84 = timezone.localdate() + datetime.timedelta(days=84)
    milestone_tasks_open(today=day_84)
    titles = [t.title for t in _transition_tasks(plan.patient)]
    assert any("3 months after transfer" in t for t in titles)
    assert not any("6 months after transfer" in t for t in titles)
    milestone_tasks_open(today=timezone.localdate() + datetime.timedelta(days=176))
    assert any("6 months after transfer" in t.title for t in _transition_tasks(plan.patient))


def test_a_second_transfer_is_refused_and_changes_nothing(cast):
    plan = _transferable(cast)
    services.plan_transfer(actor=cast.nurse_a, plan=plan, transferred_on=timezone.localdate())
    plan.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.plan_transfer(actor=cast.nurse_a, plan=plan, transferred_on=timezone.localdate())
    plan.refresh_from_db()
    assert plan.transferred_on == timezone.localdate()


@pytest.mark.parametrize(
    ("adult_team", "days", "field"),
    [("", 0, "adult_team"), ("Adult neurology", 1, "transferred_on")],
)
def test_a_transfer_needs_an_adult_team_and_a_date_not_in_the_future(cast, adult_team, days, field):
    plan = _transferable(cast)
    plan.adult_team = adult_team
    plan.save(update_fields=["adult_team"])
    with pytest.raises(ValidationError) as refused:
        services.plan_transfer(
            actor=cast.nurse_a, plan=plan, transferred_on=timezone.localdate() + datetime.timedelta(days=days)
        )
    assert field in refused.value.message_dict
    plan.refresh_from_db()
    assert plan.status == TransitionPlan.Status.OPEN
    assert SpecialtyTrack.objects.filter(patient=plan.patient, stage=Stage.DISCHARGED).count() == 0


def test_break_glass_readers_and_other_nurses_cannot_change_a_plan(cast):
    child = _aged(cast, 14)
    transition_daily()
    plan = TransitionPlan.objects.get(patient=child)
    item = ReadinessItem.objects.first()
    for outsider in (cast.nurse_glass, cast.nurse_other):
        with pytest.raises(PermissionDenied):
            services.readiness_record(actor=outsider, plan=plan, item=item, ready=True)
        with pytest.raises(PermissionDenied):
            services.plan_update(actor=outsider, plan=plan, named_worker=None, adult_team="Elsewhere")
    plan.refresh_from_db()
    assert plan.adult_team == "" and not plan.checks.exists()


def test_the_named_worker_must_be_staff_and_names_are_refused_not_cut(cast):
    child = _aged(cast, 14)
    transition_daily()
    plan = TransitionPlan.objects.get(patient=child)
    with pytest.raises(ValidationError) as refused:
        services.plan_update(actor=cast.nurse_a, plan=plan, named_worker=cast.family_a, adult_team="x" * 151)
    assert set(refused.value.message_dict) == {"named_worker", "adult_team"}


def test_a_joint_appointment_must_be_the_young_persons_own(cast):
    from apps.scheduling.models import Appointment

    child = _aged(cast, 14)
    transition_daily()
    plan = TransitionPlan.objects.get(patient=child)
    other = Appointment.objects.create(
        patient=cast.child_b,
        kind=Appointment.Kind.values[0],
        starts_at=timezone.now() + datetime.timedelta(days=30),
        ends_at=timezone.now() + datetime.timedelta(days=30, hours=1),
        created_by=cast.nurse_a,
    )
    with pytest.raises(ValidationError):
        services.joint_appointment_set(actor=cast.nurse_a, plan=plan, appointment=other)


@pytest.mark.django_db(transaction=False)
def test_the_13_year_old_in_the_demo_data_has_a_plan_and_its_first_task(settings):
    call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    teens = [p for p in Patient.objects.filter(status=Patient.Status.ACTIVE) if p.age_on(today) == 13]
    assert teens, "the demo has a 13-year-old"
    for young in teens:
        plan = TransitionPlan.objects.get(patient=young)
        [first] = Task.objects.filter(
            patient=young, source=Task.Source.TRANSITION, source_key__endswith="name-worker"
        )
        assert first.status == Task.Status.OPEN and plan.status == TransitionPlan.Status.OPEN


def test_the_transfer_stores_a_handover_summary_for_staff_until_released(cast):
    from apps.documents.models import FamilyDocument

    plan = _transferable(cast)
    services.plan_transfer(
        actor=cast.nurse_a, plan=plan, transferred_on=timezone.localdate(), note="Seen at the joint clinic"
    )
    [summary] = FamilyDocument.objects.filter(patient=plan.patient, kind=services.HANDOVER_KIND)
    assert summary.released_at is None  # staff-only until someone releases it
    with summary.file.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert summary.dated == timezone.localdate() and summary.version == 1
