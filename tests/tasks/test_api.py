"""The task API: the four worklists and their filters, detail, writing a task, claim, start, complete,
cancel, comment, bulk complete and reassign; with scope, roles, stale moves, bad input, audit and
query counts.

Scope rule: a task is visible to its assignee and to members of its team, and those are exactly the
people who may work it. So a non-member claiming a queue task gets a 404 (it looks missing), and
a family gets a 404 on every task and a 403 on the staff collections.
"""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team
from apps.audit.models import AccessEvent
from apps.tasks import services
from apps.tasks.models import Task, TaskComment

from ..factories import CareTeamMemberFactory, GuardianFactory, PatientFactory, StaffFactory

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


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


@pytest.fixture
def child(nurse):
    return PatientFactory(given_name="Alice", family_name="Tasked", named_nurse=nurse)


def queue_task(team, **fields) -> Task:
    fields.setdefault("title", "Phone the family about the MRI")
    fields.setdefault("source", Task.Source.MANUAL)
    return services.task_open(team=team, **fields)


def url(task=None, route=""):
    return f"/api/v1/tasks/{f'{task.pk}/' if task else ''}{route}"


def snapshot():
    return (
        list(Task.objects.order_by("pk").values_list("pk", "status", "assignee_id", "team_id")),
        TaskComment.objects.count(),
    )


# --- Worklists ------------------------------------------------------------------------------------


def test_each_worklist_shows_its_own_tasks(nurse, teammate, nursing, oncology, child, api_for):
    mine = services.task_create(
        actor=teammate, title="Call back", assignee=nurse, patient=child, due_on=days(2)
    )
    queued = queue_task(nursing, title="Order dressings", due_on=days(1))
    late = queue_task(nursing, title="Chase the MRI report", due_on=days(-3), patient=child)
    done = queue_task(nursing, title="Send the letter")
    services.task_complete(actor=nurse, task=done)
    queue_task(oncology, title="Another team's queue")
    client = api_for(nurse)

    lists = {name: client.get(url(), {"list": name}).json() for name in ("mine", "team", "overdue", "done")}

    assert [t["id"] for t in lists["mine"]["results"]] == [mine.pk]
    assert [t["id"] for t in lists["team"]["results"]] == [late.pk, queued.pk]
    assert [t["id"] for t in lists["overdue"]["results"]] == [late.pk]
    assert [t["id"] for t in lists["done"]["results"]] == [done.pk]
    row = lists["mine"]["results"][0]
    assert (row["title"], row["patient"], row["patient_name"], row["assignee_name"]) == (
        "Call back",
        child.pk,
        "Alice Tasked",
        "Nina Nurse",
    )
    assert (row["status"], row["source"], row["priority"], row["overdue"]) == ("open", "manual", 2, False)
    assert lists["overdue"]["results"][0]["overdue"] is True
    assert lists["team"]["results"][0]["team_name"] == "Nursing"
    assert client.get(url()).json() == lists["mine"]  # "mine" when no list is named


def test_worklist_filters(nurse, nursing, child, api_for):
    other = PatientFactory(named_nurse=nurse)
    urgent = queue_task(nursing, patient=child, priority=Task.Priority.URGENT, due_on=days(1))
    result = queue_task(nursing, patient=child, source=Task.Source.INVESTIGATION_RESULT, due_on=days(5))
    queue_task(nursing, patient=other, due_on=days(9))
    client = api_for(nurse)

    def ids(**params):
        return [t["id"] for t in client.get(url(), {"list": "team", **params}).json()["results"]]

    assert ids(patient=child.pk) == [urgent.pk, result.pk]
    assert ids(source="investigation_result") == [result.pk]
    assert ids(priority=4) == [urgent.pk]
    assert ids(due_from=str(days(2)), due_to=str(days(6))) == [result.pk]


