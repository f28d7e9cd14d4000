from django.contrib import admin

from .models import FollowUpInterval, ReviewOverride, ReviewPolicy


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


@admin.register(ReviewOverride)
class ReviewOverrideAdmin(admin.ModelAdmin):
    """A child's own review interval. It shows the child only by record number (no name), so the
    admin shows no child's data; look the child up in the app, where the read is audited."""

    list_display = ["patient_id", "policy", "interval_months", "set_by", "set_at"]
    raw_id_fields = ["patient"]
    readonly_fields = ["set_at"]
    list_select_related = ["policy", "set_by"]


# Appointments and treatment series are not in the admin site: they name children and carry internal
# notes, and change through scheduling.services on pages scoped and audited in the app.


@admin.register(FollowUpInterval)
class FollowUpIntervalAdmin(admin.ModelAdmin):
    """How long a course may go without a review booked, per agent (HAZ-08). A blank agent is the default."""

    list_display = ["agent", "weeks", "is_demo"]
