"""The daily job: policy rows give children their questionnaires before a clinic, monthly in follow-up
and weekly in a watch, once each (a second run adds nothing), in queries that do not grow with rows,
and each new assignment reminds the family through the outbox in the same transaction."""

import datetime

import pytest
from django.utils import timezone

from apps.notifications.models import Delivery, Notification
from apps.pathways.models import SpecialtyTrack
from apps.questionnaires.jobs import assignments_create_due
from apps.questionnaires.models import Assignment, AssignmentPolicy
from apps.scheduling import services as scheduling
from tests.factories import GuardianFactory, PatientFactory

Kind = AssignmentPolicy.Kind


def _only(kind: str) -> None:
    AssignmentPolicy.objects.exclude(kind=kind).update(is_active=False)


def _clinic(cast, child, days: int, kind: str = "neurology_clinic"):
    start = timezone.now() + datetime.timedelta(days=days)
    return scheduling.appointment_book(
        actor=cast.nurse_a,
        patient=child,
        kind=kind,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )


def _in_follow_up(child) -> None:
    SpecialtyTrack.objects.update_or_create(
        patient=child, specialty="neurology", defaults={"stage": SpecialtyTrack.Stage.MONITORING}
    )


def test_before_a_clinic_the_family_gets_the_questionnaire_once_with_a_reminder(
    cast, demo_questionnaire, django_capture_on_commit_callbacks
):
    _only(Kind.BEFORE_CLINIC)
    soon = _clinic(cast, cast.child_a, days=5)
    _clinic(cast, cast.child_a, days=20)  # beyond the policy's 7 days
    _clinic(cast, cast.child_a, days=3, kind="mri")  # not a clinic
    with django_capture_on_commit_callbacks():
        assert assignments_create_due() == 1
    [assignment] = Assignment.objects.all()
    assert assignment.reason == Assignment.Reason.BEFORE_CLINIC and assignment.patient == cast.child_a
    assert assignment.due_on == timezone.localdate(soon.starts_at)
    assert assignment.version.is_current and assignment.source_key.endswith(f":{soon.pk}")
    note = Notification.objects.get(recipient=cast.family_a, kind="questionnaire_assigned")
    assert Delivery.objects.filter(notification=note, to_address=cast.family_a.email).exists()
    assert assignments_create_due() == 0
    assert (
        Assignment.objects.count() == 1
        and Notification.objects.filter(kind="questionnaire_assigned").count() == 1
    )


def test_monthly_in_follow_up_once_a_month(cast, demo_questionnaire):
    _only(Kind.MONTHLY_FOLLOW_UP)
    _in_follow_up(cast.child_a)
    today = timezone.localdate()
    assert assignments_create_due(today=today) == 1
    assert assignments_create_due(today=today + datetime.timedelta(days=1)) == (
        0 if (today + datetime.timedelta(days=1)).month == today.month else 1
    )
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    assert assignments_create_due(today=next_month) == 1
    assert set(Assignment.objects.values_list("patient", flat=True)) == {
        cast.child_a.pk
    }  # B is not monitoring


def test_weekly_during_a_watch_only_for_children_in_one(cast, demo_questionnaire, fake_watch):
    _only(Kind.WEEKLY_IN_WATCH)
    assert assignments_create_due() == 0
    fake_watch.open(cast.child_b.pk, reason="Family reported a fever")
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    assert assignments_create_due(today=monday) == 1
    assert assignments_create_due(today=monday + datetime.timedelta(days=6)) == 0  # the same week
    assert assignments_create_due(today=monday + datetime.timedelta(days=7)) == 1
    assert set(Assignment.objects.values_list("patient", "reason")) == {(cast.child_b.pk, "weekly_in_watch")}
    assert Notification.objects.filter(recipient=cast.family_b, kind="questionnaire_assigned").count() == 2


def test_an_inactive_questionnaire_or_policy_assigns_nothing(cast, demo_questionnaire):
    _in_follow_up(cast.child_a)
    _clinic(cast, cast.child_a, days=2)
    demo_questionnaire.is_active = False
    demo_questionnaire.save(update_fields=["is_active"])
    assert assignments_create_due() == 0


@pytest.mark.parametrize("children", [1, 6])
def test_the_job_queries_do_not_grow_with_children_and_an_idle_run_writes_nothing(
    cast, demo_questionnaire, fake_watch, children, django_assert_max_num_queries
):
    for _ in range(children):
        child = PatientFactory(named_nurse=cast.nurse_a)
        GuardianFactory(patient=child)
        cast.member_a.__class__.objects.create(
            patient=child, user=cast.nurse_a, start_date=timezone.localdate()
        )
        _in_follow_up(child)
        _clinic(cast, child, days=4)
        fake_watch.open(child.pk)
    # 3 policies: policies, versions, watch filter, one read per policy, the claim, the reminders.
    with django_assert_max_num_queries(16) as busy:
        assert assignments_create_due() == 3 * children
    with django_assert_max_num_queries(8) as idle:
        assert assignments_create_due() == 0
    writes = [q["sql"] for q in idle.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert all("ON CONFLICT DO NOTHING" in sql for sql in writes)
    assert not any("notifications_" in sql for sql in writes)
    assert len(busy.captured_queries) <= 16
