from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Consent, ConsentScope, ResearchExport


@admin.register(ConsentScope)
class ConsentScopeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "is_demo", "is_active"]
    list_filter = ["kind", "is_demo", "is_active"]
    search_fields = ["code", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Consents are recorded on the child's page (a service checks the role); exports by the research
    lead's page. The admin only reads them: none is ever changed or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["patient", "scope", "decision", "period_start", "withdrawn_on", "recorded_by"]
    list_filter = ["scope", "decision"]
    list_select_related = ["patient", "scope", "recorded_by"]


@admin.register(ResearchExport)
class ResearchExportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "scope", "requested_by", "requested_at", "status", "children_count", "file_sha256"]
    list_filter = ["scope", "status"]
    list_select_related = ["scope", "requested_by"]
