"""Service-level targets and the beat job that finds breaches, with time frozen."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from apps.referrals import services
from apps.referrals.models import ServiceLevelTarget
from apps.referrals.services import referrals_check_service_levels, triage_due_at
from apps.referrals.services.service_levels import seen_due_at
from apps.tasks import selectors as task_selectors
from apps.tasks.models import Task
from apps.workingtime.models import BankHoliday

from ..factories import PatientFactory
from . import Status, make_people, refer

LONDON = ZoneInfo("Europe/London")
SECOND = datetime.timedelta(seconds=1)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def people(db):
    people = make_people()
    ServiceLevelTarget.objects.create(
        team=people.oncology, urgency="routine", triage_working_days=5, seen_within_days=42
    )
    ServiceLevelTarget.objects.create(
        team=people.oncology, urgency="urgent", triage_working_days=1, seen_within_days=14
    )
    return people


@pytest.fixture
def easter_2026(db):
    BankHoliday.objects.create(day=datetime.date(2026, 4, 3), name="Good Friday")
    BankHoliday.objects.create(day=datetime.date(2026, 4, 6), name="Easter Monday")


def sla_tasks(referral=None):
    tasks = Task.objects.filter(source=Task.Source.SLA_BREACH)
    return tasks.filter(link_url=f"/referrals/{referral.pk}/") if referral else tasks


def check_at(moment: datetime.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return referrals_check_service_levels()


def test_routine_triage_is_due_five_working_days_later_across_a_weekend_and_bank_holidays(
    people, easter_2026
):
    # Submitted on the Thursday before Easter. Good Friday, the weekend and Easter Monday do not count:
    # Tue 7, Wed 8, Thu 9, Fri 10, Mon 13 April.
    with time_machine.travel(at(2026, 4, 2), tick=False):
        referral = refer(people)
    due = at(2026, 4, 13)
    assert triage_due_at(referral) == due

    assert check_at(due - SECOND) == 0
    referral.refresh_from_db()
    assert referral.triage_breached_at is None
    assert not sla_tasks().exists()

    just_after = due + datetime.timedelta(minutes=1)
    assert check_at(just_after) == 1
    referral.refresh_from_db()
    assert referral.triage_breached_at == just_after
    assert referral.seen_breached_at is None  # six weeks are not up
    task = sla_tasks(referral).get()
    assert task.source_key == f"referral:{referral.pk}:sla:triage"
    assert (task.team, task.assignee, task.patient) == (people.oncology, None, people.child)
    assert (task.priority, task.due_on, task.status) == (Task.Priority.URGENT, due.date(), Task.Status.OPEN)
    assert task.title == "Referral not triaged in time"

    # Running again, the same day or days later, adds nothing and keeps the first flag.
    assert check_at(just_after + datetime.timedelta(minutes=5)) == 0
    assert check_at(just_after + datetime.timedelta(days=3)) == 0
    referral.refresh_from_db()
    assert referral.triage_breached_at == just_after
    assert sla_tasks().count() == 1


def test_the_breach_task_lands_in_the_target_teams_queue_only(people, easter_2026):
    with time_machine.travel(at(2026, 4, 2), tick=False):
        referral = refer(people)
    with time_machine.travel(at(2026, 4, 14), tick=False):
        assert referrals_check_service_levels() == 1
        queue = task_selectors.worklist(user=people.oncologist, name="team")
        assert sla_tasks(referral).get() in queue
        assert not task_selectors.worklist(user=people.outsider, name="team").filter(
            source=Task.Source.SLA_BREACH
        )
        assert not task_selectors.tasks_visible_to(people.referrer).filter(source=Task.Source.SLA_BREACH)


def test_without_the_bank_holidays_the_same_referral_is_due_on_the_thursday(people):
    with time_machine.travel(at(2026, 4, 2), tick=False):
        referral = refer(people)
    assert triage_due_at(referral) == at(2026, 4, 9)


def test_a_triaged_referral_is_not_flagged_for_triage(people, easter_2026):
    with time_machine.travel(at(2026, 4, 2), tick=False):
        referral = refer(people)
    with time_machine.travel(at(2026, 4, 10), tick=False):
        services.referral_accept(actor=people.oncologist, referral=referral)
    assert check_at(at(2026, 4, 20)) == 0
    referral.refresh_from_db()
    assert referral.triage_breached_at is None


def test_urgent_referrals_must_be_seen_within_fourteen_days(people):
    submitted = at(2026, 3, 2, 11)  # a Monday, in GMT, well clear of the clock change
    with time_machine.travel(submitted, tick=False):
        referral = refer(people, urgency="urgent")
    with time_machine.travel(submitted + datetime.timedelta(hours=2), tick=False):
        referral = services.referral_accept(actor=people.oncologist, referral=referral)
        referral = services.referral_book(actor=people.oncologist, referral=referral)
    due = at(2026, 3, 16, 11)
    assert seen_due_at(referral) == due

    assert check_at(due - SECOND) == 0
    assert check_at(due + SECOND) == 1
    referral.refresh_from_db()
    assert referral.seen_breached_at == due + SECOND
    assert referral.triage_breached_at is None
    task = sla_tasks(referral).get()
    assert task.source_key == f"referral:{referral.pk}:sla:seen"
    assert task.title == "Referral not seen in time"
    assert task.team == people.oncology

    assert check_at(due + datetime.timedelta(days=1)) == 0
    assert sla_tasks().count() == 1


def test_an_untriaged_urgent_referral_breaches_both_targets_once_each(people):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        referral = refer(people, urgency="urgent")
    # Triage was due on Tuesday 3 March: the first run after it flags triage only.
    assert check_at(at(2026, 3, 4)) == 1
    # Fifteen days on, the seen target has gone too: flagged, and triage is not flagged again.
    assert check_at(at(2026, 3, 17)) == 1
    assert check_at(at(2026, 3, 18)) == 0
    keys = sorted(sla_tasks(referral).values_list("source_key", flat=True))
    assert keys == [f"referral:{referral.pk}:sla:seen", f"referral:{referral.pk}:sla:triage"]


def test_seen_within_days_are_calendar_days_across_the_clock_change(people):
    # Submitted at 10:00 GMT; fourteen calendar days later is 10:00 BST, after the clocks go forward.
    with time_machine.travel(at(2026, 3, 20), tick=False):
        referral = refer(people, urgency="urgent")
    assert seen_due_at(referral) == at(2026, 4, 3)
    assert seen_due_at(referral).astimezone(datetime.UTC).hour == 9


def test_seen_or_closed_referrals_and_teams_without_targets_are_left_alone(people, settings):
    settings.SERVICE_LEVEL_DEFAULTS = {}  # with the default switched off (HAZ-06: it is on unless a clinic says so)
    with time_machine.travel(at(2026, 3, 2), tick=False):
        declined = refer(people)
        services.referral_decline(actor=people.oncologist, referral=declined, reason="Not for us")
        no_target = refer(people, target_team=people.outsider.staff_profile.teams.get())
        seen = refer(people, urgency="urgent", patient=PatientFactory(named_nurse=people.referrer))
        for step in (
            services.referral_accept,
            services.referral_book,
            services.referral_mark_seen,
        ):
            seen = step(actor=people.oncologist, referral=seen)
    assert check_at(at(2026, 6, 1)) == 0
    assert not sla_tasks().exists()
    assert no_target.status == Status.SUBMITTED


def test_the_job_accepts_an_explicit_now(people):
    with time_machine.travel(at(2026, 3, 2), tick=False):
        referral = refer(people)
    due = triage_due_at(referral)
    assert referrals_check_service_levels(now=due - SECOND) == 0
    assert referrals_check_service_levels(now=due) == 1
    assert referrals_check_service_levels(now=due) == 0


# HAZ-06: a team with no service-level row is checked against the documented default.


def test_a_team_without_a_target_is_checked_against_the_documented_default(people):
    team = people.outsider.staff_profile.teams.get()
    assert not ServiceLevelTarget.objects.filter(team=team).exists()
    with time_machine.travel(at(2026, 3, 2), tick=False):  # a Monday
        referral = refer(people, target_team=team)
    assert triage_due_at(referral) == at(2026, 3, 9)  # 5 working days, the routine default
    assert check_at(at(2026, 3, 9) - SECOND) == 0
    assert check_at(at(2026, 3, 9)) == 1
    assert check_at(at(2026, 3, 10)) == 0  # once
    task = sla_tasks(referral).get()
    assert (task.team, task.priority, task.title) == (
        team,
        Task.Priority.URGENT,
        "Referral not triaged in time",
    )


def test_a_row_for_the_team_replaces_the_default(people):
    team = people.outsider.staff_profile.teams.get()
    ServiceLevelTarget.objects.create(
        team=team, urgency="routine", triage_working_days=10, seen_within_days=60
    )
    with time_machine.travel(at(2026, 3, 2), tick=False):
        referral = refer(people, target_team=team)
    assert triage_due_at(referral) == at(2026, 3, 16)
