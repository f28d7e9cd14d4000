from django.contrib import admin

from .models import Appointment, ReviewOverride, ReviewPolicy, TreatmentSeries


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
    list_display = ["patient", "policy", "interval_months", "reason", "set_by", "set_at"]
    readonly_fields = ["set_at"]


class _LookOnly(admin.ModelAdmin):
    """Appointments change through scheduling.services (clash checks, notices, SEQUENCE), not the admin."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Appointment)
class AppointmentAdmin(_LookOnly):
    list_display = ["starts_at", "patient", "kind", "clinician", "team", "status"]
    list_filter = ["status", "kind", "team"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "clinician", "team"]


@admin.register(TreatmentSeries)
class TreatmentSeriesAdmin(_LookOnly):
    list_display = ["title", "patient", "interval_days", "count", "status"]
