from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import FamilyDocument


@admin.register(FamilyDocument)
class FamilyDocumentAdmin(SimpleHistoryAdmin):
    """Read-only: documents are shared and withdrawn through their services, so each change is checked."""

    list_display = ["title", "patient", "dated", "content_type", "size", "uploaded_by", "is_withdrawn"]
    list_filter = ["is_withdrawn", "content_type"]
    search_fields = ["title", "patient__hospital_number", "patient__family_name"]
    list_select_related = ["patient", "uploaded_by"]
    readonly_fields = [
        "patient",
        "title",
        "dated",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "is_withdrawn",
        "withdrawn_at",
    ]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
