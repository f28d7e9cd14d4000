from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.audit.services import access_record

from .models import CareTeamMember, Guardian, GuardianInvitation, Patient


class _ReadOnly:
    """Children's records change only through services (validation, history, audit), not the admin."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class GuardianInline(_ReadOnly, admin.TabularInline):
    model = Guardian
    extra = 0


class CareTeamInline(_ReadOnly, admin.TabularInline):
    model = CareTeamMember
    extra = 0


@admin.register(Patient)
class PatientAdmin(_ReadOnly, SimpleHistoryAdmin):
    list_display = [
        "hospital_number",
        "nhs_number_display",
        "family_name",
        "given_name",
        "date_of_birth",
        "status",
    ]
    list_filter = ["status", "named_nurse"]
    search_fields = ["hospital_number", "nhs_number", "family_name", "given_name"]
    inlines = [GuardianInline, CareTeamInline]
    readonly_fields = ["created_at", "updated_at"]

    def change_view(self, request, object_id, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        patient = self.get_object(request, object_id)
        if patient is not None:
            access_record(request=request, patients=patient, what="admin record")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(GuardianInvitation)
class GuardianInvitationAdmin(_ReadOnly, admin.ModelAdmin):
    """Who was invited, by whom, and whether the link was used, withdrawn or left to expire."""

    list_display = [
        "email",
        "patient",
        "relationship",
        "created_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["relationship"]
    search_fields = ["email", "full_name", "patient__hospital_number", "patient__family_name"]
    list_select_related = ["patient", "created_by"]
    exclude = ["token_hash"]
