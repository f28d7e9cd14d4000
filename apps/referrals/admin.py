from django.contrib import admin

from .models import Referral, ReferralEvent, ServiceLevelTarget


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(admin.ModelAdmin):
    list_display = ["team", "urgency", "triage_working_days", "seen_within_days"]
    list_filter = ["team", "urgency"]


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-only here: referrals move only through their services, so every change is an event."""

    list_display = ["pk", "patient", "target_team", "urgency", "status", "submitted_at"]
    list_filter = ["status", "urgency", "target_team"]
    search_fields = ["patient__hospital_number", "patient__family_name", "referrer_name"]
    list_select_related = ["patient", "target_team"]
    inlines = [ReferralEventInline]

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # deleting would take the referral's history with it
