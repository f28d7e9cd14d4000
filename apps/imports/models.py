"""A caseload import: the uploaded file (kept on the server, so Apply never re-trusts the browser),
its dry-run plan row by row, and what applying it did."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class CaseloadImport(models.Model):
    class Status(models.TextChoices):
        PLANNING = "planning", "Checking the file"
        PLANNED = "planned", "Dry run ready"
        APPLYING = "applying", "Applying"
        APPLIED = "applied", "Applied"
        FAILED = "failed", "Stopped"

    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=200)
    # The decoded file, kept until it is applied (then cleared: the rows below keep the summary).
    content = models.TextField(blank=True)
    content_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the uploaded file.")
    total_rows = models.PositiveIntegerField()
    runs_as_job = models.BooleanField(default=False, help_text="Large files run on the worker.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNING)
    planned_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords(excluded_fields=["content"])  # the file itself is not copied into history

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Caseload import {self.pk} ({self.filename}) for {self.team_id}"


class Outcome(models.TextChoices):
    CREATED = "created", "New child"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    REFUSED = "refused", "Refused"


class ImportRow(models.Model):
    """One data row of the file: what the dry run found, and what applying it did."""

    job = models.ForeignKey(CaseloadImport, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The spreadsheet's row number (the header is row 1).")
    child_name = models.CharField(max_length=210, blank=True)
    hospital_number = models.CharField(max_length=30, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    changes = models.JSONField(default=list, help_text="What would change, in plain words.")
    problems = models.JSONField(default=list, help_text="[{column, message}] for a refused row.")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    applied_problems = models.JSONField(default=list)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="import_row_once")]

    def __str__(self) -> str:
        return f"Row {self.number} of import {self.job_id}: {self.outcome}"
