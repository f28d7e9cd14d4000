"""Watch periods: what opens one (a wean through the real course service, illness, fever or a jab in
the diary), one open watch per child (a new trigger extends it), staff extending and ending with a
reason, the worse-diary task, the caseload flag and the kernel hook."""

import datetime

import time_machine
from django.utils import timezone

from apps.diary.models import DiaryEntry
from apps.pathways import services as pathways
from apps.tasks.models import Task
from apps.watch.models import WatchEvent, WatchPeriod
from apps.watch.services import watch_today
from carecoord import watch as watch_hook

from .conftest import answers, days

Kind = WatchEvent.Kind


def _wean(consultant, child, on: datetime.date | None = None):  # type: ignore[no-untyped-def]
    course = pathways.course_create(
        actor=consultant, patient=child, agent="prednisolone", start_date=watch_today() - days(60)
    )
    return pathways.course_transition(actor=consultant, course=course, to_status="weaning", on_date=on)


def test_a_wean_opens_a_watch_from_the_weans_date(cast, consultant):
    today = watch_today()
    _wean(consultant, cast.child_a, on=today - days(2))
    [watch] = WatchPeriod.objects.filter(patient=cast.child_a)
    assert watch.status == "open" and watch.reason == "Weaning prednisolone"
    assert watch.starts_on == today - days(2) and watch.ends_on == today - days(2) + days(
        27
    )  # 28 days (demo)
    assert [e.kind for e in watch.events.all()] == [Kind.OPENED]
    assert watch_hook.active_watches([cast.child_a.pk, cast.child_b.pk], today) == {
        cast.child_a.pk: watch_hook.WatchState("Weaning prednisolone", watch.ends_on)
    }
    assert watch_hook.patients_in_watch(today) == {cast.child_a.pk}


def test_a_wean_recorded_long_after_its_watch_would_have_ended_opens_nothing(cast, consultant):
    _wean(consultant, cast.child_a, on=watch_today() - days(40))
    assert not WatchPeriod.objects.exists()


def test_a_new_trigger_extends_the_open_watch_instead_of_stacking(cast, consultant, fill_in):
    _wean(consultant, cast.child_a)
    first_end = WatchPeriod.objects.get().ends_on
    later = timezone.now() + days(20)
    with time_machine.travel(later, tick=False):
        fill_in(illness="fever")
    [watch] = WatchPeriod.objects.filter(patient=cast.child_a)
    assert watch.ends_on == timezone.localdate(later) + days(13) > first_end  # 14 days from the fever
    assert "Weaning prednisolone" in watch.reason and "fever" in watch.reason
    extended = watch.events.get(kind=Kind.EXTENDED)
    assert (extended.trigger.code, extended.from_ends_on, extended.to_ends_on) == (
        "fever",
        first_end,
        watch.ends_on,
    )


def test_illness_and_an_immunisation_in_the_diary_open_watches_and_an_edit_triggers_only_what_it_adds(
    cast, fill_in
):
    fill_in(illness="unwell")
    watch = WatchPeriod.objects.get(patient=cast.child_a)
    assert watch.trigger.code == "illness"
    fill_in(illness="unwell", note="Still snuffly")  # nothing new: no event
    assert watch.events.count() == 1
    fill_in(illness="unwell", immunisation=True)
    assert list(watch.events.values_list("kind", "trigger__code")) == [
        (Kind.OPENED, "illness"),
        (Kind.EXTENDED, "immunisation"),
    ]


def test_a_watch_past_its_last_day_runs_out_and_the_next_trigger_opens_a_new_one(cast, fill_in):
    fill_in(illness="fever")
    with time_machine.travel(timezone.now() + days(30), tick=False):
        fill_in(immunisation=True)
    old, new = WatchPeriod.objects.order_by("starts_on")
    assert old.status == "ended" and old.ended_on == old.ends_on + days(1)
    assert old.events.last().kind == Kind.RAN_OUT
    assert new.status == "open" and new.trigger.code == "immunisation"


# --- A worse diary entry ---------------------------------------------------------------------------


def _diary_tasks(child):  # type: ignore[no-untyped-def]
    return Task.objects.filter(patient=child, source=Task.Source.DIARY_WORSE)


def test_a_worse_entry_during_a_watch_gives_the_named_nurse_one_urgent_task_a_day(cast, consultant, fill_in):
    _wean(consultant, cast.child_a)
    yesterday = watch_today() - days(1)
    DiaryEntry.objects.create(patient=cast.child_a, day=yesterday, recorded_by=cast.family_a, **answers())
    fill_in(unsteadiness=1)  # none yesterday, mild today: a rise of one level
    [task] = _diary_tasks(cast.child_a)
    assert task.priority == Task.Priority.URGENT and task.assignee == cast.nurse_a
    assert task.due_on == watch_today()
    assert "Worse during watch" in task.title and "unsteadiness mild, was none" in task.title
    assert task.link_url == f"/patients/{cast.child_a.pk}/diary/#day-{watch_today().isoformat()}"
    fill_in(unsteadiness=2, jerks=2)  # changed again the same day: still one task
    assert _diary_tasks(cast.child_a).count() == 1