def test_a_bad_worklist_or_filter_is_a_400(nurse, api_for):
    response = api_for(nurse).get(url(), {"list": "everyone", "priority": 9, "due_from": "soon"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"list", "priority", "due_from"}


def test_bad_worklist_filters_say_what_is_wrong_in_plain_words(nurse, api_for):
    response = api_for(nurse).get(url(), {"list": "everyone", "patient": "x", "due_to": "31/02/2026"})
    assert response.json()["error"]["fields"] == {
        "list": ['"everyone" is not a valid choice.'],
        "patient": ["A valid integer is required."],
        "due_to": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
    }


def test_filters_do_not_narrow_a_single_task(nurse, nursing, api_for):
    task = queue_task(nursing)
    assert api_for(nurse).get(url(task), {"list": "done"}).status_code == 200


def test_worklists_never_show_another_teams_tasks(nurse, oncologist, oncology, child, api_for):
    queue_task(oncology, patient=child, due_on=days(-1))
    client = api_for(nurse)
    for name in ("mine", "team", "overdue", "done"):
        assert client.get(url(), {"list": name}).json()["count"] == 0


def test_a_worklist_audits_each_child_it_shows(nurse, nursing, child, api_for):
    queue_task(nursing, patient=child)
    queue_task(nursing, patient=child, title="Second")
    queue_task(nursing, title="No child")
    api_for(nurse).get(url(), {"list": "team"})
    assert list(AccessEvent.objects.values_list("user", "patient", "what")) == [
        (nurse.pk, child.pk, "task list")
    ]


@pytest.mark.parametrize("size", [3, 40])
def test_the_worklist_query_count_is_flat(nurse, nursing, api_for, django_assert_max_num_queries, size):
    for n in range(size):
        queue_task(nursing, patient=PatientFactory(named_nurse=nurse), due_on=days(n % 5))
    client = api_for(nurse)
    with django_assert_max_num_queries(6):  # teams (2), count, page, audit (2)
        response = client.get(url(), {"list": "team"})
    assert response.json()["count"] == size
    assert all(row["patient_name"] for row in response.json()["results"])


# --- Detail and create ----------------------------------------------------------------------------


def test_detail_shows_the_comments_and_is_audited(nurse, teammate, nursing, child, api_for):
    task = queue_task(nursing, patient=child)
    services.task_comment(actor=teammate, task=task, body="Left a voicemail")

    response = api_for(nurse).get(url(task))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["title"], body["team"]) == (task.pk, task.title, nursing.pk)
    assert [(c["author_name"], c["body"]) for c in body["comments"]] == [("Tom Teammate", "Left a voicemail")]
    [event] = AccessEvent.objects.filter(user=nurse)
    assert (event.patient, event.what, event.channel) == (child, "task", "api")


def test_a_nurse_writes_a_task_for_a_teammate_about_a_child(nurse, teammate, child, api_for):
    CareTeamMemberFactory(patient=child, user=teammate)
    body = {
        "title": "Chase the urine catecholamines",
        "assignee": teammate.pk,
        "patient": child.pk,
        "due_on": str(days(3)),
        "priority": 3,
    }

    response = api_for(nurse).post(url(), body, format="json")

    assert response.status_code == 201
    task = Task.objects.get()
    assert (task.title, task.assignee, task.patient, task.created_by) == (
        body["title"],
        teammate,
        child,
        nurse,
    )
    assert (task.due_on, task.priority, task.source) == (days(3), 3, "manual")
    assert response.json()["id"] == task.pk and response.json()["assignee_name"] == "Tom Teammate"


def test_a_task_about_a_child_out_of_scope_is_a_404_and_writes_nothing(nurse, nursing, api_for):
    stranger = PatientFactory()
    response = api_for(nurse).post(
        url(), {"title": "Snoop", "team": nursing.pk, "patient": stranger.pk}, format="json"
    )
    assert response.status_code == 404
    assert not Task.objects.exists()


def test_a_task_without_a_title_or_owner_is_a_400_with_field_errors(nurse, api_for):
    response = api_for(nurse).post(url(), {"title": " "}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "title": ["Enter what needs doing."],
        "assignee": ["Choose a person or a team queue."],
    }
    assert not Task.objects.exists()


# --- Actions --------------------------------------------------------------------------------------


