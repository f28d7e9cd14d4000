from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import Delivery

# In-app notifications are not in the admin site: they are each person's own inbox.


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, to see what was sent and what failed. Bodies are stored redacted: a link with a
    secret in it (an invitation, a password reset) is made only when the email is sent."""

    list_display = ["created_at", "to_address", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to_address"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["resend", "close"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send the selected failed or unknown emails again")
    def resend(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.delivery_resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} email(s) will be sent again.")

    @admin.action(description="Close the selected emails (checked: arrived or not needed)")
    def close(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.delivery_close(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} email(s) closed.")
