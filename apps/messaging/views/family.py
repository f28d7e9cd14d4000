"""Family message pages in the portal: a child's conversations with the care team, new, and reply.

Every page starts from the family's own child (404 for anyone else's) and from ``threads_visible_to``,
which never returns a staff-only thread to a family.
"""

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.patients.contact import with_call_us
from apps.patients.decorators import family_required
from apps.patients.models import Patient
from apps.patients.selectors import patient_get, patient_list
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from .. import selectors, services
from ..forms import FamilyThreadForm, ReplyForm
from ..models import Thread
from ._common import attachment_response, reply_post, sending_context, thread_messages, thread_read

SENT = "Your message has been sent to the care team."


@family_required
@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """The header's "Messages": straight to the child's messages, or a choice of child."""
    children = list(patient_list(user=request.user))
    if len(children) == 1:
        return redirect("messaging:family_threads", pk=children[0].pk)
    unread = selectors.with_unread(selectors.threads_visible_to(request.user), request.user)
    with_news = unread.filter(unread__gt=0).order_by()  # type: ignore[misc]
    per_child: dict[int, int] = dict(with_news.values_list("patient").annotate(n=Count("pk")))
    access_record(request=request, patients=children, what="portal children")
    rows = [(child, per_child.get(child.pk, 0)) for child in children]
    return render(request, "messaging/family_home.html", {"rows": rows})


def _child_thread(request: AuthedRequest, pk: int, thread_pk: int) -> tuple[Patient, Thread]:
    patient = patient_get(user=request.user, pk=pk)
    thread = selectors.thread_get(user=request.user, pk=thread_pk)
    if thread.patient_id != patient.pk:
        raise Http404
    return patient, thread


@family_required
@require_GET
def child_threads(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    threads = list(selectors.inbox(user=request.user, patient=patient).order_by("-last_message_at", "-pk"))
    access_record(request=request, patients=patient, what="portal messages")
    has_several = patient_list(user=request.user).count() > 1
    context = {"patient": patient, "threads": threads, "has_several": has_several}
    return render(request, "messaging/family_threads.html", context)


@family_required
@require_http_methods(["GET", "POST"])
def thread_new(request: AuthedRequest, pk: int) -> HttpResponse:
    patient = patient_get(user=request.user, pk=pk)
    posted = request.method == "POST"
    form = FamilyThreadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            started = services.thread_start(
                actor=request.user,
                patient=patient,
                subject=data["subject"],
                body=data["body"],
                kind=Thread.Kind.FAMILY,
                attachments=data["attachments"],
            )
        except SERVICE_REFUSALS as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, with_call_us(SENT))
            return redirect("messaging:family_thread", pk=patient.pk, thread_pk=started.pk)
    access_record(request=request, patients=patient, what="portal new message")
    context = {"patient": patient, "form": form, **sending_context()}
    return render(request, "messaging/family_new.html", context, status=400 if form.errors else 200)


def _thread_page(
    request: AuthedRequest, patient: Patient, thread: Thread, form: ReplyForm, *, status: int = 200
) -> HttpResponse:
    url = reverse("messaging:family_thread", args=[patient.pk, thread.pk])
    thread_read(request, thread, url=url)
    context = {
        "patient": patient,
        "thread": thread,
        "thread_messages": thread_messages(thread),
        "form": form,
        **sending_context(),
    }
    return render(request, "messaging/family_thread.html", context, status=status)


@family_required
@require_http_methods(["GET", "POST"])
def thread(request: AuthedRequest, pk: int, thread_pk: int) -> HttpResponse:
    patient, conversation = _child_thread(request, pk, thread_pk)
    if request.method == "GET":
        return _thread_page(request, patient, conversation, ReplyForm(prefix="reply"))
    form = ReplyForm(request.POST, request.FILES, prefix="reply")
    sent = reply_post(request, conversation, form)
    if sent is None:
        return _thread_page(request, patient, conversation, form, status=400)
    messages.success(request, with_call_us(SENT))
    return redirect(
        reverse("messaging:family_thread", args=[patient.pk, conversation.pk]) + f"#message-{sent.pk}"
    )


@family_required
@require_GET
def attachment(request: AuthedRequest, pk: int, thread_pk: int, attachment_pk: int) -> FileResponse:
    _, conversation = _child_thread(request, pk, thread_pk)
    return attachment_response(request, conversation, attachment_pk)
