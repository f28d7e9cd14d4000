from django.contrib import admin

from .models import Delivery, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__email", "title"]
    list_select_related = ["recipient"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_address", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to_address"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
