"""The diary prompt beat job: daily to the families of children in a watch, never (demo) otherwise or
at the clinic's lower rate; idempotent on a second run; a constant number of queries when idle."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications.models import Delivery, Notification
from apps.watch.models import DiaryPrompt, WatchPolicy
from apps.watch.prompts import diary_prompts_send
from apps.watch.services import watch_today, watch_trigger
from tests.factories import FamilyFactory, GuardianFactory, PatientFactory

from .conftest import days


def _prompts(user):  # type: ignore[no-untyped-def]
    return Notification.objects.filter(recipient=user, kind="diary_prompt")


def test_families_in_a_watch_are_prompted_once_a_day_through_the_outbox(cast, fill_in):
    watch_trigger(patient=cast.child_a, code="fever", detail="today")
    assert diary_prompts_send() == 1
    [notice] = _prompts(cast.family_a)
    assert notice.url == f"/portal/children/{cast.child_a.pk}/diary/" and "Alice" in notice.title
    assert Delivery.objects.filter(notification=notice).exists()  # the email, in the outbox
    assert not _prompts(cast.family_b).exists()  # no watch for Bobby, and no prompts outside one (demo)
    assert diary_prompts_send() == 0  # a second run the same day: nothing new
    assert _prompts(cast.family_a).count() == 1
    assert diary_prompts_send(today=watch_today() + days(1)) == 1  # the next day of the watch


def test_no_prompt_for_a_day_the_family_has_filled_in(cast, fill_in):
    watch_trigger(patient=cast.child_a, code="fever", detail="today")
    fill_in(illness="fever")
    assert diary_prompts_send() == 0
    assert not DiaryPrompt.objects.exists()


def test_outside_a_watch_the_clinics_lower_rate_applies(cast):
    WatchPolicy.objects.filter(code="default").update(prompt_every_days_otherwise=7)
    today = watch_today()
    assert diary_prompts_send(today=today) == 2  # both families, neither child in a watch
    assert diary_prompts_send(today=today + days(3)) == 0  # within the week
    assert diary_prompts_send(today=today + days(7)) == 2
    assert set(DiaryPrompt.objects.values_list("in_watch", flat=True)) == {False}


def test_an_idle_run_costs_the_same_for_few_or_many_families(cast):
    def idle_queries() -> int:
        with CaptureQueriesContext(connection) as run:
            assert diary_prompts_send() == 0
        return len(run.captured_queries)

    few = idle_queries()
    for n in range(8):
        GuardianFactory(patient=PatientFactory(given_name=f"Child{n}"), user=FamilyFactory())
    assert idle_queries() == few == 2  # the policy, and the pairs due
