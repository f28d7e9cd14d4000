"""Tasks: idempotent generated tasks, claiming (and its race), completing, cancelling, reassigning,
and the worklists each member of staff sees."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.notifications.models import Notification
from apps.tasks import selectors, services
from apps.tasks.models import Task, TaskComment, TaskEvent
from carecoord.errors import ApplicationError

from ..factories import GuardianFactory, PatientFactory, StaffFactory


@pytest.fixture
def teammate(db):
    return StaffFactory(
        full_name="Tom Teammate", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )


@pytest.fixture
def oncologist(db):
    return StaffFactory(full_name="Olga Onc", role=StaffProfile.Role.CONSULTANT, role__teams=["oncology"])


@pytest.fixture
def nursing(nurse):
    return Team.objects.get(code="nursing")


@pytest.fixture
def oncology(oncologist):
    return Team.objects.get(code="oncology")


def queue_task(team, **fields) -> Task:
    fields.setdefault("title", "Phone the family about the MRI")
    fields.setdefault("source", Task.Source.MANUAL)
    return services.task_open(team=team, **fields)


def today() -> datetime.date:
    return timezone.localdate()


# --- Opening tasks --------------------------------------------------------------------------------


def test_a_source_key_makes_opening_idempotent(nursing):
    first = queue_task(nursing, source_key="referral:1:triage", source=Task.Source.REFERRAL_TRIAGE)
    again = queue_task(nursing, source_key="referral:1:triage", title="A different title")
    assert again.pk == first.pk
    assert again.title == "Phone the family about the MRI"
    assert Task.objects.count() == 1
    queue_task(nursing, source_key="referral:1:booking")
    queue_task(nursing)
    queue_task(nursing)
    assert Task.objects.count() == 4  # tasks without a key are never merged


def test_a_task_needs_a_person_or_a_team():
    with pytest.raises(ValidationError):
        services.task_open(title="Nobody's", source=Task.Source.MANUAL)


def test_task_create_checks_its_fields(nurse, nursing):
    with pytest.raises(ValidationError) as refused:
        services.task_create(actor=nurse, title="  ", priority=9)
    assert set(refused.value.message_dict) == {"title", "assignee", "priority"}
    family = GuardianFactory().user
    with pytest.raises(ValidationError) as refused:
        services.task_create(actor=nurse, title="For a parent", assignee=family)
    assert refused.value.message_dict == {"assignee": ["Tasks can only be given to active staff."]}
    with pytest.raises(PermissionDenied) as refused:
        services.task_create(actor=family, title="From a parent", team=nursing)
    assert isinstance(refused.value, PermissionDenied)
    assert not Task.objects.exists()


def test_giving_someone_a_task_tells_them(nurse, teammate):
    task = services.task_create(actor=nurse, title="Chase the urine catecholamines", assignee=teammate)
    assert (task.assignee, task.created_by, task.status) == (teammate, nurse, Task.Status.OPEN)
    assert Notification.objects.filter(recipient=teammate, kind="task_assigned").count() == 1


# --- Claiming -------------------------------------------------------------------------------------


def test_a_member_claims_a_queue_task_and_a_second_claim_is_refused(nurse, teammate, nursing):
    task = queue_task(nursing)
    stale = Task.objects.get(pk=task.pk)
    claimed = services.task_claim(actor=nurse, task=task)
    assert (claimed.assignee, claimed.status) == (nurse, Task.Status.IN_PROGRESS)
    with pytest.raises(ApplicationError) as refused:
        services.task_claim(actor=teammate, task=stale)
    assert refused.value.code == "stale"
    assert refused.value.messages == ["This task has already been taken by Nina Nurse."]
    assert Task.objects.get(pk=task.pk).assignee == nurse


def test_only_team_members_may_claim(oncologist, nursing):
    task = queue_task(nursing)
    with pytest.raises(PermissionDenied) as refused:
        services.task_claim(actor=oncologist, task=task)
    assert isinstance(refused.value, PermissionDenied)
    assert Task.objects.get(pk=task.pk).assignee is None


@pytest.mark.postgres
def test_two_members_claiming_at_once_exactly_one_wins(transactional_db, require_postgres):
    nurse = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])
    teammate = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"])
    task = queue_task(Team.objects.get(code="nursing"))
    copies = {u.pk: Task.objects.get(pk=task.pk) for u in (nurse, teammate)}
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def claim(user) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[user.pk] = services.task_claim(actor=user, task=copies[user.pk])
        except Exception as exc:  # the loser's error, or anything unexpected, is checked below
            outcomes[user.pk] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (nurse, teammate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    winners = [pk for pk, result in outcomes.items() if isinstance(result, Task)]
    losers = [result for result in outcomes.values() if isinstance(result, ApplicationError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].code == "stale"
    task.refresh_from_db()
    assert (task.assignee_id, task.status) == (winners[0], Task.Status.IN_PROGRESS)
    assert list(TaskEvent.objects.filter(task=task).values_list("to_status", "actor")) == [
        (Task.Status.IN_PROGRESS, winners[0])
    ]


# --- Completing and cancelling --------------------------------------------------------------------


def test_completing_twice_is_harmless(nurse, teammate, nursing):
    task = queue_task(nursing)
    done = services.task_complete(actor=nurse, task=task)
    assert (done.status, done.completed_by) == (Task.Status.DONE, nurse)
    first_completed_at = done.completed_at
    again = services.task_complete(actor=teammate, task=Task.objects.get(pk=task.pk))
    assert (again.status, again.completed_by, again.completed_at) == (
        Task.Status.DONE,
        nurse,
        first_completed_at,
    )


def test_a_task_closed_by_its_source_can_still_be_completed_by_hand(nurse, nursing):
    task = queue_task(nursing, source_key="referral:7:triage")
    assert services.tasks_complete_for_sources(source_keys=["referral:7:triage", "referral:7:nothing"]) == 1
    assert services.task_complete(actor=nurse, task=task).status == Task.Status.DONE
    assert services.tasks_complete_for_sources(source_keys=["referral:7:triage"]) == 0


def test_a_cancelled_task_cannot_be_completed(nurse, nursing):
    task = queue_task(nursing)
    cancelled = services.task_cancel(actor=nurse, task=task, reason="Family declined the test")
    assert cancelled.status == Task.Status.CANCELLED
    comments = TaskComment.objects.count()
    with pytest.raises(ApplicationError) as refused:
        services.task_complete(actor=nurse, task=cancelled, note="Done anyway")
    assert refused.value.messages == ["This task was cancelled."]
    task.refresh_from_db()
    assert (task.status, task.completed_at) == (Task.Status.CANCELLED, None)
    assert TaskComment.objects.count() == comments  # a refused completion leaves no comment behind
    assert services.tasks_bulk_complete(actor=nurse, tasks=[task]) == 0
    assert Task.objects.get(pk=task.pk).status == Task.Status.CANCELLED


def test_cancelling_needs_a_reason_and_an_open_task(nurse, nursing):
    task = queue_task(nursing)
    with pytest.raises(ValidationError) as refused:
        services.task_cancel(actor=nurse, task=task, reason=" ")
    assert refused.value.message_dict == {"reason": ["Give a reason for cancelling."]}
    services.task_complete(actor=nurse, task=task)
    with pytest.raises(ApplicationError, match="Only an open task can be cancelled"):
        services.task_cancel(actor=nurse, task=task, reason="Too late")
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE
    assert not TaskComment.objects.exists()


def test_bulk_complete(nurse, nursing):
    tasks = [queue_task(nursing) for _ in range(3)]
    services.task_complete(actor=nurse, task=tasks[0])
    assert services.tasks_bulk_complete(actor=nurse, tasks=tasks) == 2
    assert set(Task.objects.values_list("status", flat=True)) == {Task.Status.DONE}


def test_bulk_complete_with_a_task_of_another_team_changes_nothing(nurse, nursing, oncology):
    mine, theirs = queue_task(nursing), queue_task(oncology)
    with pytest.raises(PermissionDenied) as refused:
        services.tasks_bulk_complete(actor=nurse, tasks=[mine, theirs])
    assert isinstance(refused.value, PermissionDenied)
    assert set(Task.objects.values_list("status", flat=True)) == {Task.Status.OPEN}


# --- Reassigning ----------------------------------------------------------------------------------


def test_reassign_to_a_person_and_back_to_the_queue(nurse, teammate, nursing):
    task = queue_task(nursing)
    services.task_claim(actor=nurse, task=task)
    assert services.tasks_reassign(actor=nurse, tasks=[task], assignee=teammate) == 1
    task.refresh_from_db()
    assert (task.assignee, task.team) == (teammate, nursing)
    assert Notification.objects.filter(recipient=teammate, kind="task_assigned").count() == 1
    # "Back to the team queue", keeping the team.
    assert services.tasks_reassign(actor=teammate, tasks=[task]) == 1
    task.refresh_from_db()
    assert (task.assignee, task.team, task.status) == (None, nursing, Task.Status.OPEN)
    assert task in selectors.worklist(user=nurse, name="team")


def test_reassign_to_another_teams_queue(nurse, nursing, oncology, oncologist):
    task = queue_task(nursing)
    services.task_claim(actor=nurse, task=task)
    services.tasks_reassign(actor=nurse, tasks=[task], team=oncology)
    task.refresh_from_db()
    assert (task.assignee, task.team, task.status) == (None, oncology, Task.Status.OPEN)
    assert task in selectors.worklist(user=oncologist, name="team")
    assert task not in selectors.tasks_visible_to(nurse)


def test_a_personal_task_cannot_go_back_to_a_queue_it_never_had(nurse, teammate):
    task = services.task_create(actor=nurse, title="Write the discharge letter", assignee=teammate)
    with pytest.raises(ValidationError) as refused:
        services.tasks_reassign(actor=teammate, tasks=[task])
    assert refused.value.message_dict == {"assignee": ["Choose a person or a team queue."]}
    assert Task.objects.get(pk=task.pk).assignee == teammate


def test_tasks_cannot_be_given_to_a_family(nurse, nursing):
    task = queue_task(nursing)
    with pytest.raises(ValidationError):
        services.tasks_reassign(actor=nurse, tasks=[task], assignee=GuardianFactory().user)
    assert Task.objects.get(pk=task.pk).assignee is None


# --- Worklists ------------------------------------------------------------------------------------


def test_worklists_are_scoped_to_me_and_my_teams(nurse, teammate, nursing, oncology):
    child = PatientFactory(named_nurse=nurse)
    mine = services.task_open(title="Mine", source="manual", assignee=nurse, team=nursing, patient=child)
    queued = queue_task(nursing, title="Queued")
    theirs_personal = services.task_open(title="Teammate's", source="manual", assignee=teammate)
    other_team = queue_task(oncology, title="Oncology queue")
    overdue = queue_task(nursing, title="Late", due_on=today() - datetime.timedelta(days=1))
    done = queue_task(nursing, title="Done")
    services.task_complete(actor=nurse, task=done)
    old = queue_task(nursing, title="Done long ago")
    Task.objects.filter(pk=old.pk).update(
        status=Task.Status.DONE, completed_at=timezone.now() - datetime.timedelta(days=30)
    )

    def titles(name: str, **filters) -> set[str]:
        return {t.title for t in selectors.worklist(user=nurse, name=name, **filters)}

    assert titles("mine") == {"Mine"}
    assert titles("team") == {"Queued", "Late"}
    assert titles("overdue") == {"Late"}
    assert titles("done") == {"Done"}
    assert titles("nonsense") == set()
    assert titles("mine", patient_id=child.pk) == {"Mine"}
    assert titles("team", due_to=today()) == {"Late"}
    assert titles("team", due_from=today()) == set()
    visible = set(selectors.tasks_visible_to(nurse))
    assert other_team not in visible and theirs_personal not in visible
    assert {mine, queued, overdue, done} <= visible


def test_worklist_page_filters_by_source_and_priority(client, nurse, nursing):
    queue_task(nursing, title="Routine chase")
    queue_task(nursing, title="Breach", source=Task.Source.SLA_BREACH, priority=Task.Priority.URGENT)
    client.force_login(nurse)
    response = client.get("/tasks/", {"list": "team", "source": "sla_breach"})
    assert [t.title for t in response.context["tasks"]] == ["Breach"]
    response = client.get("/tasks/", {"list": "team", "priority": str(Task.Priority.NORMAL)})
    assert [t.title for t in response.context["tasks"]] == ["Routine chase"]
    assert response.context["counts"] == {"mine": 0, "team": 2, "overdue": 0}


def test_another_teams_task_is_404_on_every_task_page(client, nurse, oncology):
    task = queue_task(oncology)
    client.force_login(nurse)
    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    for action in ("claim", "start", "complete", "cancel", "comment"):
        assert client.post(f"/tasks/{task.pk}/{action}/", {"reason": "x", "body": "x"}).status_code == 404
    response = client.post("/tasks/bulk/", {"action": "complete", "task": [task.pk]})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.assignee) == (Task.Status.OPEN, None)
    assert not TaskComment.objects.exists()


def test_a_family_gets_404_on_the_task_pages(client, nursing):
    task = queue_task(nursing)
    client.force_login(GuardianFactory().user)
    for url in ("/tasks/", "/tasks/new/", f"/tasks/{task.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/tasks/{task.pk}/complete/").status_code == 404
    assert client.post("/tasks/bulk/", {"action": "complete", "task": [task.pk]}).status_code == 404


def test_claim_and_complete_on_the_page(client, nurse, nursing):
    task = queue_task(nursing)
    client.force_login(nurse)
    response = client.post(f"/tasks/{task.pk}/claim/", {"list": "team"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="task-{task.pk}"')
    assert Task.objects.get(pk=task.pk).assignee == nurse
    response = client.post(f"/tasks/{task.pk}/complete/")
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == Task.Status.DONE


def test_bulk_actions_on_the_page(client, nurse, teammate, nursing):
    tasks = [queue_task(nursing) for _ in range(2)]
    client.force_login(nurse)
    ids = [t.pk for t in tasks]
    client.post("/tasks/bulk/", {"action": "reassign", "task": ids, "assignee": teammate.pk})
    assert set(Task.objects.values_list("assignee", flat=True)) == {teammate.pk}
    # The form's defaults: "Back to the team queue" and "Keep the team".
    response = client.post("/tasks/bulk/", {"action": "reassign", "task": ids, "assignee": "", "team": ""})
    assert response.status_code == 302
    assert set(Task.objects.values_list("assignee", flat=True)) == {None}
    client.post("/tasks/bulk/", {"action": "complete", "task": ids})
    assert set(Task.objects.values_list("status", flat=True)) == {Task.Status.DONE}


@pytest.mark.parametrize("size", [3, 40])
@pytest.mark.parametrize("name", ["mine", "team", "overdue", "done"])
def test_worklist_query_count_does_not_grow_with_its_rows(
    client, nurse, nursing, django_assert_max_num_queries, size, name
):
    late = today() - datetime.timedelta(days=2)
    for i in range(size):
        task = services.task_open(
            title=f"Task {i}",
            source=Task.Source.SLA_BREACH,
            team=nursing,
            assignee=nurse if name == "mine" else None,
            patient=PatientFactory(named_nurse=nurse),
            due_on=late,
        )
        if name == "done":
            services.task_complete(actor=nurse, task=task)
    client.force_login(nurse)
    with django_assert_max_num_queries(14) as queries:  # 12, the page's count and the header's unread count
        response = client.get("/tasks/", {"list": name})
    assert len(response.context["tasks"]) == size
    # The user's teams are read once for the page (roles.team_ids through the request memo), though
    # the list and its counts both ask.
    mine = 'SELECT "accounts_team"."id" AS "pk"'
    team_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(mine)]
    assert len(team_reads) == 1


def test_a_long_worklist_comes_a_page_at_a_time_and_says_how_many_there_are(client, nurse, nursing):
    for i in range(53):
        services.task_open(
            title=f"Ring family {i:02d}",
            source=Task.Source.SLA_BREACH,
            team=nursing,
            assignee=nurse,
            patient=PatientFactory(named_nurse=nurse),
            due_on=today() + datetime.timedelta(days=i),
        )
    client.force_login(nurse)
    first = client.get("/tasks/", {"list": "mine", "sort": "due"})
    assert len(first.context["tasks"]) == 50
    assert b"53 tasks, showing 1 to 50" in first.content
    assert b"Page 1 of 2" in first.content
    second = client.get("/tasks/", {"list": "mine", "sort": "due", "page": 2})
    assert [t.title for t in second.context["tasks"]] == [
        "Ring family 50",
        "Ring family 51",
        "Ring family 52",
    ]
    assert b'href="?list=mine&amp;sort=due&amp;page=1"' in second.content  # the list and sort are kept


def test_completing_a_done_task_again_adds_no_comment(db):
    from apps.accounts.models import StaffProfile
    from apps.tasks import services
    from apps.tasks.models import Task, TaskComment

    from ..factories import StaffFactory

    nurse = StaffFactory(role=StaffProfile.Role.NURSE_SPECIALIST)
    task = Task.objects.create(title="Ring back", assignee=nurse)
    services.task_complete(actor=nurse, task=task, note="Spoke to mum")
    services.task_complete(actor=nurse, task=task, note="Again")
    assert list(TaskComment.objects.values_list("body", flat=True)) == ["Spoke to mum"]


# --- Worklist order -------------------------------------------------------------------------------


def test_an_urgent_task_leads_the_worklist_above_older_overdue_routine_work(client, nurse, nursing):
    for days_late in (20, 10, 5):
        services.task_open(
            title=f"Overdue review {days_late}",
            source=Task.Source.RE_EVALUATION,
            assignee=nurse,
            due_on=today() - datetime.timedelta(days=days_late),
        )
    services.task_open(
        title="Symptoms returning: call them",
        source=Task.Source.SYMPTOM_REPORT,
        assignee=nurse,
        due_on=today(),
        priority=Task.Priority.URGENT,
    )
    services.task_open(title="No date", source=Task.Source.MANUAL, assignee=nurse)
    client.force_login(nurse)
    response = client.get("/tasks/")
    assert [t.title for t in response.context["tasks"]] == [
        "Symptoms returning: call them",
        "Overdue review 20",
        "Overdue review 10",
        "Overdue review 5",
        "No date",
    ]
    html = response.content.decode()
    assert "Sorted by: <strong>urgency, then due date</strong>" in html
    assert "sort=due" in html
    # The order can be changed: by due date, urgency breaking ties; undated work last.
    response = client.get("/tasks/", {"sort": "due"})
    assert next(t.title for t in response.context["tasks"]) == "Overdue review 20"
    assert [t.title for t in response.context["tasks"]][-1] == "No date"
    assert "Sorted by: <strong>due date, then urgency</strong>" in response.content.decode()
    # An unknown order falls back to the default rather than failing.
    response = client.get("/tasks/", {"sort": "nonsense"})
    assert response.context["tasks"][0].title == "Symptoms returning: call them"


def test_team_queue_puts_urgent_first_too(nurse, nursing):
    queue_task(nursing, title="Old routine", due_on=today() - datetime.timedelta(days=30))
    queue_task(nursing, title="High", priority=Task.Priority.HIGH, due_on=today())
    queue_task(nursing, title="Urgent", priority=Task.Priority.URGENT, due_on=today())
    titles = [t.title for t in selectors.worklist(user=nurse, name="team")]
    assert titles == ["Urgent", "High", "Old routine"]
