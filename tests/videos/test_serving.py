"""Range-served videos: 200/206/416 with the right headers; one AccessEvent per play, not per part;
only staff who see the child and the family who sent it (or a household it was shared with)."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AccessEvent
from apps.videos.models import Video
from apps.videos.serving import Unsatisfiable, parse_range
from tests.factories import FamilyFactory, GuardianFactory

from .conftest import ready_video

pytestmark = pytest.mark.django_db
DATA = bytes(range(256)) * 40  # 10,240 bytes


def _stream(video: Video) -> str:
    return reverse("videos:staff_stream", args=[video.pk])


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "header,expected",
    [
        ("bytes=0-", (0, 99)),
        ("bytes=10-19", (10, 19)),
        ("bytes=90-500", (90, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("", None),
        ("bytes=5-1", None),  # invalid: ignored
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),
    ],
)
def test_ranges_are_read_as_rfc_9110_says(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
def test_a_range_past_the_end_is_unsatisfiable(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, 100)


def test_staff_get_206_with_content_range_and_416_past_the_end(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    client.force_login(cast.nurse_a)
    whole = client.get(_stream(video))
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(len(DATA)) and _body(whole) == DATA
    assert whole["Content-Type"] == "video/mp4" and "no-store" in whole["Cache-Control"]
    part = client.get(_stream(video), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(DATA)}" and part["Content-Length"] == "100"
    assert _body(part) == DATA[100:200]
    tail = client.get(_stream(video), HTTP_RANGE="bytes=-24")
    assert tail.status_code == 206 and _body(tail) == DATA[-24:]
    bad = client.get(_stream(video), HTTP_RANGE=f"bytes={len(DATA)}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(DATA)}"
    download = client.get(_stream(video) + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")


def test_one_access_event_per_play_not_per_part(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    client.force_login(cast.nurse_a)
    plays = AccessEvent.objects.filter(user=cast.nurse_a, patient=cast.child_a, what="video play")
    client.get(_stream(video), HTTP_RANGE="bytes=0-")  # the browser starts a play
    for start in (4096, 8192, 2048):  # and asks for later parts as it plays and seeks
        client.get(_stream(video), HTTP_RANGE=f"bytes={start}-")
    assert plays.count() == 1
    client.get(_stream(video), HTTP_RANGE="bytes=0-")  # played again from the start
    assert plays.count() == 2
    client.get(_stream(video) + "?download=1")
    assert AccessEvent.objects.filter(user=cast.nurse_a, what="video download").count() == 1
    assert plays.first().basis == AccessEvent.Basis.NAMED_NURSE


def test_a_stream_that_skips_byte_0_is_still_audited(client, cast):
    """A client asking only for later parts (``bytes=1-``) reads the whole video: it is a play too."""
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    client.force_login(cast.nurse_a)
    plays = AccessEvent.objects.filter(user=cast.nurse_a, patient=cast.child_a, what="video play")

    client.get(_stream(video), HTTP_RANGE="bytes=1-")
    client.get(_stream(video), HTTP_RANGE="bytes=4096-")  # its later parts: the same play

    assert plays.count() == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        client.force_login(cast.nurse_a)  # the idle session would have ended by now
        client.get(_stream(video), HTTP_RANGE="bytes=1-")
    assert plays.count() == 2


def test_the_family_that_sent_it_can_play_it(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    client.force_login(cast.family_a)
    response = client.get(reverse("videos:family_stream", args=[video.pk]), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206 and _body(response) == DATA[:10]
    assert AccessEvent.objects.filter(user=cast.family_a, what="video play").count() == 1
    assert client.get(reverse("videos:family_thumbnail", args=[video.pk])).status_code == 200


def test_another_household_and_staff_outside_scope_get_404(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    for user, url in (
        (cast.family_b, reverse("videos:family_stream", args=[video.pk])),
        (cast.family_b, reverse("videos:family_video", args=[video.pk])),
        (cast.nurse_other, _stream(video)),
        (cast.nurse_other, reverse("videos:staff_thumbnail", args=[video.pk])),
        (cast.nurse_other, reverse("videos:staff_list", args=[cast.child_a.pk])),
        (cast.family_a, _stream(video)),  # the staff route is for staff
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404, (user, url)
    assert not AccessEvent.objects.filter(what__startswith="video").exists()


def test_another_household_of_the_same_child_sees_it_only_when_the_sender_shared_it(client, cast):
    other_parent = FamilyFactory(full_name="Andy Family")
    GuardianFactory(patient=cast.child_a, user=other_parent, relationship="father")
    private = ready_video(cast.child_a, cast.family_a, data=DATA)
    shared = ready_video(cast.child_a, cast.family_a, data=DATA, share_with_family=True)
    client.force_login(other_parent)
    assert client.get(reverse("videos:family_stream", args=[private.pk])).status_code == 404
    assert client.get(reverse("videos:family_stream", args=[shared.pk])).status_code == 200
    listing = client.get(reverse("videos:family_list", args=[cast.child_a.pk])).content.decode()
    assert reverse("videos:family_video", args=[shared.pk]) in listing
    assert reverse("videos:family_video", args=[private.pk]) not in listing


def test_break_glass_staff_may_watch(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    client.force_login(cast.nurse_glass)
    assert client.get(_stream(video), HTTP_RANGE="bytes=0-").status_code == 206
    event = AccessEvent.objects.get(user=cast.nurse_glass, what="video play")
    assert event.via_break_glass


def test_a_video_not_ready_is_not_served(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA, status=Video.Status.PROCESSING)
    client.force_login(cast.nurse_a)
    assert client.get(_stream(video)).status_code == 404


def test_a_head_request_plays_nothing_and_is_not_audited(client, cast):
    video = ready_video(cast.child_a, cast.family_a, data=DATA)
    client.force_login(cast.nurse_a)
    response = client.head(_stream(video))
    assert response.status_code == 200 and response["Content-Length"] == str(len(DATA))
    assert not AccessEvent.objects.filter(what="video play").exists()
