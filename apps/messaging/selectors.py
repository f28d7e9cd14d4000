"""Messaging reads. A family sees its own child's family threads; staff see threads of children they can see."""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.accounts import roles
from apps.accounts.models import User
from apps.accounts.types import AnyUser
from apps.patients import access
from apps.patients.models import Patient

from .models import Message, ReadState, Thread


def _threads_of_kinds_for(user: AnyUser) -> QuerySet[Thread]:
    """The kinds of thread this user may read, whatever the child."""
    if roles.is_family(user):
        return Thread.objects.filter(kind=Thread.Kind.FAMILY)  # staff-only threads never reach families
    if roles.staff_role(user) is None:
        return Thread.objects.none()
    return Thread.objects.all()


def threads_visible_to(user: AnyUser) -> QuerySet[Thread]:
    return _threads_of_kinds_for(user).filter(patient__in=access.visible_patient_ids(user))


def own_threads(user: User) -> QuerySet[Thread]:
    """The threads that are this user's own business: a family's children's, or, for staff, those of their
    caseload (named nurse or care team) and those they have opened or started, while they may still see
    the child. Not every visible child's: an open referral to a team must not put a whole queue's
    conversations into each member's header."""
    if roles.is_family(user) or roles.staff_role(user) is None:
        return threads_visible_to(user)
    # A UNION of indexed branches, so the planner estimates each from its own index: the caseload's
    # threads by child, and the threads the user has read or started, by user, kept while they may
    # still see the child (the visible scope is checked on those few rows, not enumerated).
    touched = (
        ReadState.objects.filter(user=user)
        .order_by()
        .values("thread_id")
        .union(Thread.objects.filter(created_by=user).order_by().values("pk"))
    )
    ids = (
        Thread.objects.filter(patient__in_ids=access.caseload_patient_ids(user))
        .order_by()
        .values("pk")
        .union(
            Thread.objects.filter(pk__in=touched, patient__in=access.visible_patient_ids(user))
            .order_by()
            .values("pk")
        )
    )
    return Thread.objects.filter(pk__in_ids=ids)


def unread_messages(user: User) -> QuerySet[Message]:
    """Messages from others that ``user`` has not read: posted since they last read the thread, or in a
    thread they have never opened. The one unread rule; narrow it with ``.filter(thread=...)``."""
    # The subqueries correlate with the message row itself, so this also works nested in another query.
    read_at = ReadState.objects.filter(thread=OuterRef("thread"), user=user).values("last_read_at")[:1]
    return (
        Message.objects.exclude(author=user)
        .filter(
            Q(created_at__gt=Subquery(read_at))
            | ~Exists(ReadState.objects.filter(thread=OuterRef("thread"), user=user))
        )
        .order_by()
    )


def with_unread(threads: QuerySet[Thread], user: User) -> QuerySet[Thread]:
    """Annotate ``unread`` (messages from others since the user last read the thread)."""
    unread = (
        unread_messages(user)
        .filter(thread=OuterRef("pk"))
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return threads.annotate(unread=Subquery(unread))


def inbox(*, user: User, patient: Patient | None = None, kind: str = "") -> QuerySet[Thread]:
    """Threads, needing a reply first, then newest: the user's own threads, or one child's."""
    threads = own_threads(user) if patient is None else threads_visible_to(user).filter(patient=patient)
    if kind in Thread.Kind.values:
        threads = threads.filter(kind=kind)
    needs_reply_first = Case(When(status=Thread.Status.NEEDS_REPLY, then=Value(0)), default=Value(1))
    return with_unread(threads.select_related("patient"), user).order_by(
        needs_reply_first, "-last_message_at"
    )


@dataclass(frozen=True)
class InboxCounts:
    shown: int  # the inbox's threads (of one kind, when filtered)
    waiting: int  # family conversations waiting for a reply, whatever the filter


def inbox_counts(*, user: User, kind: str = "") -> InboxCounts:
    """Both of the inbox's counts in one pass over the user's own threads (each pass reads the scope)."""
    of_kind = Q(kind=kind) if kind in Thread.Kind.values else Q()
    counts = own_threads(user).aggregate(
        shown=Count("pk", filter=of_kind),
        waiting=Count("pk", filter=Q(kind=Thread.Kind.FAMILY, status=Thread.Status.NEEDS_REPLY)),
    )
    return InboxCounts(counts["shown"], counts["waiting"])


def thread_get(*, user: AnyUser, pk: int) -> Thread:
    """One thread of ``threads_visible_to``, else 404; its child is checked through the basis of access
    (``access.can_see``), which the page's audit row then reuses."""
    threads = _threads_of_kinds_for(user).select_related("patient", "patient__named_nurse")
    thread = get_object_or_404(threads, pk=pk)
    if not access.can_see(user, thread.patient_id):
        raise Http404
    return thread


def messages_of(thread: Thread) -> QuerySet[Message]:
    return thread.messages.select_related("author").prefetch_related("attachments")


def unread_count(user: User, patient: Patient | None = None) -> int:
    """Conversations with something new for this user: their own threads (for the header), or one
    child's threads (for that child's page)."""
    threads = own_threads(user) if patient is None else threads_visible_to(user).filter(patient=patient)
    return with_unread(threads, user).filter(unread__gt=0).count()  # type: ignore[misc]
