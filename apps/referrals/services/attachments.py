"""Letters attached to a referral: PDF or image only, size-limited, type checked by content."""

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.accounts.models import User
from carecoord.uploads import UPLOAD_MAX_BYTES, UPLOAD_TYPES, validate_upload

from .. import permissions
from ..models import Referral, ReferralAttachment

ATTACHMENT_MAX_BYTES = UPLOAD_MAX_BYTES
ATTACHMENT_TYPES = UPLOAD_TYPES


def validate_letter(upload: UploadedFile) -> str:
    """A referral letter's real content type, or a clear error (the shared upload check, 10 MB)."""
    return validate_upload(upload, max_bytes=ATTACHMENT_MAX_BYTES)


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
    if not permissions.can_cancel_referral(actor, referral):
        raise PermissionDenied("Only the referrer or the receiving team can attach letters.")
    content_type = validate_letter(upload)
    with transaction.atomic(durable=True):
        return attachment_save(actor=actor, referral=referral, upload=upload, content_type=content_type)
