"""The stored attention score: one row per child, so the caseload sorts and pages by an index.

The services that change a score's inputs call ``carecoord.attention.patient_attention_changed`` in
their transaction and ``services.attention_recompute`` rewrites those children's rows from the same
SQL the caseload shows (``selectors.rows.with_attention``). A beat job (``attention_refresh``) brings
the time-based parts up to date (an overdue task or re-evaluation, no recent contact) and repairs drift.
"""

from django.db import models


class AttentionScore(models.Model):
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, primary_key=True, related_name="attention_score"
    )
    clinical_urgency = models.PositiveIntegerField(default=0)
    administrative_backlog = models.PositiveIntegerField(default=0)
    attention = models.PositiveIntegerField(default=0, help_text="Both tiers: needs attention above 0.")
    parts = models.JSONField(default=dict, help_text="Per flag (a key of the weights table): items counted.")
    facts = models.JSONField(
        default=dict, help_text="What the reasons' words read (selectors/facts.py): dates, moments, names."
    )
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The caseload's order: clinical urgency first, then the whole score.
            models.Index(fields=["-clinical_urgency", "-attention", "patient"], name="attention_rank"),
        ]

    def __str__(self) -> str:
        return f"Attention {self.attention} (clinical {self.clinical_urgency}) for child {self.patient_id}"
