"""Sharing letters with a family: upload (checked by content and size) and withdraw."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import User
from apps.notifications.services import notification_create
from apps.patients import access
from apps.patients.models import Guardian, Patient
from carecoord.errors import ApplicationError
from carecoord.history import save_with_history
from carecoord.uploads import validate_upload

from .models import FamilyDocument


def require_staff_who_sees(actor: User, patient_id: int) -> None:
    sees_child = access.can_see(actor, patient_id)
    if roles.staff_role(actor) is None or not sees_child:
        raise PermissionDenied("Only staff looking after this child can share letters with the family.")


def document_upload(
    *, actor: User, patient: Patient, title: str, dated: datetime.date | None, upload: UploadedFile | None
) -> FamilyDocument:
    """Share a PDF or image with the child's family. Every active guardian is told (the email says only
    that there is something new)."""
    require_staff_who_sees(actor, patient.pk)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = ["Give the document a title the family will understand, e.g. 'Clinic letter'."]
    elif len(title) > 150:
        errors["title"] = ["Keep the title to 150 characters or fewer."]
    if dated is None:
        errors["dated"] = ["Enter the date on the letter."]
    elif dated > timezone.localdate():
        errors["dated"] = ["The date cannot be in the future."]
    content_type = ""
    if upload is None:
        errors["file"] = ["Choose a file to upload."]
    else:
        try:
            content_type = validate_upload(upload)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors or upload is None or dated is None:
        raise ValidationError(errors)
    with transaction.atomic(durable=True):
        document = FamilyDocument(
            patient=patient,
            title=title,
            dated=dated,
            file=upload,
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=actor,
            released_at=timezone.now(),  # sharing an upload is releasing it
            released_by=actor,
        )
        save_with_history(document, actor=actor)
        tell_guardians(patient=patient, title=title)
    return document


def tell_guardians(*, patient: Patient, title: str) -> None:
    """In the caller's transaction: every active guardian is told there is something new (outbox)."""
    guardians = Guardian.objects.filter(patient=patient, is_active=True).select_related("user")
    for guardian in guardians:
        notification_create(
            recipient=guardian.user,
            kind="document_shared",
            title=f"New document for {patient.given_name}: {title}",
            url=f"/portal/children/{patient.pk}/documents/",
            patient_id=patient.pk,
        )


def document_withdraw(*, actor: User, document: FamilyDocument) -> FamilyDocument:
    """Stop showing a document to the family (it was shared by mistake, or replaced). It is kept for the record."""
    require_staff_who_sees(actor, document.patient_id)
    with transaction.atomic(durable=True):
        locked = FamilyDocument.objects.select_for_update().get(pk=document.pk)
        if locked.is_withdrawn:
            raise ApplicationError.stale("This document has already been withdrawn.")
        locked.is_withdrawn = True
        locked.withdrawn_at = timezone.now()
        save_with_history(locked, actor=actor, update_fields=["is_withdrawn", "withdrawn_at"])
    return locked
