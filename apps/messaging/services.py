"""Messaging writes: start a thread, post, read, mark handled, and escalate unanswered family messages."""

import contextlib
import datetime
import logging
from collections.abc import Callable, Iterator, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.notifications.services import notification_create
from apps.patients import access
from apps.patients.models import Guardian, Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.tasks.models import Task
from apps.tasks.services import tasks_complete_for_sources, tasks_open_bulk
from apps.workingtime.working_time import holidays_between, working_hours_between
from carecoord.attention import patient_attention_changed
from carecoord.errors import ApplicationError
from carecoord.limits import within
from carecoord.uploads import validate_upload

from .models import MESSAGE_MAX_LENGTH, EmailNotice, Message, MessageAttachment, ReadState, Thread

logger = logging.getLogger(__name__)

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


def can_post(user: User, thread: Thread) -> bool:
    """Families post only in their own child's family threads; staff who can see the child post anywhere."""
    if not access.can_see(user, thread.patient_id):
        return False
    return roles.staff_role(user) is not None or thread.kind == Thread.Kind.FAMILY


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write your message."})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"body": f"Messages can be up to {MESSAGE_MAX_LENGTH} characters; this has {len(body)}."}
        )
    return body


def _checked(attachments: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(attachments) > 3:
        raise ValidationError({"file": "Attach up to 3 files to one message."})
    try:
        return [(a, validate_upload(a, max_bytes=ATTACHMENT_MAX_BYTES)) for a in attachments]
    except ValidationError as exc:
        raise ValidationError({"file": exc.message_dict.get("file", exc.messages)}) from exc


@contextlib.contextmanager
def _removing_files_on_failure(stored: list[str]) -> Iterator[None]:
    """If the transaction fails, delete the attachment files it wrote: no orphaned files about a child."""
    try:
        yield
    except Exception:
        for name in stored:
            default_storage.delete(name)
        raise


def _thread_url(thread: Thread, for_family: bool) -> str:
    if for_family:
        return f"/portal/children/{thread.patient_id}/messages/{thread.pk}/"
    return f"/messages/{thread.pk}/"


def _notify(thread: Thread, recipients: list[User], *, for_family: bool) -> None:
    """In-app for each message; email at most once per thread per quiet period. No content in either."""
    now = timezone.now()
    quiet = datetime.timedelta(minutes=settings.MESSAGE_EMAIL_QUIET_MINUTES)
    for user in recipients:
        notice = EmailNotice.objects.select_for_update().filter(thread=thread, user=user).first()
        read = (
            ReadState.objects.filter(thread=thread, user=user).values_list("last_read_at", flat=True).first()
        )
        # Email unless we emailed within the quiet period and they have not caught up since.
        email = (
            notice is None
            or notice.last_emailed_at <= now - quiet
            or (read is not None and read >= notice.last_emailed_at)
        )
        notification_create(
            recipient=user,
            kind="message",
            title="You have a new message" if for_family else f"New message: {thread.subject}",
            url=_thread_url(thread, for_family),
            patient_id=thread.patient_id,
            email=email,
        )
        if email:
            EmailNotice.objects.update_or_create(thread=thread, user=user, defaults={"last_emailed_at": now})


def _recipients(thread: Thread, author: User) -> tuple[list[User], list[User]]:
    """(staff, family) to tell about a new message, never the author."""
    nurse, team = named_nurse_or_nursing_queue(thread.patient)
    if nurse is not None:
        staff = [nurse]
    else:  # no named nurse: every active member of the Nursing team is told
        staff = list(User.objects.filter(is_active=True, staff_profile__teams=team).distinct())
    family: list[User] = []
    if thread.kind == Thread.Kind.FAMILY:
        family = [
            g.user
            for g in Guardian.objects.filter(
                patient=thread.patient, is_active=True, user__is_active=True
            ).select_related("user")
        ]
    return [u for u in staff if u != author], [u for u in family if u != author]


def _post(
    actor: User, thread: Thread, body: str, checked: list[tuple[UploadedFile, str]], stored: list[str]
) -> Message:
    from_family = roles.is_family(actor)
    now = timezone.now()
    message = Message.objects.create(
        thread=thread, author=actor, body=body, from_family=from_family, created_at=now
    )
    attachments = []
    for upload, content_type in checked:
        attachment = MessageAttachment.objects.create(
            message=message,
            file=upload,
            original_name=(upload.name or "file")[-200:],
            content_type=content_type,
            size=upload.size or 0,
        )
        stored.append(attachment.file.name or "")
        attachments.append(attachment)
    # The caller answers from this object: no read-back after commit that a dropped connection could fail.
    known = message.attachments.all()
    known._result_cache = attachments
    known._prefetch_done = True  # type: ignore[attr-defined]
    message._prefetched_objects_cache = {"attachments": known}  # type: ignore[attr-defined]
    locked = Thread.objects.select_for_update().get(pk=thread.pk)
    locked.last_message_at = now
    fields = ["last_message_at"]
    if from_family:
        if locked.awaiting_reply_since is None:
            locked.awaiting_reply_since = now
        locked.status = Thread.Status.NEEDS_REPLY
        fields += ["awaiting_reply_since", "status"]
    elif locked.kind == Thread.Kind.FAMILY:
        # A staff reply answers the family and clears any escalation.
        if locked.escalated_at is not None:
            tasks_complete_for_sources(source_keys=[escalation_key(locked)], actor=actor)
        locked.awaiting_reply_since = None
        locked.escalated_at = None
        locked.status = Thread.Status.HANDLED
        fields += ["awaiting_reply_since", "escalated_at", "status"]
    locked.save(update_fields=fields)
    patient_attention_changed([locked.patient_id])  # a family waiting, or answered
    ReadState.objects.update_or_create(thread=locked, user=actor, defaults={"last_read_at": now})
    staff, family = _recipients(locked, actor)
    _notify(locked, staff, for_family=False)
    _notify(locked, family, for_family=True)
    return message


def thread_start(
    *,
    actor: User,
    patient: Patient,
    subject: str,
    body: str,
    kind: str = Thread.Kind.FAMILY,
    attachments: Sequence[UploadedFile] = (),
) -> Thread:
    """Start a conversation about a child. Families start only family threads about their own child."""
    if not access.can_see(actor, patient.pk):
        raise PermissionDenied("You cannot message about this child.")
    if roles.is_family(actor) and kind != Thread.Kind.FAMILY:
        raise PermissionDenied("Families write to the care team.")
    if kind not in Thread.Kind.values:
        raise ValidationError({"kind": "Choose who the conversation is with."})
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": "Give your message a subject."})
    body = _clean_body(body)
    checked = _checked(attachments)
    stored: list[str] = []
    with _removing_files_on_failure(stored), transaction.atomic(durable=True):
        thread = Thread.objects.create(
            patient=patient,
            kind=kind,
            subject=within(subject, field="subject", limit=150, label="Subject"),
            created_by=actor,
        )
        _post(actor, thread, body, checked, stored)
    thread.refresh_from_db()
    return thread


def message_post(
    *, actor: User, thread: Thread, body: str, attachments: Sequence[UploadedFile] = ()
) -> Message:
    if not can_post(actor, thread):
        raise PermissionDenied("You cannot post in this conversation.")
    body = _clean_body(body)
    checked = _checked(attachments)
    stored: list[str] = []
    with _removing_files_on_failure(stored), transaction.atomic(durable=True):
        return _post(actor, thread, body, checked, stored)


def thread_mark(
    *, actor: User, thread: Thread, status: str, seen_last_message_id: int | None = None
) -> Thread:
    """Staff mark a family thread handled (no reply needed) or needing a reply.

    ``seen_last_message_id`` is the newest message the person was looking at: if the family has
    written since, "handled" is refused, so an unread message is never cleared by a stale click.
    """
    if roles.staff_role(actor) is None or not can_post(actor, thread):
        raise PermissionDenied("Only staff can change this.")
    if thread.kind != Thread.Kind.FAMILY:
        raise ApplicationError.illegal_transition("Only conversations with the family need a reply.")
    if status not in Thread.Status.values:
        raise ValidationError({"status": "Choose handled or needs a reply."})
    with transaction.atomic(durable=True):
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        newer = Message.objects.filter(thread=thread, from_family=True)
        if seen_last_message_id is not None:
            newer = newer.filter(pk__gt=seen_last_message_id)
        if status == Thread.Status.HANDLED and seen_last_message_id is not None and newer.exists():
            raise ApplicationError.stale("The family has written again since you opened this. Read it first.")
        changes: dict = {"status": status}
        if status == Thread.Status.NEEDS_REPLY and thread.awaiting_reply_since is None:
            changes["awaiting_reply_since"] = timezone.now()  # the response target runs from now
        if status == Thread.Status.HANDLED:
            tasks_complete_for_sources(source_keys=[escalation_key(thread)], actor=actor)
            changes["awaiting_reply_since"] = None
            changes["escalated_at"] = None
        Thread.objects.filter(pk=thread.pk).update(**changes)
        patient_attention_changed([thread.patient_id])
    thread.refresh_from_db()
    return thread


def thread_mark_read(*, actor: User, thread: Thread) -> None:
    """Record that the actor has read the thread up to now (no transaction of its own needed)."""
    try:
        ReadState.objects.update_or_create(
            thread=thread, user=actor, defaults={"last_read_at": timezone.now()}
        )
    except IntegrityError:  # two tabs at once: the other wrote it
        ReadState.objects.filter(thread=thread, user=actor).update(last_read_at=timezone.now())


def escalation_key(thread: Thread) -> str:
    """One escalation per unanswered wait: the key names when the family's wait began."""
    since = thread.awaiting_reply_since
    return f"thread:{thread.pk}:escalation:{int(since.timestamp()) if since else 0}"


ESCALATION_BATCH = 500  # threads claimed per transaction


def threads_escalate_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Beat job: a family message unanswered for N working hours gives the Nursing queue an urgent task, once.

    Set-based: one query selects the waits longer than the target in plain hours (working hours never
    outrun the clock), the working-hours test runs in memory against one holiday query, and each batch
    is claimed under ``SELECT ... FOR UPDATE SKIP LOCKED`` with one conditional UPDATE on escalated_at
    and its tasks opened in bulk, so a second run (or beat) does nothing.
    """
    now = now or timezone.now()
    target = settings.MESSAGE_RESPONSE_WORKING_HOURS
    waiting = Thread.objects.filter(
        kind=Thread.Kind.FAMILY,
        awaiting_reply_since__lte=now - datetime.timedelta(hours=target),
        escalated_at__isnull=True,
    )
    candidates = [(pk, since) for pk, since in waiting.values_list("pk", "awaiting_reply_since") if since]
    if not candidates:
        return 0
    oldest = min(since for _, since in candidates)
    # One query for the bank holidays of the whole run, not one per thread.
    holidays = holidays_between(timezone.localdate(oldest), timezone.localdate(now))

    def is_due(since: datetime.datetime) -> bool:
        return working_hours_between(since, now, holidays=holidays) >= target

    due = [pk for pk, since in candidates if is_due(since)]
    if not due:
        return 0
    nursing, _ = Team.objects.get_or_create(
        code=Team.Code.NURSING, defaults={"name": Team.Code.NURSING.label}
    )
    escalated = 0
    for start in range(0, len(due), ESCALATION_BATCH):
        batch = waiting.filter(pk__in=due[start : start + ESCALATION_BATCH])
        escalated += _escalate_batch(batch, nursing, now, is_due)
    if escalated < len(due):
        logger.info(
            "Escalation: %s due, %s escalated (the rest changed or were taken by another run)",
            len(due),
            escalated,
        )
    return escalated


def _escalate_batch(
    threads: QuerySet[Thread],
    nursing: Team,
    now: datetime.datetime,
    is_due: Callable[[datetime.datetime], bool],
) -> int:
    """Claim a batch of waits (rows another run holds are skipped) and open one task for each."""
    with transaction.atomic():
        rows = threads.select_for_update(skip_locked=True, of=("self",)).select_related("patient")
        # A reply may have started a new wait since the selection: test the locked row again.
        locked = [thread for thread in rows if is_due(thread.awaiting_reply_since)]  # type: ignore[arg-type]
        if not locked:
            return 0
        Thread.objects.filter(pk__in=[thread.pk for thread in locked]).update(escalated_at=now)
        patient_attention_changed(thread.patient_id for thread in locked)
        keys = [escalation_key(thread) for thread in locked]
        Task.objects.filter(source_key__in=keys).delete()  # an old, completed escalation of the same wait
        tasks_open_bulk(
            [
                {
                    "title": "A family message is waiting for a reply",
                    "source": Task.Source.MESSAGE_ESCALATION,
                    "team": nursing,
                    "patient": thread.patient,
                    "due_on": timezone.localdate(now),
                    "priority": Task.Priority.URGENT,
                    "source_key": key,
                    "link_url": _thread_url(thread, for_family=False),
                }
                for thread, key in zip(locked, keys, strict=True)
            ]
        )
    return len(locked)
