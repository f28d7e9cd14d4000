from django.contrib import admin

from .models import ServiceLevelTarget


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(admin.ModelAdmin):
    list_display = ["team", "urgency", "triage_working_days", "seen_within_days"]
    list_filter = ["team", "urgency"]


# Referrals are not in the admin site: they name children and move only through their services, on
# pages scoped and audited in the app (README, "Admin policy").
