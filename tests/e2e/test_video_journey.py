"""Family video through a real browser on a phone: the family films (a real ffmpeg-made file),
answers the prompt and sends it; the connection drops part way and the page carries on; the worker's
job makes it playable; the named nurse sees the review task and plays the video."""

import shutil

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffProfile
from apps.audit.models import AccessEvent
from apps.tasks.models import Task
from apps.videos import processing
from apps.videos.models import Video
from tests.conftest import require_service
from tests.e2e.axe import assert_no_serious_axe_violations
from tests.factories import (
    CareTeamMemberFactory,
    FamilyFactory,
    GuardianFactory,
    PatientFactory,
    StaffFactory,
)
from tests.videos.conftest import ffmpeg_video

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 390, "height": 844}


def test_family_sends_a_video_from_a_phone_and_the_nurse_plays_it(
    page: Page, login, screenshot, settings, tmp_path
):
    require_service(bool(shutil.which("ffmpeg") and shutil.which("ffprobe")), "ffmpeg and ffprobe")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VIDEO_CHUNK_MAX_BYTES = 4096  # a short clip still goes in several parts
    nurse = StaffFactory(
        full_name="Nina Nurse", role=StaffProfile.Role.NURSE_SPECIALIST, role__teams=["nursing"]
    )
    child = PatientFactory(given_name="Maya", family_name="Brown", named_nurse=nurse)
    CareTeamMemberFactory(patient=child, user=nurse)
    parent = FamilyFactory(full_name="Pat Brown")
    GuardianFactory(patient=child, user=parent)
    clip = tmp_path / "IMG_0042.MOV"
    ffmpeg_video(clip, seconds=2, fmt="mov")

    page.set_viewport_size(PHONE)
    login(page, parent, path="/portal/login/")
    page.goto(f"/portal/children/{child.pk}/")
    page.get_by_role("link", name="Send a video").first.click()
    page.get_by_role("link", name="Send a video").click()
    expect(page.get_by_role("heading", name="Send a video of Maya")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#id_camera").get_attribute("capture") == "environment"
    expect(page.locator("#video-form[data-ready='true']")).to_have_count(1)  # upload.js is deferred
    page.locator("#id_gallery").set_input_files(str(clip))
    expect(page.get_by_text("Chosen: IMG_0042.MOV")).to_be_visible()
    page.get_by_label("What did you see?").fill("Her eyes were darting side to side after her nap")
    page.get_by_label("When did it start?").fill("2026-11-30T15:20")
    assert_no_serious_axe_violations(page, "video upload at 390px")
    screenshot("upload-phone")

    # The connection drops once, on the third part: the page waits, asks how much arrived, carries on.
    dropped: list[str] = []

    def flaky(route):  # type: ignore[no-untyped-def]
        request = route.request
        if (
            request.method == "POST"
            and request.headers.get("content-range", "").startswith("bytes 8192-")
            and not dropped
        ):
            dropped.append(request.headers["content-range"])
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/portal/video-uploads/*/", flaky)
    page.get_by_role("button", name="Send the video").click()
    expect(page.get_by_role("heading", name="Thank you, we have your video")).to_be_visible(timeout=30_000)
    assert dropped, "the test's dropped connection did not happen"
    video = Video.objects.get(patient=child)
    assert video.uploaded_size == clip.stat().st_size and video.uploaded_type == "video/quicktime"

    # The worker's job (run here in-process, as the Celery task would).
    processing.video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    task = Task.objects.get(source_key=processing.review_source_key(video))
    assert task.assignee == nurse

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, nurse)
    page.goto("/tasks/")
    link = page.get_by_role("link", name="Watch the video Maya's family sent", exact=False).first
    expect(link).to_be_visible()
    link.click()
    page.get_by_role("link", name="open where it came from").click()
    player = page.locator(f"#video-{video.pk} video")
    expect(player).to_be_visible()
    player.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function(
        f"() => {{ const v = document.querySelector('#video-{video.pk} video'); return v.readyState >= 2 && v.duration > 1; }}",
        timeout=15_000,
    )
    duration = player.evaluate("v => v.duration")
    assert 1.5 < duration < 2.5
    assert AccessEvent.objects.filter(user=nurse, patient=child, what="video play").exists()
    assert_no_serious_axe_violations(page, "staff videos")
    screenshot("staff-videos")
    page.get_by_label("Significant").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_text("Review saved. The task is done.")).to_be_visible()
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
