"""ffmpeg processing of a real video: location and every other tag gone, a web copy and a
thumbnail, the nurse's review task with the video becoming ready; a renamed non-video fails and the
family is told. The row is the job: the sweeper queues it again when the worker never got it."""

import datetime
import json
import subprocess
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import Notification
from apps.tasks.models import Task
from apps.videos import processing, services
from apps.videos.models import Video

from .conftest import LOCATION, files_under

pytestmark = pytest.mark.django_db


def _send(cast, content: bytes) -> Video:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("clip.mp4", content)
    return services.video_send(actor=cast.family_a, patient=cast.child_a, file=upload, note="Eyes darting")


def _tags(path) -> dict:  # type: ignore[no-untyped-def]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True,
        check=True,
    )
    info = json.loads(out.stdout)
    tags = dict(info["format"].get("tags", {}))
    for stream in info["streams"]:
        tags.update(stream.get("tags", {}))
    return {"tags": tags, "streams": [s["codec_type"] for s in info["streams"]], "format": info["format"]}


def test_processing_strips_the_location_and_makes_a_web_copy_and_thumbnail(
    cast, mp4, media_root, django_capture_on_commit_callbacks
):
    assert LOCATION in _tags_of_bytes(mp4, media_root)["tags"].values()  # the phone's file has it
    with django_capture_on_commit_callbacks(execute=False):
        video = _send(cast, mp4)
    original = media_root / video.original_name
    assert original.exists()
    with django_capture_on_commit_callbacks(execute=True):
        processing.video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    copy = _tags(media_root / video.playable_name)
    assert not any("location" in key.lower() for key in copy["tags"]), copy["tags"]
    assert LOCATION not in copy["tags"].values() and "title" not in copy["tags"]
    assert copy["streams"] == ["video", "audio"]  # no data streams
    assert (media_root / video.thumbnail_name).read_bytes()[:3] == b"\xff\xd8\xff"
    assert video.duration_seconds == pytest.approx(1.0, abs=0.2)
    assert video.original_name == "" and not original.exists()  # the tagged original is gone
    task = Task.objects.get(source_key=processing.review_source_key(video))
    assert task.assignee == cast.nurse_a and task.patient == cast.child_a and task.status == Task.Status.OPEN
    assert task.source == Task.Source.FAMILY_VIDEO and "videos" in task.link_url
    # A redelivered message does nothing more.
    processing.video_process(video_id=video.pk)
    assert Task.objects.filter(source_key=processing.review_source_key(video)).count() == 1


def _tags_of_bytes(data: bytes, root) -> dict:  # type: ignore[no-untyped-def]
    path = root / "probe.mp4"
    path.write_bytes(data)
    try:
        return _tags(path)
    finally:
        path.unlink()


def test_a_renamed_non_video_fails_and_the_family_is_told_plainly(
    client, cast, media_root, require_ffmpeg, django_capture_on_commit_callbacks
):
    fake = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"this is not really a video" * 50
    with (
        mock.patch("apps.videos.tasks.process_video.apply_async") as q,
        django_capture_on_commit_callbacks(execute=True),
    ):
        video = _send(cast, fake)
    q.assert_called_once_with(args=[video.pk], retry=False)
    with django_capture_on_commit_callbacks(execute=True):
        processing.video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED
    assert not Task.objects.filter(source_key=processing.review_source_key(video)).exists()
    assert files_under(media_root) == []  # nothing kept of a file we cannot play
    note = Notification.objects.get(recipient=cast.family_a, kind="video_failed")
    assert note.url == reverse("videos:family_video", args=[video.pk])
    client.force_login(cast.family_a)
    page = client.get(note.url).content.decode()
    assert "We could not play this video" in page and "Try recording it again" in page


def test_the_sweeper_queues_again_what_no_worker_picked_up(cast):
    from .conftest import ready_video

    stuck = ready_video(cast.child_a, cast.family_a, status=Video.Status.PROCESSING, playable_name="")
    Video.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    new = ready_video(cast.child_a, cast.family_a, status=Video.Status.PROCESSING, playable_name="")
    held = ready_video(cast.child_a, cast.family_a, status=Video.Status.PROCESSING, playable_name="")
    Video.objects.filter(pk=held.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5), claimed_at=timezone.now()
    )
    with mock.patch("apps.videos.tasks.process_video.apply_async") as queue:
        assert processing.videos_processing_sweep() == [stuck.pk]
    queue.assert_called_once_with(args=[stuck.pk], retry=False)
    assert new.pk != stuck.pk


def test_a_missing_ffmpeg_lets_go_of_the_claim_for_a_retry(
    cast, settings, django_capture_on_commit_callbacks
):
    settings.VIDEO_FFPROBE = "/nonexistent/ffprobe"
    with django_capture_on_commit_callbacks(execute=False):
        video = _send(cast, b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 100)
    with pytest.raises(OSError):
        processing.video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING and video.claimed_at is None and video.attempts == 1


def test_an_upload_while_redis_is_down_is_kept_for_the_sweeper(cast, django_capture_on_commit_callbacks):
    fake = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 100
    with (
        mock.patch("apps.videos.tasks.process_video.apply_async", side_effect=OSError("Redis is down")),
        mock.patch("apps.videos.processing.broker_is_backing_off", return_value=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        video = _send(cast, fake)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING
    later = timezone.now() + datetime.timedelta(minutes=3)
    with mock.patch("apps.videos.tasks.process_video.apply_async") as queue:
        assert processing.videos_processing_sweep(now=later) == [video.pk]
    queue.assert_called_once_with(args=[video.pk], retry=False)
