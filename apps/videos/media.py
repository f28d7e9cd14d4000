"""ffmpeg and ffprobe (Debian's package): check a video decodes, make a web copy and a thumbnail.

The copy drops every metadata tag (location, device, dates: ``-map_metadata -1``), chapters, data and
subtitle streams (``-dn -sn``), keeps the first video and audio stream only, and is H.264/AAC MP4
with the index at the front (``+faststart``) so a browser can start playing before the end arrives.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass

from django.conf import settings

MAX_WIDTH = 1280


class NotAVideo(Exception):
    """ffprobe/ffmpeg could not decode the file as a video."""


@dataclass(frozen=True)
class Probe:
    duration: float | None
    has_video: bool
    tags: dict[str, str]


def ffmpeg_available() -> bool:
    return bool(shutil.which(settings.VIDEO_FFMPEG) and shutil.which(settings.VIDEO_FFPROBE))


def probe(path: str) -> Probe:
    try:
        out = subprocess.run(  # noqa: S603 (fixed arguments, our own temporary path)
            [
                settings.VIDEO_FFPROBE,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                path,
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
        info = json.loads(out.stdout or b"{}")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, ValueError) as exc:
        raise NotAVideo(str(exc)) from exc
    streams = info.get("streams", [])
    fmt = info.get("format", {})
    tags = {k.lower(): str(v) for k, v in (fmt.get("tags") or {}).items()}
    for stream in streams:
        tags.update({k.lower(): str(v) for k, v in (stream.get("tags") or {}).items()})
    duration = fmt.get("duration")
    return Probe(
        duration=float(duration) if duration not in (None, "N/A") else None,
        has_video=any(s.get("codec_type") == "video" for s in streams),
        tags=tags,
    )


def _run(args: list[str]) -> None:
    try:
        subprocess.run(  # noqa: S603 (fixed arguments, our own temporary paths)
            [settings.VIDEO_FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
            capture_output=True,
            timeout=settings.VIDEO_PROCESS_TIMEOUT_SECONDS,
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        raise NotAVideo(exc.stderr.decode(errors="replace")[-500:]) from exc


def make_web_copy(source: str, target: str) -> None:
    _run(
        [
            "-i", source,
            "-map", "0:v:0", "-map", "0:a:0?",
            "-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn",
            "-vf", f"scale='min({MAX_WIDTH},iw)':-2,format=yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "26",
            "-c:a", "aac", "-b:a", "96k",
            "-movflags", "+faststart",
            target,
        ]
    )  # fmt: skip


def make_thumbnail(source: str, target: str, *, at: float) -> None:
    _run(
        [
            "-ss",
            f"{at:.2f}",
            "-i",
            source,
            "-frames:v",
            "1",
            "-map_metadata",
            "-1",
            "-vf",
            "scale=480:-2",
            target,
        ]
    )