def test_a_fever_with_marked_signs_opens_the_watch_and_the_same_entry_is_urgent(cast, fill_in):
    fill_in(illness="fever", eye_movements=2)
    assert WatchPeriod.objects.filter(patient=cast.child_a, status="open").exists()
    [task] = _diary_tasks(cast.child_a)
    assert task.priority == Task.Priority.URGENT and "eye movements marked" in task.title


def test_outside_a_watch_a_worse_entry_is_a_routine_task_and_a_steady_one_is_nothing(cast, fill_in):
    yesterday = watch_today() - days(1)
    DiaryEntry.objects.create(
        patient=cast.child_a, day=yesterday, recorded_by=cast.family_a, **answers(jerks=1)
    )
    fill_in(jerks=1)  # the same as yesterday, and below marked: not worse
    assert not _diary_tasks(cast.child_a).exists()
    fill_in(jerks=1, unsteadiness=1)
    [task] = _diary_tasks(cast.child_a)
    assert task.priority == Task.Priority.NORMAL and task.due_on == watch_today() + days(1)
    assert not WatchPeriod.objects.exists()


def test_the_worsening_thresholds_are_data(cast, fill_in):
    from apps.watch.models import WatchPolicy

    WatchPolicy.objects.filter(code="default").update(rise_by=2)
    fill_in(unsteadiness=1)  # no previous entry, a rise of one is not enough now, and mild is not marked
    assert not _diary_tasks(cast.child_a).exists()


# --- Staff: open, extend, end ----------------------------------------------------------------------


def test_staff_open_extend_and_end_a_watch_with_reasons_recorded(client, cast):
    client.force_login(cast.nurse_a)
    base = f"/patients/{cast.child_a.pk}/watch/"
    assert client.post(base + "open/", {"days": "10", "reason": ""}).status_code == 400  # a reason is needed
    assert client.post(base + "open/", {"days": "10", "reason": "Sibling has chickenpox"}).status_code == 302
    watch = WatchPeriod.objects.get(patient=cast.child_a)
    assert watch.ends_on == watch_today() + days(9) and watch.opened_by == cast.nurse_a
    assert client.post(base + "extend/", {"days": "7", "reason": "Still unwell"}).status_code == 302
    watch.refresh_from_db()
    assert watch.ends_on == watch_today() + days(16)
    assert client.post(base + "end/", {"reason": "Seen in clinic, settled"}).status_code == 302
    watch.refresh_from_db()
    assert watch.status == "ended" and watch.ended_on == watch_today()
    events = list(watch.events.values_list("kind", "actor", "reason"))
    assert events == [
        (Kind.OPENED, cast.nurse_a.pk, "Sibling has chickenpox"),
        (Kind.EXTENDED, cast.nurse_a.pk, "Still unwell"),
        (Kind.ENDED, cast.nurse_a.pk, "Seen in clinic, settled"),
    ]
    assert watch_hook.patients_in_watch(watch_today()) == set()  # ended today: not in force today
    page = client.get(base)
    assert page.status_code == 200 and b"Seen in clinic, settled" in page.content


def test_a_break_glass_reader_sees_the_watch_but_cannot_change_it(client, api_for, cast, fill_in):
    fill_in(illness="fever")
    client.force_login(cast.nurse_glass)
    base = f"/patients/{cast.child_a.pk}/watch/"
    assert client.get(base).status_code == 200
    assert client.post(base + "end/", {"reason": "No"}).status_code == 403
    api = api_for(cast.nurse_glass)
    assert api.post(f"/api/v1{base}end/", {"reason": "No"}, format="json").status_code == 403
    assert WatchPeriod.objects.get().status == "open"


def test_the_api_lists_watches_for_staff_and_refuses_families(api_for, cast, fill_in):
    fill_in(illness="fever")
    staff = api_for(cast.nurse_a)
    [row] = staff.get(f"/api/v1/patients/{cast.child_a.pk}/watch/").json()
    assert row["trigger"] == "fever" and row["events"][0]["kind"] == "opened"
    ended = staff.post(f"/api/v1/patients/{cast.child_a.pk}/watch/end/", {"reason": "Settled"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    again = staff.post(f"/api/v1/patients/{cast.child_a.pk}/watch/end/", {"reason": "Settled"}, format="json")
    assert again.status_code == 409
    family = api_for(cast.family_a)
    assert family.get(f"/api/v1/patients/{cast.child_a.pk}/watch/").status_code == 403


# --- The caseload ----------------------------------------------------------------------------------


def test_the_caseload_shows_watch_with_its_reason(client, cast, consultant):
    _wean(consultant, cast.child_a)
    client.force_login(cast.nurse_a)
    response = client.get("/caseload/")
    [row] = [r for r in response.context["rows"] if r["patient"] == cast.child_a]
    [reason] = [r for r in row["reasons"] if r.key == "watch"]
    ends = WatchPeriod.objects.get().ends_on
    assert reason.text == f"Watch until {ends.day} {ends:%b}: Weaning prednisolone"
    assert reason.clinical and reason.link == f"/patients/{cast.child_a.pk}/diary/"
    assert cast.child_a.attention_score.parts["watch"] == 1  # stored in the same transaction
    assert b"Weaning prednisolone" in response.content