def test_a_member_claims_a_queue_task_and_a_second_claim_is_a_409(nurse, teammate, nursing, api_for):
    task = queue_task(nursing)

    claimed = api_for(nurse).post(url(task, "claim/"))
    again = api_for(teammate).post(url(task, "claim/"))

    assert claimed.status_code == 200
    assert (claimed.json()["assignee"], claimed.json()["status"]) == (nurse.pk, "in_progress")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "stale"
    assert again.json()["error"]["message"] == "This task has already been taken by Nina Nurse."
    assert Task.objects.get().assignee == nurse


def test_a_non_member_claiming_a_queue_task_gets_a_404_and_nothing_changes(oncologist, nursing, api_for):
    task = queue_task(nursing)
    before = snapshot()
    response = api_for(oncologist).post(url(task, "claim/"))
    assert response.status_code == 404
    assert snapshot() == before


def test_start_complete_with_a_note_and_complete_again(nurse, nursing, api_for):
    task = queue_task(nursing)
    client = api_for(nurse)

    started = client.post(url(task, "start/"))
    done = client.post(url(task, "complete/"), {"note": "Family called back"}, format="json")
    again = client.post(url(task, "complete/"), {}, format="json")

    assert started.json()["status"] == "in_progress" and started.json()["assignee"] == nurse.pk
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert again.status_code == 200  # completing a done task is harmless
    task.refresh_from_db()
    assert (task.status, task.completed_by) == ("done", nurse)
    assert list(task.comments.values_list("body", flat=True)) == ["Family called back"]


def test_cancel_needs_a_reason_and_a_closed_task_cannot_be_cancelled(nurse, nursing, api_for):
    task = queue_task(nursing)
    client = api_for(nurse)

    missing = client.post(url(task, "cancel/"), {}, format="json")
    blank = client.post(url(task, "cancel/"), {"reason": " "}, format="json")
    before = snapshot()
    cancelled = client.post(url(task, "cancel/"), {"reason": "Duplicate"}, format="json")
    again = client.post(url(task, "cancel/"), {"reason": "Twice"}, format="json")

    assert missing.status_code == 400 and missing.json()["error"]["fields"] == {
        "reason": ["This field is required."]
    }
    assert blank.status_code == 400 and blank.json()["error"]["fields"] == {
        "reason": ["Give a reason for cancelling."]
    }
    assert before[1] == 0  # the refused attempts wrote nothing
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409 and again.json()["error"]["code"] == "stale"
    assert list(task.comments.values_list("body", flat=True)) == ["Cancelled: Duplicate"]


