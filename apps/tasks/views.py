"""Worklists and task pages. Thin: services change tasks, selectors decide what each person sees."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from carecoord import patient_scope
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from . import selectors, services
from .forms import CancelForm, CommentForm, ReassignForm, TaskFilterForm, TaskForm

TASKS_PER_PAGE = 50  # a nurse with 300 children: the urgent first, the rest a page away


@staff_required
@require_GET
def worklist(request: AuthedRequest) -> HttpResponse:
    name = request.GET.get("list", "mine")
    if name not in selectors.WORKLISTS:
        name = "mine"
    filters = TaskFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    patient_id = request.GET.get("patient")
    sort = request.GET.get("sort", "")
    if sort not in selectors.SORTS:
        sort = "urgency"
    worklist = selectors.worklist(
        user=request.user,
        name=name,
        patient_id=int(patient_id) if patient_id and patient_id.isdigit() else None,
        source=criteria.get("source") or "",
        priority=criteria.get("priority"),
        due_from=criteria.get("due_from"),
        due_to=criteria.get("due_to"),
        sort=sort,
    )
    page = Paginator(worklist, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    access_record(request=request, patients={t.patient for t in tasks if t.patient}, what="task list")
    context = {
        "tasks": tasks,
        "page": page,
        "rows": [(task, selectors.task_actions(task)) for task in tasks],
        "list": name,
        "lists": selectors.WORKLISTS,
        "sort": sort,
        "sorts": selectors.SORTS,
        "filters": filters,
        "filtering": bool(criteria and any(criteria.values())),
        "reassign": ReassignForm(),
        "counts": selectors.worklist_counts(user=request.user),
    }
    return render(request, "tasks/worklist.html", context)


@staff_required
@require_POST
def bulk(request: AuthedRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("task") if i.isdigit()]
    tasks = list(selectors.tasks_visible_to(request.user).filter(pk__in=ids))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/tasks/"
    if not tasks:
        messages.error(request, "Select at least one task.")
        return redirect(back)
    try:
        if request.POST.get("action") == "complete":
            done = services.tasks_bulk_complete(actor=request.user, tasks=tasks)
            messages.success(request, f"{done} task{'s' if done != 1 else ''} marked done.")
        elif request.POST.get("action") == "reassign":
            form = ReassignForm(request.POST)
            if not form.is_valid():
                raise ValidationError("Choose who to give the tasks to.")
            moved = services.tasks_reassign(actor=request.user, tasks=tasks, **form.cleaned_data)
            messages.success(request, f"{moved} task{'s' if moved != 1 else ''} passed on.")
        else:
            raise Http404
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    return redirect(back)


@staff_required
@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest) -> HttpResponse:
    form = TaskForm(request.POST or None)
    patient = None
    patient_id = request.GET.get("patient") or request.POST.get("patient")
    if patient_id:
        patient = patient_scope.visible_patient_get(
            request.user, int(patient_id) if patient_id.isdigit() else 0
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_create(actor=request.user, patient=patient, **form.cleaned_data)
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, "Task created.")
            return redirect("tasks:worklist")
    return render(
        request, "tasks/form.html", {"form": form, "patient": patient}, status=400 if form.errors else 200
    )


@staff_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk)
    if task.patient:
        access_record(request=request, patients=task.patient, what="task")
    context = {
        "task": task,
        "comments": task.comments.select_related("author"),
        "comment_form": CommentForm(),
        "cancel_form": CancelForm(),
        "actions": selectors.task_actions(task),
        "can_see_record": task.patient_id and patient_scope.can_see(request.user, task.patient_id),
    }
    return render(request, "tasks/detail.html", context)


@staff_required
@require_POST
def act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=pk)
    try:
        if action == "claim":
            services.task_claim(actor=request.user, task=task)
            messages.success(request, "The task is yours.")
        elif action == "start":
            services.task_start(actor=request.user, task=task)
        elif action == "complete":
            services.task_complete(actor=request.user, task=task)
            messages.success(request, "Task done.")
        elif action == "cancel":
            services.task_cancel(actor=request.user, task=task, reason=request.POST.get("reason", ""))
            messages.success(request, "Task cancelled.")
        elif action == "comment":
            services.task_comment(actor=request.user, task=task, body=request.POST.get("body", ""))
        else:
            raise Http404
    except SERVICE_REFUSALS as exc:
        messages.error(request, " ".join(refusal_messages(exc)))
    if request.htmx and action in ("claim", "complete", "start"):
        task.refresh_from_db()
        if task.patient:
            access_record(request=request, patients=task.patient, what="task")
        context = {
            "task": task,
            "actions": selectors.task_actions(task),
            "list": request.POST.get("list", "mine"),
        }
        return render(request, "tasks/_row.html", context)
    return redirect("tasks:detail", pk=pk)
