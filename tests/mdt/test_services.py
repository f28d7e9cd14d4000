import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.mdt import services
from apps.mdt.models import Item, Outcome
from apps.tasks.models import Task
from carecoord.errors import ApplicationError

from ..factories import PatientFactory, StaffFactory


def _list(cast, mdt, patient=None, question="Step up to rituximab? Score 9/18 after 3 pulses", **kwargs):
    return services.item_add(
        actor=cast.nurse_a, meeting=mdt.meeting, patient=patient or cast.child_a, question=question, **kwargs
    )


def _due(days):
    return datetime.date(2026, 3, 2) + datetime.timedelta(days=days)


def test_care_team_member_lists_a_child_with_the_question_and_material(cast, mdt, score):
    item = _list(cast, mdt, scores=[score])
    assert item.position == 1
    assert list(item.scores.all()) == [score]
    assert item.added_by == cast.nurse_a


def test_a_child_cannot_be_listed_twice_for_one_meeting(cast, mdt):
    _list(cast, mdt)
    with pytest.raises(ApplicationError) as exc:
        _list(cast, mdt, question="Again")
    assert exc.value.fields == {"patient": ["This child is already on this meeting's list."]}
    assert Item.objects.filter(meeting=mdt.meeting).count() == 1


def test_only_the_care_team_lists_a_child(cast, mdt):
    with pytest.raises(PermissionDenied):
        services.item_add(actor=cast.nurse_glass, meeting=mdt.meeting, patient=cast.child_a, question="Q?")
    with pytest.raises(PermissionDenied):
        services.item_add(actor=cast.nurse_other, meeting=mdt.meeting, patient=cast.child_a, question="Q?")
    assert not Item.objects.exists()


def test_an_empty_question_and_another_childs_material_are_refused_in_plain_words(cast, mdt, score):
    with pytest.raises(ValidationError) as exc:
        _list(cast, mdt, patient=mdt.child_c, question="  ", scores=[score])
    assert exc.value.message_dict == {
        "question": ["Write the question for the meeting."],
        "scores": ["Link only this child's own record."],
    }
    assert not Item.objects.exists()


