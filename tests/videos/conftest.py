"""Family videos: real files made by ffmpeg, a private media root per test, and the upload steps."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_service

LOCATION = "+51.5074-000.1278/"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    os.makedirs(settings.MEDIA_ROOT, exist_ok=True)
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def media_root(settings) -> Path:  # type: ignore[no-untyped-def]
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def require_ffmpeg() -> None:
    """ffmpeg-dependent tests fail (not skip) under CARECOORD_REQUIRE_SERVICES=1 when it is missing."""
    require_service(
        bool(shutil.which("ffmpeg") and shutil.which("ffprobe")), "ffmpeg and ffprobe (Debian's ffmpeg)"
    )


def ffmpeg_video(path: Path, *, seconds: int = 1, fmt: str = "mp4") -> bytes:
    """A short real video with sound and a location tag, as a phone would write it."""
    args = [
        "ffmpeg", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc=duration={seconds}:size=320x240:rate=10",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-shortest", "-metadata", f"location={LOCATION}", "-metadata", "title=In the garden",
    ]  # fmt: skip
    if fmt == "webm":
        args += ["-c:v", "libvpx", "-b:v", "200k", "-c:a", "libvorbis", str(path)]
    else:
        args += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", fmt, str(path)]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return path.read_bytes()


@pytest.fixture
def mp4(tmp_path, require_ffmpeg) -> bytes:  # type: ignore[no-untyped-def]
    return ffmpeg_video(tmp_path / "clip.mp4")


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def ready_video(patient, sender, data: bytes = bytes(range(256)) * 40, **fields):  # type: ignore[no-untyped-def]
    """A processed video (its "web copy" is ``data``), for serving and review tests without ffmpeg."""
    from apps.videos import storage
    from apps.videos.models import Video

    video = Video(
        patient=patient,
        uploaded_by=sender,
        uploaded_type="video/mp4",
        uploaded_size=len(data),
        sha256="0" * 64,
    )
    video.playable_name = storage.put(storage.video_name(patient.pk, video.uid, "web.mp4"), data)
    video.thumbnail_name = storage.put(
        storage.video_name(patient.pk, video.uid, "thumbnail.jpg"), b"\xff\xd8\xff thumb"
    )
    video.playable_type, video.playable_size, video.status = "video/mp4", len(data), Video.Status.READY
    for key, value in fields.items():
        setattr(video, key, value)
    video.save()
    return video
