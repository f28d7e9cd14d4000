"""Letters staff share with a child's family (a clinic letter, school guidance), shown in the portal.

A letter is either uploaded (shared, so released, at once) or generated from a template
(``apps/documents/generation.py``). A generated one is held back until a member of staff releases it,
and regenerating it adds a new version of the same series: the earlier one stays, and is superseded
for the family only when the new one is released.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.patients.models import Patient


def _document_path(instance: "FamilyDocument", filename: str) -> str:
    # A random name: nothing about the child or the letter in the file system, and no guessing.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.content_type, "bin"
    )
    return f"documents/{instance.patient_id}/{uuid.uuid4().hex}.{extension}"


class FamilyDocument(models.Model):
    """A PDF or image for the family. Type (by content) and size are checked by the service."""

    UPLOADED = "uploaded"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="family_documents")
    title = models.CharField(max_length=150, help_text="What the family sees, e.g. 'Clinic letter'.")
    dated = models.DateField(help_text="The date on the letter.")
    file = models.FileField(upload_to=_document_path)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    is_withdrawn = models.BooleanField(
        default=False, help_text="Withdrawn documents are no longer shown to or downloadable by the family."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(
        max_length=40,
        default=UPLOADED,
        help_text="'uploaded', or the kind of generated letter (for example 'mdt_outcome', 'school_support').",
    )
    series_key = models.CharField(
        max_length=80, blank=True, help_text="Generated letters: the versions of one letter share this key."
    )
    version = models.PositiveSmallIntegerField(default=1)
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="When the family could first see it; never set means staff only."
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="A later version was released: the family sees that one instead."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-dated", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["patient", "is_withdrawn", "dated"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "series_key", "version"],
                condition=~models.Q(series_key=""),
                name="document_version_once_per_series",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.dated:%d %b %Y})"

    @property
    def is_generated(self) -> bool:
        return self.kind != self.UPLOADED

    @property
    def is_released(self) -> bool:
        return self.released_at is not None

    @property
    def kind_label(self) -> str:
        return {"application/pdf": "PDF", "image/png": "PNG image", "image/jpeg": "JPEG image"}.get(
            self.content_type, "File"
        )

    @property
    def download_name(self) -> str:
        """A tidy file name for the download: the date and the title, never the stored path."""
        safe = "".join(ch if ch.isalnum() else "-" for ch in self.title).strip("-").lower() or "letter"
        while "--" in safe:
            safe = safe.replace("--", "-")
        stored = self.file.name or ""
        extension = stored.rsplit(".", 1)[-1] if "." in stored else "pdf"
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"{self.dated:%Y-%m-%d}-{safe[:60]}{suffix}.{extension}"