def test_the_chair_orders_the_list_and_others_cannot(cast, mdt):
    first, second = _list(cast, mdt), _list(cast, mdt, patient=mdt.child_c)
    with pytest.raises(PermissionDenied):
        services.items_order(actor=cast.nurse_a, meeting=mdt.meeting, item_ids=[second.pk, first.pk])
    services.items_order(actor=mdt.chair, meeting=mdt.meeting, item_ids=[second.pk, first.pk])
    assert list(Item.objects.filter(meeting=mdt.meeting).values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    services.item_move(actor=mdt.chair, item=Item.objects.get(pk=first.pk), offset=-1)
    assert list(Item.objects.filter(meeting=mdt.meeting).values_list("pk", flat=True)) == [
        first.pk,
        second.pk,
    ]


def test_ordering_from_a_stale_list_is_refused(cast, mdt):
    first = _list(cast, mdt)
    _list(cast, mdt, patient=mdt.child_c)
    with pytest.raises(ApplicationError) as exc:
        services.items_order(actor=mdt.chair, meeting=mdt.meeting, item_ids=[first.pk])
    assert exc.value.code == "stale"


def test_carrying_over_moves_the_child_to_the_teams_next_meeting_with_the_reason(cast, mdt, score):
    item = _list(cast, mdt, scores=[score])
    carried = services.item_carry_over(actor=mdt.chair, item=item, reason="MRI not yet reported")
    assert carried.meeting == mdt.later
    assert carried.carried_from == item
    assert carried.carry_reason == "MRI not yet reported"
    assert carried.question == item.question
    assert list(carried.scores.all()) == [score]
    item.refresh_from_db()
    assert item.status == Item.Status.CARRIED_OVER
    with pytest.raises(ApplicationError):
        services.item_carry_over(actor=mdt.chair, item=item, reason="Again")


def test_carry_over_needs_a_reason_and_a_later_meeting(cast, mdt):
    item = _list(cast, mdt)
    with pytest.raises(ValidationError) as exc:
        services.item_carry_over(actor=mdt.chair, item=item, reason=" ")
    assert exc.value.message_dict == {"reason": ["Say why the child is carried over."]}
    later_item = services.item_add(actor=cast.nurse_a, meeting=mdt.later, patient=mdt.child_c, question="Q?")
    with pytest.raises(ValidationError) as exc:
        services.item_carry_over(actor=mdt.chair, item=later_item, reason="Not reached")
    assert "no later meeting" in exc.value.message_dict["reason"][0]


def test_an_outcome_makes_each_action_a_task_and_a_task_to_tell_the_family(cast, mdt):
    item = _list(cast, mdt)
    oncologist = StaffFactory(full_name="Olive Oncologist")
    outcome = services.outcome_record(
        actor=mdt.chair,
        item=item,
        decision="Start rituximab; repeat MRI in 3 months.",
        agreed_by=[mdt.chair, oncologist],
        actions=[
            services.ActionSpec("Prescribe rituximab", mdt.chair, _due(7)),
            services.ActionSpec("Request MRI", oncologist, _due(14)),
        ],
        tell_family=True,
    )
    tasks = Task.objects.filter(source=Task.Source.MDT_OUTCOME, patient=cast.child_a)
    assert {(t.assignee, t.due_on) for t in tasks} == {
        (mdt.chair, _due(7)),
        (oncologist, _due(14)),
        (cast.nurse_a, _due(2)),  # the named nurse tells the family
    }
    assert all(a.task_id for a in outcome.actions.all())
    item.refresh_from_db()
    assert item.status == Item.Status.DISCUSSED


def test_an_outcome_is_recorded_once_and_an_amendment_keeps_history_without_duplicate_tasks(cast, mdt):
    item = _list(cast, mdt)
    spec = services.ActionSpec("Prescribe rituximab", mdt.chair, _due(7))
    outcome = services.outcome_record(
        actor=mdt.chair,
        item=item,
        decision="Start rituximab.",
        agreed_by=[mdt.chair],
        actions=[spec],
        tell_family=True,
    )
    with pytest.raises(ApplicationError) as exc:
        services.outcome_record(actor=mdt.chair, item=item, decision="Again", agreed_by=[mdt.chair])
    assert exc.value.code == "stale"
    services.outcome_amend(
        actor=mdt.chair,
        outcome=outcome,
        decision="Start rituximab after IVIG.",
        agreed_by=[mdt.chair],
        tell_family=True,
    )
    outcome.refresh_from_db()
    assert outcome.decision == "Start rituximab after IVIG."
    assert [h.decision for h in outcome.history.order_by("history_date")] == [
        "Start rituximab.",
        "Start rituximab after IVIG.",
    ]
    assert outcome.history.first().history_user == mdt.chair
    assert Task.objects.filter(source=Task.Source.MDT_OUTCOME).count() == 2  # the action and the family call
    assert Outcome.objects.count() == 1


def test_only_the_chair_records_an_outcome_and_bad_actions_are_explained(cast, mdt):
    item = _list(cast, mdt)
    with pytest.raises(PermissionDenied):
        services.outcome_record(actor=cast.nurse_a, item=item, decision="X", agreed_by=[cast.nurse_a])
    with pytest.raises(ValidationError) as exc:
        services.outcome_record(
            actor=mdt.chair,
            item=item,
            decision="",
            agreed_by=[],
            actions=[services.ActionSpec("Call", mdt.chair, _due(-1))],
        )
    assert exc.value.message_dict == {
        "decision": ["Write the decision in words."],
        "agreed_by": ["Name at least one person who agreed the decision."],
        "actions": ["Action 1: give a due date from today on."],
    }
    assert not Outcome.objects.exists()
    assert not Task.objects.filter(source=Task.Source.MDT_OUTCOME).exists()


def test_the_outcome_appears_on_the_childs_pathway_timeline(cast, mdt):
    from apps.pathways.timeline import timeline_for

    item = _list(cast, mdt)
    services.outcome_record(actor=mdt.chair, item=item, decision="Start rituximab.", agreed_by=[mdt.chair])
    entries = [e for e in timeline_for(cast.child_a) if e.kind == "mdt_outcome"]
    assert [e.summary for e in entries] == ["OMS clinic MDT: Start rituximab."]
    assert entries[0].url == f"/mdt/items/{item.pk}/"
    assert not [e for e in timeline_for(PatientFactory()) if e.kind == "mdt_outcome"]


def test_attendance_is_the_chairs_list_of_staff(cast, mdt):
    services.attendance_record(actor=mdt.chair, meeting=mdt.meeting, present=[mdt.chair, cast.nurse_a])
    present = services.attendance_record(actor=mdt.chair, meeting=mdt.meeting, present=[cast.nurse_a])
    assert [a.user for a in present] == [cast.nurse_a]
    with pytest.raises(ValidationError):
        services.attendance_record(actor=mdt.chair, meeting=mdt.meeting, present=[cast.family_a])
    with pytest.raises(PermissionDenied):
        services.attendance_record(actor=cast.nurse_a, meeting=mdt.meeting, present=[])


def test_the_demo_has_an_upcoming_oms_clinic_mdt_with_two_children_listed(db):
    from django.core.management import call_command

    from apps.mdt.models import Meeting

    call_command("seed_demo")
    call_command("seed_demo")  # a second run adds nothing
    meeting = Meeting.objects.get(title="OMS clinic MDT")
    assert meeting.items.count() == 2
    assert all(i.question and i.scores.exists() for i in meeting.items.all())
