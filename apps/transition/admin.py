from django.contrib import admin

from .models import Milestone, ReadinessItem

# Plans hold a child's data and are read through the audited pages; the admin keeps only the
# configuration (the checklist and the milestones), which is data the clinic sets.


@admin.register(ReadinessItem)
class ReadinessItemAdmin(admin.ModelAdmin):
    list_display = ["staff_text", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "anchor", "days", "age", "lead_days", "is_active"]
    list_filter = ["anchor", "is_active"]
