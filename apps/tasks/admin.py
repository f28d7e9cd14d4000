from django.contrib import admin

from .models import Task, TaskComment


class TaskCommentInline(admin.TabularInline):
    model = TaskComment
    extra = 0
    readonly_fields = ["author", "body", "created_at"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "patient", "assignee", "team", "due_on", "priority", "status", "source"]
    list_filter = ["status", "source", "priority", "team"]
    search_fields = ["title", "patient__hospital_number", "source_key"]
    list_select_related = ["patient", "assignee", "team"]
    readonly_fields = ["source", "source_key", "created_by", "created_at", "completed_at", "completed_by"]
    inlines = [TaskCommentInline]

    # Tasks change through tasks.services (completion times, claims); the admin only looks.
    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
