"""Checks for an uploaded letter, document or photo: PDF, PNG or JPEG by content, size-limited.

One check for every app that accepts files (referral letters, family documents, message attachments);
each passes its own size limit.
"""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# What the file's first bytes must be, per accepted type: the browser's content type is not trusted.
UPLOAD_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def sniff_content_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, signatures in UPLOAD_TYPES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def validate_upload(upload: UploadedFile, *, max_bytes: int = UPLOAD_MAX_BYTES) -> str:
    """The file's real content type, or a clear error."""
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > max_bytes:
        raise ValidationError(
            {"file": f"The file is too large: the limit is {max_bytes // (1024 * 1024)} MB."}
        )
    content_type = sniff_content_type(upload)
    if content_type is None:
        raise ValidationError({"file": "Only PDF, PNG or JPEG files can be attached."})
    return content_type


# --- Video: MP4/MOV, 3GP and WebM by their container signatures ----------------------------------
# ISO base media files (MP4, QuickTime MOV, 3GP) open with a box whose type, at offset 4, is "ftyp";
# the major brand follows at offset 8 and compatible brands after the minor version (offset 16).
VIDEO_MP4, VIDEO_MOV, VIDEO_3GP, VIDEO_3G2, VIDEO_WEBM = (
    "video/mp4",
    "video/quicktime",
    "video/3gpp",
    "video/3gpp2",
    "video/webm",
)
BMFF_BRANDS = {
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"M4VP", b"dash"),
        VIDEO_MP4,
    ),
    b"qt  ": VIDEO_MOV,
    **dict.fromkeys((b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3ge6", b"3ge7", b"3gg6"), VIDEO_3GP),
    **dict.fromkeys((b"3g2a", b"3g2b", b"3g2c"), VIDEO_3G2),
}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE = b"\x42\x82"  # the DocType element's id; its size (one byte, 0x84 for "webm") follows
VIDEO_HEAD_BYTES = 64  # enough for the ftyp box's first brands or the EBML header's DocType
VIDEO_TYPES_IN_WORDS = "MP4, MOV, WebM or 3GP"


def _bmff_type(head: bytes) -> str | None:
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[0:4], "big")
    major = BMFF_BRANDS.get(head[8:12])
    if major:
        return major
    # An unknown major brand is accepted when a compatible brand is one we know (some phones write
    # their own major brand, e.g. "mp4v", and list "isom" after it).
    end = min(box_size, len(head)) if box_size >= 16 else len(head)
    for start in range(16, end - 3, 4):
        known = BMFF_BRANDS.get(head[start : start + 4])
        if known:
            return known
    return None


def _webm_type(head: bytes) -> str | None:
    if not head.startswith(EBML_MAGIC):
        return None
    at = head.find(EBML_DOCTYPE, 4)
    if at < 0 or at + 3 > len(head):
        return None
    size_byte = head[at + 2]
    if size_byte & 0x80 == 0:  # only the one-byte size form: "webm" is 4 bytes (0x84)
        return None
    size = size_byte & 0x7F
    return VIDEO_WEBM if head[at + 3 : at + 3 + size] == b"webm" else None


def sniff_video_type(head: bytes) -> str | None:
    """The container's type from a file's first bytes, or None: never the name or the browser's type."""
    return _bmff_type(head) or _webm_type(head)


def validate_video_head(head: bytes, *, size: int, max_bytes: int) -> str:
    """A video upload's real type from its first bytes and declared size, or a plain-words error."""
    if size <= 0:
        raise ValidationError({"file": "The file is empty. Choose the video again."})
    if size > max_bytes:
        raise ValidationError(
            {
                "file": f"The video is too large: the limit is {max_bytes // (1024 * 1024)} MB. "
                "Try a shorter clip."
            }
        )
    content_type = sniff_video_type(head)
    if content_type is None:
        raise ValidationError(
            {
                "file": f"This file is not a video we can take. Send an {VIDEO_TYPES_IN_WORDS} video "
                "from your phone's camera or gallery."
            }
        )
    return content_type
