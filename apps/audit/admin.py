from django.contrib import admin

from .models import AccessEvent, BreakGlassGrant


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit rows are evidence: nobody edits or deletes them, not even through the admin."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "patient", "what", "channel", "via_break_glass", "request_id"]
    list_filter = ["channel", "via_break_glass", "at"]
    search_fields = ["user__email", "patient__hospital_number", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["user", "patient"]


@admin.register(BreakGlassGrant)
class BreakGlassGrantAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "patient", "expires_at", "reviewed_by", "reviewed_at"]
    list_filter = ["reviewed_at"]
    search_fields = ["user__email", "patient__hospital_number", "reason"]
    list_select_related = ["user", "patient", "reviewed_by"]
