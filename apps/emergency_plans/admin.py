from django.contrib import admin

from .models import AdviceBlock

# Plans hold a child's data and are read through the audited pages; the admin keeps only the approved
# wording, which is data the clinic sets (a new wording is a new version of the same key).


@admin.register(AdviceBlock)
class AdviceBlockAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "key",
        "version",
        "applies_to",
        "approved_by",
        "approved_at",
        "is_demo",
        "is_active",
    ]
    list_filter = ["applies_to", "is_demo", "is_active"]
    search_fields = ["key", "title", "text"]
