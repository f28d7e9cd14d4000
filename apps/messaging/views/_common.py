"""What the staff and family message pages share: reading a thread, replying, attachments, the banner."""

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.types import AuthedRequest
from apps.audit.services import access_record
from apps.notifications.models import Notification
from apps.notifications.services import notifications_mark_read
from apps.patients.contact import family_contact
from apps.workingtime.working_time import is_working_time
from carecoord.errors import SERVICE_REFUSALS, form_add_service_errors

from .. import selectors, services
from ..forms import ReplyForm
from ..models import Message, MessageAttachment, Thread

THREADS_PER_PAGE = 50


# How the staff inbox can be ordered; the first is the default.
INBOX_SORTS = {
    "urgency": "urgency (overdue replies, then the longest wait)",
    "recent": "most recent message",
}


def needs_reply_first(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """Family threads waiting for staff first (overdue ones at the very top, longest wait first), then the rest."""
    waiting = Q(kind=Thread.Kind.FAMILY, status=Thread.Status.NEEDS_REPLY)
    group = Case(
        When(waiting & Q(escalated_at__isnull=False), then=Value(0)),
        When(waiting, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return threads.order_by(group, F("awaiting_reply_since").asc(nulls_last=True), "-last_message_at", "-pk")


def thread_messages(thread: Thread) -> list[Message]:
    """The thread's messages, oldest first, with authors (and their job titles) and attachments."""
    return list(selectors.messages_of(thread).select_related("author__staff_profile"))


def thread_read(request: AuthedRequest, thread: Thread, *, url: str) -> None:
    """Audit the read, mark the thread read, and clear the in-app notifications that point at it."""
    access_record(request=request, patients=thread.patient, what="messages")
    services.thread_mark_read(actor=request.user, thread=thread)
    unread = Notification.objects.filter(recipient=request.user, url=url, read_at__isnull=True)
    ids = list(unread.values_list("pk", flat=True))
    if ids:
        notifications_mark_read(actor=request.user, ids=ids)


def reply_post(request: AuthedRequest, thread: Thread, form: ReplyForm) -> Message | None:
    """Post the reply in ``form``; None (with the errors on the form) when it is refused."""
    if not form.is_valid():
        return None
    try:
        return services.message_post(
            actor=request.user,
            thread=thread,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        )
    except SERVICE_REFUSALS as exc:
        form_add_service_errors(form, exc)
        return None


def attachment_response(request: AuthedRequest, thread: Thread, attachment_pk: int) -> FileResponse:
    """Download one file of this thread, audited. Any other attachment is 404."""
    attachment = get_object_or_404(MessageAttachment, pk=attachment_pk, message__thread=thread)
    access_record(request=request, patients=thread.patient, what="message attachment")
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


def _hour(hour: int) -> str:
    moment = datetime.time(hour % 24)
    return f"{moment.hour % 12 or 12}{'am' if moment.hour < 12 else 'pm'}"


def sending_context() -> dict[str, Any]:
    """Whether to show the out-of-hours banner before a family sends, and the hours it names."""
    contact = family_contact()
    if contact is not None:  # the team's own hours, as the portal's banner has them
        return {
            "out_of_hours": not contact.is_open,
            "working_hours": contact.hours,
            "out_of_hours_shown": True,  # this page's own banner, instead of the portal's
            "family_contact": contact,  # read once here, not again by the template
        }
    return {
        "out_of_hours": not is_working_time(timezone.now()),
        "working_hours": f"Monday to Friday, {_hour(settings.WORKING_DAY_START_HOUR)} to "
        f"{_hour(settings.WORKING_DAY_END_HOUR)}",
        "out_of_hours_shown": True,  # this page's own banner, instead of the portal's
    }
