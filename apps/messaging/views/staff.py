"""Staff message pages: the inbox, a child's conversations, one conversation, and starting one."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.decorators import staff_required
from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients import access
from apps.patients.selectors import guardians_of, patient_get
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors, refusal_messages

from .. import selectors, services
from ..forms import InboxFilterForm, MarkForm, ReplyForm, StaffThreadForm
from ..models import Thread
from ._common import (
    INBOX_SORTS,
    THREADS_PER_PAGE,
    attachment_response,
    needs_reply_first,
    reply_post,
    thread_messages,
    thread_read,
)


@staff_required
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    filters = InboxFilterForm(request.GET)
    if not filters.is_valid():
        return HttpResponseBadRequest("Unknown filter.")
    kind = filters.cleaned_data["kind"]
    sort = request.GET.get("sort", "")
    if sort not in INBOX_SORTS:
        sort = "urgency"
    threads = selectors.inbox(user=request.user, kind=kind)
    ordered = threads.order_by("-last_message_at", "-pk") if sort == "recent" else needs_reply_first(threads)
    counts = selectors.inbox_counts(user=request.user, kind=kind)
    paginator = Paginator(ordered, THREADS_PER_PAGE)
    paginator.count = counts.shown  # read with the waiting count, in one query
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    access_record(
        request=request, patients=list({t.patient_id: t.patient for t in rows}.values()), what="message list"
    )
    context = {
        "threads": rows,
        "page": page,
        "filters": filters,
        "kind": kind,
        "waiting": counts.waiting,
        "sort": sort,
        "sorts": INBOX_SORTS,
    }
    return render(request, "messaging/inbox.html", context)


def _reply_form(thread: Thread, *args: object) -> ReplyForm:
    label = "Your reply to the family" if thread.kind == Thread.Kind.FAMILY else "Your reply (staff only)"
    return ReplyForm(*args, label=label, prefix="reply")


def _thread_page(
    request: AuthedRequest, thread: Thread, form: ReplyForm, *, status: int = 200
) -> HttpResponse:
    thread_read(request, thread, url=reverse("messaging:thread", args=[thread.pk]))
    shown = thread_messages(thread)
    context = {
        "thread": thread,
        "thread_messages": shown,
        # "Mark as handled" says which message the person had in front of them.
        "last_message_id": max((m.pk for m in shown), default=None),
        "form": form,
        "via_break_glass": access.is_break_glass_access(request.user, thread.patient),
    }
    return render(request, "messaging/thread.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def thread(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = selectors.thread_get(user=request.user, pk=pk)
    if request.method == "GET":
        return _thread_page(request, conversation, _reply_form(conversation))
    form = _reply_form(conversation, request.POST, request.FILES)
    sent = reply_post(request, conversation, form)
    if sent is None:
        return _thread_page(request, conversation, form, status=400)
    if conversation.kind == Thread.Kind.FAMILY:
        messages.success(request, "Reply sent to the family. The conversation is marked as handled.")
    else:
        messages.success(request, "Reply sent.")
    return redirect(reverse("messaging:thread", args=[conversation.pk]) + f"#message-{sent.pk}")


@staff_required
@require_POST
def thread_mark(request: AuthedRequest, pk: int) -> HttpResponse:
    conversation = selectors.thread_get(user=request.user, pk=pk)
    form = MarkForm(request.POST)
    if conversation.kind != Thread.Kind.FAMILY or not form.is_valid():
        return HttpResponseBadRequest("Only a conversation with a family can be marked.")
    error = ""
    seen = request.POST.get("seen", "")
    try:
        conversation = services.thread_mark(
            actor=request.user,
            thread=conversation,
            status=form.cleaned_data["status"],
            seen_last_message_id=int(seen) if seen.isdigit() else None,
        )
    except SERVICE_REFUSALS as exc:
        error = " ".join(refusal_messages(exc))
    done = (
        "Marked as handled." if conversation.status == Thread.Status.HANDLED else "Marked as needing a reply."
    )
    if request.htmx:
        context = {
            "thread": conversation,
            "status_message": "" if error else done,
            "status_error": error,
            "last_message_id": seen,  # still what the person has seen: a refused click stays refused
        }
        return render(request, "messaging/_thread_status.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("messaging:thread", pk=conversation.pk)


@staff_required
@require_GET
def attachment(request: AuthedRequest, pk: int, attachment_pk: int) -> FileResponse:
    conversation = selectors.thread_get(user=request.user, pk=pk)
    return attachment_response(request, conversation, attachment_pk)


@staff_required
@require_GET
def patient_threads(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    threads = list(needs_reply_first(selectors.inbox(user=request.user, patient=patient)))
    access_record(request=request, patients=patient, what="message list")
    context = {
        "patient": patient,
        "threads": threads,
        "via_break_glass": access.is_break_glass_access(request.user, patient),
    }
    return render(request, "messaging/patient_threads.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def thread_new(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    posted = request.method == "POST"
    form = StaffThreadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            started = services.thread_start(
                actor=request.user,
                patient=patient,
                subject=data["subject"],
                body=data["body"],
                kind=data["kind"],
                attachments=data["attachments"],
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            told = " The family can read it." if started.kind == Thread.Kind.FAMILY else ""
            messages.success(request, f"Conversation started.{told}")
            return redirect("messaging:thread", pk=started.pk)
    access_record(request=request, patients=patient, what="message form")
    family_can_read = guardians_of(patient=patient).filter(is_active=True, user__is_active=True).exists()
    context = {
        "patient": patient,
        "form": form,
        "family_can_read": family_can_read,
        "via_break_glass": access.is_break_glass_access(request.user, patient),
    }
    return render(request, "messaging/thread_new.html", context, status=400 if form.errors else 200)
