from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit rows are evidence: nobody edits or deletes them, not even through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_SHOWN = ("at", "user", "patient_id", "what", "channel", "basis", "via_break_glass", "path", "request_id")


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    """Who read which record, by record number only: no child's name or details appear here."""

    list_display = ["at", "user", "patient_id", "what", "channel", "basis", "request_id"]
    list_filter = ["channel", "basis", "via_break_glass", "at"]
    search_fields = ["user__email", "request_id", "path"]
    date_hierarchy = "at"
    list_select_related = ["user"]
    fields = _SHOWN
    readonly_fields = _SHOWN


# Break-glass grants are reviewed on the app's review page (clinic administrators), not here.
