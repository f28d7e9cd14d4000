"""The family's upload: refused by content with plain words and nothing left behind; resumable after
a dropped connection; finished twice, one video."""

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.videos import review
from apps.videos.models import Video, VideoUpload

from .conftest import files_under

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 2000
HTML = b"<!doctype html><html><head><title>x</title></head><body>" + b"a" * 2000 + b"</body></html>"
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"


def _client(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def _start(client, child, size, **extra):  # type: ignore[no-untyped-def]
    data = {"size": str(size), "note": "Her eyes were darting", "seen_at": "2026-11-30T18:05", **extra}
    return client.post(reverse("videos:upload_start", args=[child.pk]), data)


def _put(client, url, data, first, total):  # type: ignore[no-untyped-def]
    last = first + len(data) - 1
    return client.post(
        url,
        data=data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {first}-{last}/{total}",
    )


def _nothing_left(media_root):  # type: ignore[no-untyped-def]
    assert VideoUpload.objects.count() == 0
    assert Video.objects.count() == 0
    assert files_under(media_root) == []


@pytest.mark.parametrize("content", [EXE, HTML], ids=["exe-renamed-mp4", "html"])
def test_a_file_that_is_not_a_video_is_refused_at_its_first_part_and_leaves_nothing(
    client, cast, media_root, content
):
    c = _client(client, cast.family_a)
    started = _start(c, cast.child_a, len(content))
    assert started.status_code == 201
    response = _put(c, started.json()["url"], content[:1024], 0, len(content))
    assert response.status_code == 400
    assert "not a video we can take" in response.json()["error"]["message"]
    _nothing_left(media_root)


@pytest.mark.parametrize("content,name", [(EXE, "clip.mp4"), (HTML, "page.mov"), (b"", "empty.mp4")])
def test_the_page_without_javascript_refuses_wrong_files_in_plain_words(
    client, cast, media_root, content, name
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _client(client, cast.family_a)
    upload = SimpleUploadedFile(name, content, content_type="video/mp4")  # the browser's word is not trusted
    response = c.post(reverse("videos:family_new", args=[cast.child_a.pk]), {"gallery": upload, "note": "x"})
    assert response.status_code == 400
    text = response.content.decode()
    assert ("not a video we can take" in text) or ("The file is empty" in text) or ("empty" in text)
    _nothing_left(media_root)


def test_an_empty_or_oversized_file_is_refused_before_any_byte(client, cast, media_root, settings):
    settings.VIDEO_MAX_BYTES = 1024 * 1024
    c = _client(client, cast.family_a)
    empty = _start(c, cast.child_a, 0)
    assert empty.status_code == 400 and "The file is empty" in empty.json()["error"]["message"]
    big = _start(c, cast.child_a, 1024 * 1024 + 1)
    assert big.status_code == 400
    assert "too large: the limit is 1 MB" in big.json()["error"]["message"]
    _nothing_left(media_root)


def test_an_oversized_file_sent_without_javascript_is_refused(client, cast, media_root, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.VIDEO_MAX_BYTES = 1024
    c = _client(client, cast.family_a)
    upload = SimpleUploadedFile("big.mp4", MP4_HEAD + b"\x00" * 2000, content_type="video/mp4")
    response = c.post(reverse("videos:family_new", args=[cast.child_a.pk]), {"camera": upload})
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    _nothing_left(media_root)


def test_an_upload_resumes_from_where_the_connection_dropped(client, cast, media_root):
    content = MP4_HEAD + bytes(range(256)) * 20  # 5,152 bytes, sent in three parts
    c = _client(client, cast.family_a)
    upload = _start(c, cast.child_a, len(content), sha256=hashlib.sha256(content).hexdigest()).json()
    assert _put(c, upload["url"], content[:2000], 0, len(content)).json()["offset"] == 2000
    # The connection drops part way through the second part: fewer bytes arrive than it says.
    cut = c.post(
        upload["url"],
        data=content[2000:2500],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 2000-3999/{len(content)}",
    )
    assert cut.status_code == 400
    # The phone comes back, asks how much arrived, and carries on from there.
    state = c.get(upload["url"]).json()
    assert state["offset"] == 2000 and state["status"] == "open"
    # A part sent from the wrong place is refused with the offset to use.
    wrong = _put(c, upload["url"], content[3000:4000], 3000, len(content))
    assert wrong.status_code == 409 and wrong.json()["offset"] == 2000
    assert _put(c, upload["url"], content[2000:4000], 2000, len(content)).json()["offset"] == 4000
    # Finishing early says plainly that the video has not all arrived.
    early = c.post(upload["finish_url"])
    assert early.status_code == 409 and "Not all of the video" in early.json()["error"]["message"]
    assert _put(c, upload["url"], content[4000:], 4000, len(content)).json()["offset"] == len(content)
    done = c.post(upload["finish_url"])
    assert done.status_code == 200
    video = Video.objects.get()
    assert video.sha256 == hashlib.sha256(content).hexdigest()
    assert video.uploaded_size == len(content) and video.uploaded_type == "video/mp4"
    assert video.note == "Her eyes were darting" and video.status == Video.Status.PROCESSING
    assert timezone.localtime(video.seen_at).strftime("%Y-%m-%dT%H:%M") == "2026-11-30T18:05"
    assert (media_root / video.original_name).read_bytes() == content


def test_a_damaged_part_is_refused_and_can_be_sent_again(client, cast):
    content = MP4_HEAD + b"\x01" * 500
    c = _client(client, cast.family_a)
    upload = _start(c, cast.child_a, len(content)).json()
    bad = c.post(
        upload["url"],
        data=content,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes 0-{len(content) - 1}/{len(content)}",
        HTTP_X_CONTENT_SHA256="0" * 64,
    )
    assert bad.status_code == 400 and "damaged" in bad.json()["error"]["message"]
    assert VideoUpload.objects.get().received == 0


def test_finishing_twice_makes_one_video(client, cast, django_capture_on_commit_callbacks, media_root):
    content = MP4_HEAD + b"\x02" * 300
    c = _client(client, cast.family_a)
    upload = _start(c, cast.child_a, len(content)).json()
    _put(c, upload["url"], content, 0, len(content))
    with django_capture_on_commit_callbacks(execute=False):
        first = c.post(upload["finish_url"]).json()
        second = c.post(upload["finish_url"]).json()
    assert first["video"] == second["video"]
    assert Video.objects.count() == 1
    # A part sent again after the finish changes nothing.
    again = _put(c, upload["url"], content, 0, len(content))
    assert again.status_code == 200 and again.json()["status"] == "finished"
    assert Video.objects.count() == 1


def test_the_page_without_javascript_sends_a_small_file(client, cast, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _client(client, cast.family_a)
    upload = SimpleUploadedFile("clip.mov", MP4_HEAD + b"\x03" * 300, content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = c.post(
            reverse("videos:family_new", args=[cast.child_a.pk]), {"gallery": upload, "note": "Wobbly"}
        )
    video = Video.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "videos:family_video", args=[video.pk]
    )
    assert video.note == "Wobbly" and VideoUpload.objects.get().video == video
    assert callbacks, "processing is queued when the upload commits"


def test_someone_elses_upload_is_a_404(client, cast):
    owner = _client(client, cast.family_a)
    upload = _start(owner, cast.child_a, 100).json()
    client.force_login(cast.family_b)
    assert client.get(upload["url"]).status_code == 404
    assert _put(client, upload["url"], MP4_HEAD, 0, 100).status_code == 404
    assert client.post(upload["finish_url"]).status_code == 404
    assert (
        client.post(reverse("videos:upload_start", args=[cast.child_a.pk]), {"size": "10"}).status_code == 404
    )


def test_abandoned_uploads_expire_with_their_partial_files(
    client, cast, media_root, django_capture_on_commit_callbacks
):
    content = MP4_HEAD + b"\x04" * 3000
    c = _client(client, cast.family_a)
    upload = _start(c, cast.child_a, len(content)).json()
    _put(c, upload["url"], content[:1000], 0, len(content))
    assert files_under(media_root)  # the first part is stored
    fresh = _start(c, cast.child_a, len(content)).json()
    with django_capture_on_commit_callbacks(execute=True):
        assert review.uploads_expire(now=timezone.now() + datetime.timedelta(hours=1)) == 0
        later = timezone.now() + datetime.timedelta(hours=25)
        assert review.uploads_expire(now=later) == 2
    assert VideoUpload.objects.count() == 0
    assert files_under(media_root) == []
    assert c.get(fresh["url"]).status_code == 404


def test_a_bad_resend_of_the_first_part_does_not_throw_away_an_upload_under_way(client, cast):
    content = MP4_HEAD + b"\x05" * 3000
    c = _client(client, cast.family_a)
    upload = _start(c, cast.child_a, len(content)).json()
    _put(c, upload["url"], content[:1000], 0, len(content))
    assert _put(c, upload["url"], EXE[:1000], 0, len(content)).status_code == 400
    assert c.get(upload["url"]).json()["offset"] == 1000