def test_completing_a_cancelled_task_is_a_409(nurse, nursing, api_for):
    task = queue_task(nursing)
    services.task_cancel(actor=nurse, task=task, reason="Not needed")
    response = api_for(nurse).post(url(task, "complete/"), {"note": "Done anyway"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "stale"
    assert Task.objects.get().status == "cancelled"
    assert TaskComment.objects.count() == 1


def test_a_member_comments_and_a_blank_comment_is_a_400(nurse, nursing, api_for):
    task = queue_task(nursing)
    client = api_for(nurse)
    created = client.post(url(task, "comment/"), {"body": "Left a voicemail"}, format="json")
    blank = client.post(url(task, "comment/"), {"body": ""}, format="json")
    assert created.status_code == 201
    assert (created.json()["author"], created.json()["body"]) == (nurse.pk, "Left a voicemail")
    assert blank.status_code == 400 and blank.json()["error"]["fields"] == {"body": ["Write a comment."]}
    assert TaskComment.objects.count() == 1


# --- Bulk -----------------------------------------------------------------------------------------


def test_bulk_complete_closes_the_open_ones(nurse, nursing, api_for):
    first, second, cancelled = (queue_task(nursing) for _ in range(3))
    services.task_cancel(actor=nurse, task=cancelled, reason="Duplicate")

    response = api_for(nurse).post(
        url(route="bulk-complete/"), {"ids": [first.pk, second.pk, cancelled.pk]}, format="json"
    )

    assert response.status_code == 200 and response.json() == {"count": 2}
    assert dict(Task.objects.values_list("pk", "status")) == {
        first.pk: "done",
        second.pk: "done",
        cancelled.pk: "cancelled",
    }


def test_bulk_reassign_gives_tasks_to_a_teammate_or_another_queue(
    nurse, teammate, nursing, oncology, api_for
):
    first, second = queue_task(nursing), queue_task(nursing)
    client = api_for(nurse)

    to_teammate = client.post(
        url(route="bulk-reassign/"), {"ids": [first.pk], "assignee": teammate.pk}, format="json"
    )
    to_oncology = client.post(
        url(route="bulk-reassign/"), {"ids": [second.pk], "team": oncology.pk}, format="json"
    )

    assert to_teammate.json() == {"count": 1} and to_oncology.json() == {"count": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assignee, first.team) == (teammate, nursing)
    assert (second.assignee, second.team, second.status) == (None, oncology, "open")


@pytest.mark.parametrize("route", ["bulk-complete/", "bulk-reassign/"])
def test_bulk_with_another_teams_task_is_a_404_and_changes_nothing(
    nurse, teammate, nursing, oncology, api_for, route
):
    mine, theirs = queue_task(nursing), queue_task(oncology)
    before = snapshot()
    response = api_for(nurse).post(
        url(route=route), {"ids": [mine.pk, theirs.pk], "assignee": teammate.pk}, format="json"
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_bulk_needs_ids_and_a_staff_assignee(nurse, nursing, api_for):
    task = queue_task(nursing)
    family = GuardianFactory().user
    client = api_for(nurse)
    empty = client.post(url(route="bulk-complete/"), {"ids": []}, format="json")
    to_family = client.post(
        url(route="bulk-reassign/"), {"ids": [task.pk], "assignee": family.pk}, format="json"
    )
    assert empty.status_code == 400 and list(empty.json()["error"]["fields"]) == ["ids"]
    assert to_family.status_code == 400 and list(to_family.json()["error"]["fields"]) == ["assignee"]
    assert Task.objects.get().assignee is None


# --- Scope ----------------------------------------------------------------------------------------

TASK_ROUTES = [
    ("get", ""),
    ("post", "claim/"),
    ("post", "start/"),
    ("post", "complete/"),
    ("post", "cancel/"),
    ("post", "comment/"),
]


@pytest.mark.parametrize("subject", ["oncologist", "family"])
@pytest.mark.parametrize(("method", "route"), TASK_ROUTES)
def test_another_team_and_a_family_get_404_on_every_task_route(
    nurse, oncologist, nursing, child, api_for, subject, method, route
):
    task = queue_task(nursing, patient=child)
    user = oncologist if subject == "oncologist" else GuardianFactory(patient=child).user
    before = snapshot()
    response = getattr(api_for(user), method)(url(task, route), {"reason": "x", "body": "x"}, format="json")
    assert response.status_code == 404
    assert snapshot() == before
    assert not AccessEvent.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("method", "route", "body"),
    [
        ("get", "", {}),
        ("post", "", {"title": "From a parent", "team": 1}),
        ("post", "bulk-complete/", {"ids": [1]}),
        ("post", "bulk-reassign/", {"ids": [1]}),
    ],
)
def test_a_family_is_refused_the_staff_collections(nursing, child, api_for, method, route, body):
    queue_task(nursing, patient=child)
    family = GuardianFactory(patient=child).user
    before = snapshot()
    response = getattr(api_for(family), method)(url(route=route), body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert snapshot() == before


def test_api_worklist_puts_urgent_first_and_can_sort_by_due_date(nurse, nursing, child, api_for):
    late = queue_task(nursing, title="Overdue review", due_on=days(-10), patient=child)
    urgent = queue_task(nursing, title="Symptoms", priority=Task.Priority.URGENT, due_on=days(0))
    client = api_for(nurse)

    def ids(**params):
        return [t["id"] for t in client.get(url(), {"list": "team", **params}).json()["results"]]

    assert ids() == [urgent.pk, late.pk]
    assert ids(sort="urgency") == [urgent.pk, late.pk]
    assert ids(sort="due") == [late.pk, urgent.pk]
    response = client.get(url(), {"sort": "loudest"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"sort"}
