from django.contrib import admin

from .models import TriggerKind, WatchPolicy

# Watches are a child's data, read through the audited pages; the admin keeps the configuration
# (trigger lengths, the prompt rates and the worsening thresholds), which is data the clinic sets.


@admin.register(TriggerKind)
class TriggerKindAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "days", "reason", "note"]
    list_editable = ["days"]


@admin.register(WatchPolicy)
class WatchPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "prompt_every_days_in_watch",
        "prompt_every_days_otherwise",
        "marked_level",
        "rise_by",
        "note",
    ]
