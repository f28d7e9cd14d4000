from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import CareTeamMember, Guardian, Patient


class GuardianInline(admin.TabularInline):
    model = Guardian
    extra = 0
    autocomplete_fields = ["user"]


class CareTeamInline(admin.TabularInline):
    model = CareTeamMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
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
