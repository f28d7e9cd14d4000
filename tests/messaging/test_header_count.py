"""The header's unread count is kept per process and recounted when a message arrives or the user reads
a thread; a change in whose threads are the user's own reaches it within HEADER_UNREAD_KEPT_SECONDS.
(The rest of the suite keeps nothing, so its query counts are those of a page that counts.)"""

import pytest

from apps.messaging import header, services
from apps.messaging.models import Thread

from ..factories import CareTeamMemberFactory


@pytest.fixture(autouse=True)
def _kept_a_minute(settings) -> None:
    settings.HEADER_UNREAD_KEPT_SECONDS = 60


@pytest.fixture
def recounts(monkeypatch) -> list[int]:
    """Each full count the header makes (the user's pk)."""
    made: list[int] = []
    real = header.unread_count

    def counting(user):  # type: ignore[no-untyped-def]
        made.append(user.pk)
        return real(user)

    monkeypatch.setattr(header, "unread_count", counting)
    return made


def family_writes(cast, body: str = "Alice is wobbly.") -> Thread:
    return services.thread_start(actor=cast.family_a, patient=cast.child_a, subject="Wobbly", body=body)


def test_an_unchanged_count_is_not_counted_again(cast, recounts):
    family_writes(cast)
    assert header.header_unread_count(cast.nurse_a) == 1
    assert header.header_unread_count(cast.nurse_a) == 1
    assert recounts == [cast.nurse_a.pk]


def test_a_new_message_and_reading_a_thread_are_counted_at_once(cast, recounts):
    assert header.header_unread_count(cast.nurse_a) == 0
    thread = family_writes(cast)
    assert header.header_unread_count(cast.nurse_a) == 1  # the newest message moved
    services.thread_mark_read(actor=cast.nurse_a, thread=thread)
    assert header.header_unread_count(cast.nurse_a) == 0  # the nurse's own reads moved
    assert len(recounts) == 3


def test_a_new_care_team_reaches_the_header_within_the_time_kept(cast, recounts, monkeypatch):
    services.thread_start(actor=cast.family_a, patient=cast.child_a, subject="First", body="Hello there.")
    colleague = cast.nurse_other
    assert header.header_unread_count(colleague) == 0
    CareTeamMemberFactory(patient=cast.child_a, user=colleague)  # no message, no read: the marker stays
    assert header.header_unread_count(colleague) == 0  # kept
    now = header._clock()
    monkeypatch.setattr(header, "_clock", lambda: now + 61)
    assert header.header_unread_count(colleague) == 1
    assert recounts == [colleague.pk, colleague.pk]


def test_nothing_is_kept_when_the_setting_is_0(cast, recounts, settings):
    settings.HEADER_UNREAD_KEPT_SECONDS = 0
    header.header_unread_count(cast.nurse_a)
    header.header_unread_count(cast.nurse_a)
    assert recounts == [cast.nurse_a.pk, cast.nurse_a.pk] and not header._kept


def test_the_kept_counts_are_bounded(cast, monkeypatch):
    monkeypatch.setattr(header, "MOST_USERS_KEPT", 1)
    header.header_unread_count(cast.nurse_a)
    header.header_unread_count(cast.nurse_other)
    assert list(header._kept) == [cast.nurse_other.pk]
