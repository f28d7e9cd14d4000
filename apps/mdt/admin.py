from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Meeting


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "team", "starts_at", "chair"]
    list_filter = ["team"]
    search_fields = ["title"]
    # Listing children and recording outcomes goes through the MDT pages (services), not the admin.
    readonly_fields = ["created_by", "created_at"]
