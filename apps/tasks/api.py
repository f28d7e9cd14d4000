"""Task endpoints: the four worklists with filters, detail with comments, writing a task by hand,
claim, start, complete, cancel and comment, and bulk complete or reassign.

Thin, as in apps/pathways/api/: a task is resolved through ``selectors.tasks_visible_to`` first, so
another team's task (or a family) gets a 404, exactly like a missing one. Visibility and the right to
work a task are the same rule today (the assignee, or a member of the task's team), so a non-member
trying to claim a queue task gets that 404; a service refusal with code ``permission_denied`` would
still be a 403. A task taken or closed in the meantime is a 409 with code ``stale``. The collection
endpoints (worklists, create, bulk) are for staff; a family gets a 403 there.
Reads of a child's task are audited once per request.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.accounts.selectors import staff_members
from apps.accounts.types import request_user
from apps.audit.services import access_record
from carecoord import filters
from carecoord.errors import refuse_unless
from carecoord.patient_scope import visible_patient_get

from . import selectors, services
from .models import Task, TaskComment
from .permissions import can_work_task

# --- Output ---------------------------------------------------------------------------------------


class TaskCommentOutput(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.full_name", read_only=True)

    class Meta:
        model = TaskComment
        fields = ["id", "author", "author_name", "body", "created_at"]


class TaskOutput(serializers.ModelSerializer):
    patient_name = serializers.CharField(
        source="patient.full_name", read_only=True, default=None, allow_null=True
    )
    assignee_name = serializers.CharField(
        source="assignee.full_name", read_only=True, default=None, allow_null=True
    )
    team_name = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "detail",
            "patient",
            "patient_name",
            "assignee",
            "assignee_name",
            "team",
            "team_name",
            "due_on",
            "priority",
            "status",
            "source",
            "link_url",
            "overdue",
            "created_at",
            "completed_at",
        ]


class TaskDetailOutput(TaskOutput):
    comments = TaskCommentOutput(many=True, read_only=True, help_text="Oldest first.")

    class Meta(TaskOutput.Meta):
        fields = [*TaskOutput.Meta.fields, "comments"]


class TaskBulkOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many of the tasks were open and changed.")


# --- Input ----------------------------------------------------------------------------------------


class WorklistFilter(filters.SelectorFilterSet):
    """Which worklist, narrowed by child, source, priority and due dates."""

    list = filters.ChoiceFilter(choices=list(selectors.WORKLISTS.items()), help_text="Mine when left out.")
    patient = filters.IdFilter()
    source = filters.ChoiceFilter(choices=Task.Source.choices)
    priority = filters.TypedChoiceFilter(choices=Task.Priority.choices, coerce=int)
    due_from = filters.DateFilter()
    due_to = filters.DateFilter()
    sort = filters.ChoiceFilter(
        choices=[*selectors.SORTS.items()], help_text="Urgency (then due date) when left out."
    )

    def select(
        self, user: User, *, list: str, patient: int | None, sort: str, **narrowing: Any
    ) -> QuerySet[Task]:
        return selectors.worklist(
            user=user, name=list or "mine", patient_id=patient, sort=sort or "urgency", **narrowing
        )


class TaskInput(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True, default="")
    patient = serializers.IntegerField(
        required=False, allow_null=True, help_text="A child the caller can see; 404 otherwise."
    )
    assignee = serializers.PrimaryKeyRelatedField(queryset=staff_members(), required=False, allow_null=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, help_text="A team queue to claim from."
    )
    due_on = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, default=Task.Priority.NORMAL)


class TaskCompleteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TaskCancelInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=300)


class TaskCommentInput(serializers.Serializer):
    body = serializers.CharField(allow_blank=True)


class TaskBulkInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=200,
        help_text="Tasks the caller can see; a 404 and no change if any is not.",
    )


class TaskBulkReassignInput(TaskBulkInput):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=staff_members(),
        required=False,
        allow_null=True,
        help_text="Who takes them; back to the team queue (unclaimed) when left out.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, help_text="Move them to this queue."
    )


# --- Views ----------------------------------------------------------------------------------------


class TaskViewSet(filters.ListFilteredViewSet):
    serializer_class = TaskOutput
    filterset_class = WorklistFilter

    def get_queryset(self) -> QuerySet[Task]:
        tasks = selectors.tasks_visible_to(self.request.user)
        if self.action == "retrieve":
            comments = TaskComment.objects.select_related("author").order_by("created_at", "id")
            tasks = tasks.prefetch_related(Prefetch("comments", queryset=comments))
        return tasks

    def _worker(self, request: Request) -> tuple[User, Task]:
        """The task in scope (404) and the caller, who must be able to work it (403)."""
        task = self.get_object()
        user = request_user(request)
        refuse_unless(
            can_work_task(user, task), "Only the assignee or a member of the task's team can do this."
        )
        return user, task

    def _in_scope(self, user: User, ids: list[int]) -> list[Task]:
        tasks = list(selectors.tasks_visible_to(user).filter(pk__in=ids))
        if len(tasks) != len(set(ids)):
            raise Http404  # one of them is missing or someone else's: the same answer either way
        return tasks

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A worklist: mine (open, assigned to me), team (my teams' unclaimed queues), overdue, or
        done (in the last 14 days), with filters."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Worklists are for staff.")
        tasks = self.filter_queryset(Task.objects.none())
        page = self.paginate_queryset(tasks) or []
        access_record(request=request, patients={t.patient for t in page if t.patient}, what="task list")
        return self.get_paginated_response(TaskOutput(page, many=True).data)

    @extend_schema(responses={200: TaskDetailOutput})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        task = self.get_object()
        if task.patient:
            access_record(request=request, patients=task.patient, what="task")
        return Response(TaskDetailOutput(task).data)

    @extend_schema(request=TaskInput, responses={201: TaskOutput})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Write a task by hand for a person or a team queue, optionally about a child."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Only staff can create tasks.")
        data = TaskInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient_id = fields.pop("patient", None)
        patient = visible_patient_get(user, patient_id) if patient_id is not None else None
        task = services.task_create(actor=user, patient=patient, **fields)
        # The creator may not see a task given to someone else, so the answer is what they wrote.
        return Response(TaskOutput(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TaskOutput})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Take an unclaimed queue task. Of two claimants one wins; the other gets a 409 (stale)."""
        user, task = self._worker(request)
        return Response(TaskOutput(services.task_claim(actor=user, task=task)).data)

    @extend_schema(request=None, responses={200: TaskOutput})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, task = self._worker(request)
        return Response(TaskOutput(services.task_start(actor=user, task=task)).data)

    @extend_schema(request=TaskCompleteInput, responses={200: TaskOutput})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark done; a task already done stays done and is not an error."""
        user, task = self._worker(request)
        data = TaskCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_complete(actor=user, task=task, **data.validated_data)
        return Response(TaskOutput(task).data)

    @extend_schema(request=TaskCancelInput, responses={200: TaskOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Cancel an open task with a reason (kept as a comment)."""
        user, task = self._worker(request)
        data = TaskCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_cancel(actor=user, task=task, **data.validated_data)
        return Response(TaskOutput(task).data)

    @extend_schema(request=TaskCommentInput, responses={201: TaskCommentOutput})
    @action(detail=True, methods=["post"])
    def comment(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user, task = self._worker(request)
        data = TaskCommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.task_comment(actor=user, task=task, **data.validated_data)
        return Response(TaskCommentOutput(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskBulkInput, responses={200: TaskBulkOutput})
    @action(detail=False, methods=["post"], url_path="bulk-complete")
    def bulk_complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark several tasks done; those already closed are left as they are."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Only staff can complete tasks.")
        data = TaskBulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        tasks = self._in_scope(user, data.validated_data["ids"])
        return Response({"count": services.tasks_bulk_complete(actor=user, tasks=tasks)})

    @extend_schema(request=TaskBulkReassignInput, responses={200: TaskBulkOutput})
    @action(detail=False, methods=["post"], url_path="bulk-reassign")
    def bulk_reassign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Give several open tasks to a person, or back to a team queue."""
        user = request_user(request)
        refuse_unless(roles.staff_role(user) is not None, "Only staff can reassign tasks.")
        data = TaskBulkReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        tasks = self._in_scope(user, fields.pop("ids"))
        return Response({"count": services.tasks_reassign(actor=user, tasks=tasks, **fields)})
