from django.contrib import admin

from .models import Video, VideoDeletion, VideoRetention


@admin.register(VideoRetention)
class VideoRetentionAdmin(admin.ModelAdmin):
    list_display = ["days", "label", "is_demo", "updated_at"]


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    """Read-only: videos change through the family's upload and the care team's review."""

    list_display = ["pk", "patient", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome"]
    readonly_fields = [f.name for f in Video._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(VideoDeletion)
class VideoDeletionAdmin(admin.ModelAdmin):
    list_display = ["video", "patient", "reason", "deleted_at"]
    readonly_fields = ["video", "patient", "reason", "retention_days", "files", "deleted_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
