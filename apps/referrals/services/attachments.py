"""Letters attached to a referral: PDF or image only, size-limited, type checked by content."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from apps.patients import access

from ..models import Referral, ReferralAttachment

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# What the file's first bytes must be, per accepted type: the browser's content type is not trusted.
ATTACHMENT_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}


def sniff_content_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, signatures in ATTACHMENT_TYPES.items():
        if any(head.startswith(sig) for sig in signatures):
            return content_type
    return None


def validate_letter(upload: UploadedFile, *, max_bytes: int = ATTACHMENT_MAX_BYTES) -> str:
    """The file's real content type, or a clear error. Shared by every upload of a letter or image."""
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


def attachment_save(
    *, actor: User, referral: Referral, upload: UploadedFile, content_type: str
) -> ReferralAttachment:
    """Store a letter already checked by ``validate_letter``, inside the caller's transaction."""
    return ReferralAttachment.objects.create(
        referral=referral,
        file=upload,
        original_name=(upload.name or "letter")[-200:],
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=actor,
    )


def referral_attach(*, actor: User, referral: Referral, upload: UploadedFile) -> ReferralAttachment:
    if not access.can_cancel_referral(actor, referral):
        raise PermissionDenied("Only the referrer or the receiving team can attach letters.")
    content_type = validate_letter(upload)
    with transaction.atomic(durable=True):
        return attachment_save(actor=actor, referral=referral, upload=upload, content_type=content_type)
