"""Videos are checked by content (container signatures), never by name or the browser's type; the
older PDF/PNG/JPEG check is unchanged."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from carecoord import uploads

from .conftest import ffmpeg_video

MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
MOV_HEAD = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  "
GP3_HEAD = b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00isom3gp4"
G2_HEAD = b"\x00\x00\x00\x18ftyp3g2a\x00\x00\x00\x00isom3g2a"
WEBM_HEAD = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
)
MKV_HEAD = WEBM_HEAD.replace(b"\x84webm", b"\x88matroska")


@pytest.mark.parametrize(
    "head,expected",
    [
        (MP4_HEAD, "video/mp4"),
        (MOV_HEAD, "video/quicktime"),
        (GP3_HEAD, "video/3gpp"),
        (G2_HEAD, "video/3gpp2"),
        (WEBM_HEAD, "video/webm"),
        # An unknown major brand with a known compatible brand (some phones write their own).
        (b"\x00\x00\x00\x18ftypXYZ1\x00\x00\x00\x00mp42isom", "video/mp4"),
    ],
)
def test_it_knows_each_container_by_its_first_bytes(head, expected):
    assert uploads.sniff_video_type(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",  # a Windows .exe renamed .mp4
        b"<!doctype html><html><body>not a video</body></html>",
        b"",
        b"%PDF-1.4\n",
        b"\x00\x00\x00\x20ftypheic\x00\x00\x00\x00mif1heic",  # an HEIC photo is ISO BMFF, not a video
        MKV_HEAD,  # Matroska that is not WebM
        b"\x00\x00\x00\x20moovftypisom",  # ftyp in the wrong place
    ],
)
def test_it_refuses_what_is_not_a_video_we_take(head):
    assert uploads.sniff_video_type(head) is None
    with pytest.raises(ValidationError) as exc:
        uploads.validate_video_head(head, size=max(len(head), 1), max_bytes=10_000)
    assert "not a video we can take" in str(exc.value)


def test_it_refuses_empty_and_oversized_files_in_plain_words():
    with pytest.raises(ValidationError, match="The file is empty"):
        uploads.validate_video_head(MP4_HEAD, size=0, max_bytes=10_000)
    with pytest.raises(ValidationError, match="too large: the limit is 200 MB"):
        uploads.validate_video_head(MP4_HEAD, size=201 * 1024 * 1024, max_bytes=200 * 1024 * 1024)


def test_real_ffmpeg_files_are_recognised(tmp_path, require_ffmpeg):
    for fmt, expected in (("mp4", "video/mp4"), ("mov", "video/quicktime")):
        data = ffmpeg_video(tmp_path / f"clip.{fmt}", fmt=fmt)
        assert uploads.sniff_video_type(data[:64]) == expected
    webm = ffmpeg_video(tmp_path / "clip.webm", fmt="webm")
    assert uploads.sniff_video_type(webm[:64]) == "video/webm"


def test_the_document_check_is_unchanged():
    pdf = SimpleUploadedFile("a.mp4", b"%PDF-1.4 rest", content_type="video/mp4")
    assert uploads.validate_upload(pdf) == "application/pdf"
    video = SimpleUploadedFile("a.pdf", MP4_HEAD, content_type="application/pdf")
    with pytest.raises(ValidationError):
        uploads.validate_upload(video)
