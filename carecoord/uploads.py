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
