"""The header's unread count, kept per web process and recounted when anything that moves it moves.

Counting a consultant's unread conversations reads every thread of 2,000 children (250 ms at 20,000
children, issue 12), and every staff page shows the count. So each process keeps each user's last
count beside a marker of what it depends on: the newest message anywhere, and the user's own reads
(their latest read and how many threads they have opened). A new message, or the user reading a thread,
changes the marker, so the next page counts again; the marker costs one indexed query.

What the marker does not see is a change in which threads are the user's own (joining a care team, a
colleague's absence starting): the count then follows within ``settings.HEADER_UNREAD_KEPT_SECONDS``
(0 keeps nothing: every page counts, as the test suite's query counts assume). The inbox itself and
the caseload's flags are always read live; this is only the number in the header.
"""

import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.db.models import Count, Max, Subquery

from apps.accounts.models import User

from .models import Message, ReadState
from .selectors import unread_count

MOST_USERS_KEPT = 5000  # per process: the least recently counted user is dropped beyond this

Marker = tuple[int | None, object, int | None]
_kept: "OrderedDict[int, tuple[Marker, float, int]]" = OrderedDict()
_lock = threading.Lock()
_clock = time.monotonic  # a test moves it on


def _marker(user: User) -> Marker:
    """The newest message's id, and the user's latest read and number of threads read: one query."""
    reads = ReadState.objects.filter(user=user).order_by().values("user")
    row = (
        Message.objects.order_by("-pk")
        .annotate(
            read_at=Subquery(reads.annotate(m=Max("last_read_at")).values("m")),
            reads=Subquery(reads.annotate(n=Count("pk")).values("n")),
        )
        .values_list("pk", "read_at", "reads")
        .first()
    )
    return row if row is not None else (None, None, None)


def header_unread_count(user: User) -> int:
    """Conversations with something new for this user, as the header shows them."""
    seconds = settings.HEADER_UNREAD_KEPT_SECONDS
    if seconds <= 0:
        return unread_count(user)
    marker = _marker(user)
    now = _clock()
    with _lock:
        kept = _kept.get(user.pk)
    if kept is not None and kept[0] == marker and kept[1] > now:
        return kept[2]
    count = unread_count(user)
    with _lock:
        _kept[user.pk] = (marker, now + seconds, count)
        _kept.move_to_end(user.pk)
        while len(_kept) > MOST_USERS_KEPT:
            _kept.popitem(last=False)
    return count


def forget_header_counts() -> None:
    """Drop every kept count (tests start each one clean)."""
    with _lock:
        _kept.clear()
