"""The nurse's review: seen in clinic or significant, added to the record (on the pathway timeline);
the staff page lists the child's videos in constant queries; retention deletes files and keeps an
audit row; the chart's family layer has a marker per video."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.pathways.timeline import timeline_for
from apps.tasks.models import Task
from apps.tasks.services import task_open
from apps.videos import processing, review
from apps.videos.models import Video, VideoDeletion, VideoRetention
from carecoord.family_layers import family_layers

from .conftest import files_under, ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def retention(db) -> VideoRetention:  # type: ignore[no-untyped-def]
    """The migration's seeded row (a browser test's flush of the database may have removed it)."""
    import importlib

    from django.apps import apps

    importlib.import_module("apps.videos.migrations.0002_retention_demo_value").seed(apps, None)
    return VideoRetention.objects.get()


def _with_task(video: Video) -> Task:
    return task_open(
        title="Watch",
        source=Task.Source.FAMILY_VIDEO,
        assignee=video.patient.named_nurse,
        patient=video.patient,
        source_key=processing.review_source_key(video),
    )


def test_the_nurse_marks_a_video_significant_and_the_task_is_done(client, cast):
    video = ready_video(cast.child_a, cast.family_a)
    task = _with_task(video)
    client.force_login(cast.nurse_a)
    response = client.post(reverse("videos:staff_review", args=[video.pk]), {"outcome": "significant"})
    assert response.status_code == 302
    video.refresh_from_db()
    task.refresh_from_db()
    assert video.outcome == Video.Outcome.SIGNIFICANT and video.reviewed_by == cast.nurse_a
    assert task.status == Task.Status.DONE
    bad = client.post(reverse("videos:staff_review", args=[video.pk]), {"outcome": "fine"})
    assert bad.status_code == 302
    video.refresh_from_db()
    assert video.outcome == Video.Outcome.SIGNIFICANT


def test_adding_a_video_to_the_record_puts_it_on_the_timeline(client, cast):
    video = ready_video(cast.child_a, cast.family_a, seen_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(cast.nurse_a)
    empty = client.post(reverse("videos:staff_add_to_record", args=[video.pk]), {"note": "  "})
    assert empty.status_code == 302
    video.refresh_from_db()
    assert video.added_to_record_at is None
    client.post(reverse("videos:staff_add_to_record", args=[video.pk]), {"note": "Opsoclonus at bedtime"})
    video.refresh_from_db()
    assert video.record_note == "Opsoclonus at bedtime" and video.added_to_record_by == cast.nurse_a
    entries = [e for e in timeline_for(cast.child_a) if e.kind == "family_video"]
    assert len(entries) == 1 and "Opsoclonus at bedtime" in entries[0].summary
    assert entries[0].day == video.day and entries[0].url.endswith(f"#video-{video.pk}")


def test_break_glass_staff_may_watch_but_not_review(client, cast):
    video = ready_video(cast.child_a, cast.family_a)
    client.force_login(cast.nurse_glass)
    assert client.get(reverse("videos:staff_list", args=[cast.child_a.pk])).status_code == 200
    refused = client.post(reverse("videos:staff_review", args=[video.pk]), {"outcome": "seen_in_clinic"})
    assert refused.status_code == 403
    video.refresh_from_db()
    assert not video.outcome


def test_the_staff_page_reads_in_constant_queries(client, cast, django_assert_max_num_queries, retention):
    client.force_login(cast.nurse_a)
    for _ in range(2):
        ready_video(cast.child_a, cast.family_a)
    with django_assert_max_num_queries(40) as few:
        page = client.get(reverse("videos:staff_list", args=[cast.child_a.pk]))
    for _ in range(6):
        ready_video(cast.child_a, cast.family_a, outcome="seen_in_clinic", reviewed_by=cast.nurse_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("videos:staff_list", args=[cast.child_a.pk]))
    html = page.content.decode()
    assert html.count("<video") == 8 and "Demo value" in html
    assert reverse("videos:staff_thumbnail", args=[Video.objects.first().pk]) in html


def test_the_retention_job_deletes_old_files_and_keeps_an_audit_row(cast, media_root, retention):
    policy = retention
    assert policy.is_demo and "Demo value" in policy.label
    old = ready_video(cast.child_a, cast.family_a)
    Video.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=policy.days + 1)
    )
    recent = ready_video(cast.child_a, cast.family_a)
    _with_task(old)
    assert review.videos_delete_expired() == [old.pk]
    old.refresh_from_db()
    assert old.status == Video.Status.DELETED and old.playable_name == "" and old.thumbnail_name == ""
    row = VideoDeletion.objects.get(video=old)
    assert row.retention_days == policy.days and len(row.files) == 2 and row.patient == cast.child_a
    assert all(str(recent.uid) in f for f in files_under(media_root))
    assert Task.objects.get(source_key=processing.review_source_key(old)).status == Task.Status.DONE
    assert review.videos_delete_expired() == []  # a second run is a no-op
    assert VideoDeletion.objects.count() == 1


def test_the_chart_gets_a_marker_per_ready_video(cast):
    today = timezone.localdate()
    video = ready_video(cast.child_a, cast.family_a, note="Jerks on waking")
    ready_video(cast.child_a, cast.family_a, status=Video.Status.FAILED, playable_name="")
    ready_video(cast.child_b, cast.family_b)
    layers = family_layers(cast.child_a.pk, today - datetime.timedelta(days=30), today)
    videos = [m for m in layers.markers if m.kind == "video"]
    assert len(videos) == 1
    assert videos[0].day == today and "Jerks on waking" in videos[0].label
    assert videos[0].url == reverse("videos:staff_list", args=[cast.child_a.pk]) + f"#video-{video.pk}"
    assert not family_layers(
        cast.child_a.pk, today - datetime.timedelta(days=60), today - datetime.timedelta(days=31)
    ).markers


def test_without_a_retention_period_nothing_is_deleted_and_the_page_says_so(client, cast):
    VideoRetention.objects.all().delete()
    old = ready_video(cast.child_a, cast.family_a)
    Video.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=5000))
    assert review.videos_delete_expired() == []
    client.force_login(cast.nurse_a)
    page = client.get(reverse("videos:staff_list", args=[cast.child_a.pk]))
    assert page.status_code == 200 and "No retention period is set" in page.content.decode()
