from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from .models import FollowUpInterval, ReviewOverride, ReviewPolicy
from .services.review_schedule import review_schedules_refresh, review_schedules_refresh_all


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(admin.ModelAdmin):
    """Review intervals are clinic policy, kept as data."""

    list_display = [
        "name",
        "target_team",
        "appointment_kind",
        "baseline_within_months",
        "interval_months",
        "is_active",
    ]
    list_filter = ["is_active"]

    def save_model(self, request: HttpRequest, obj: ReviewPolicy, form: Any, change: bool) -> None:
        with transaction.atomic():  # the stored dates change with the policy, in the same transaction
            super().save_model(request, obj, form, change)
            review_schedules_refresh_all()

    def delete_model(self, request: HttpRequest, obj: ReviewPolicy) -> None:
        super().delete_model(request, obj)  # its stored dates go with it (cascade)


@admin.register(ReviewOverride)
class ReviewOverrideAdmin(admin.ModelAdmin):
    """A child's own review interval. It shows the child only by record number (no name), so the
    admin shows no child's data; look the child up in the app, where the read is audited."""

    list_display = ["patient_id", "policy", "interval_months", "set_by", "set_at"]
    raw_id_fields = ["patient"]
    readonly_fields = ["set_at"]
    list_select_related = ["policy", "set_by"]

    def save_model(self, request: HttpRequest, obj: ReviewOverride, form: Any, change: bool) -> None:
        with transaction.atomic():  # the child's own interval moves their next date
            super().save_model(request, obj, form, change)
            review_schedules_refresh(patient_ids=[obj.patient_id])

    def delete_model(self, request: HttpRequest, obj: ReviewOverride) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            review_schedules_refresh(patient_ids=[obj.patient_id])


# Appointments and treatment series are not in the admin site: they name children and carry internal
# notes, and change through scheduling.services on pages scoped and audited in the app.


@admin.register(FollowUpInterval)
class FollowUpIntervalAdmin(admin.ModelAdmin):
    """How long a course may go without a review booked, per agent (HAZ-08). A blank agent is the default."""

    list_display = ["agent", "weeks", "is_demo"]
