from django.contrib import admin

from .models import CaseloadImport


@admin.register(CaseloadImport)
class CaseloadImportAdmin(admin.ModelAdmin):
    """Read-only: imports are made and applied through the pages and the API."""

    list_display = ["pk", "filename", "team", "created_by", "status", "total_rows", "created_at"]
    list_filter = ["status", "team"]
    exclude = ["content"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
