from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import StaffProfile, Team, User
from .security.lockout import account_unlock, is_locked, with_recent_failures
from .security.two_factor import two_factor_reset


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    filter_horizontal = ["teams"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["email", "full_name", "kind", "is_active", "is_staff", "locked_out"]
    actions = ["unlock_sign_in", "reset_two_step"]
    list_filter = ["kind", "is_active", "is_staff", "staff_profile__role"]
    search_fields = ["email", "full_name"]
    inlines = [StaffProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "kind", "phone", "email_notifications")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "kind", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return with_recent_failures(super().get_queryset(request))

    @admin.display(boolean=True, description="Logging in paused")
    def locked_out(self, user: User) -> bool:
        return is_locked(user)

    @admin.action(description="Unlock logging in for the selected accounts")
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, lambda actor, user: account_unlock(actor=actor, user=user), "unlocked")

    @admin.action(description="Reset two-step verification (they set it up again at next log in)")
    def reset_two_step(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(request, queryset, lambda actor, user: two_factor_reset(actor=actor, user=user), "reset")

    def _each(self, request: HttpRequest, queryset: QuerySet[User], run, done: str) -> None:  # type: ignore[no-untyped-def]
        try:
            for user in queryset:
                run(request.user, user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} account(s) {done}.", messages.SUCCESS)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "email"]
    search_fields = ["name"]
