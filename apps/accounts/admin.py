"""The admin site is for configuration: accounts and teams, scales, service levels, review policies and
bank holidays. Children's records are not in it at all (see README, "Admin policy"): the admin does
not go through visible_patients, so every page about a child lives in the app, scoped and audited.

Clinic administrators use it as staff with model permissions (the "Clinic administrators" group),
not as superusers: they cannot make themselves superusers, change permissions, set someone else's
password or change family accounts (families manage their own; a clinic administrator can still
see one to unlock it).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from knox.models import AuthToken

from .models import StaffAbsence, StaffProfile, Team, User
from .security import recovery
from .security.lockout import account_unlock, is_locked, with_recent_failures
from .security.two_factor import two_factor_reset
from .services import staff_admin_access_sync

# A token is made only by its owner on their account page, never for someone else.
admin.site.unregister(AuthToken)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    filter_horizontal = ["teams"]


class AccountChangeForm(UserChangeForm):
    """The admin's account form: a new email address is checked against the recovery hold."""

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if self.instance.pk and email != self.instance.email:
            problem = recovery.email_change_problem(user=self.instance, new_email=email)
            if problem is not None:
                raise forms.ValidationError(problem)
        return email


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AccountChangeForm
    ordering = ["full_name"]
    list_display = ["email", "full_name", "kind", "is_active", "is_staff", "locked_out"]
    actions = ["unlock_sign_in", "reset_two_step", "unlink_sign_on"]
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
        ("Single sign-on", {"fields": ("sso_subject",)}),
    )
    readonly_fields = ["sso_subject"]
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

    @admin.action(description="Unlink single sign-on (the next sign-on links again)")
    def unlink_sign_on(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._each(
            request, queryset, lambda actor, user: recovery.sign_on_unlink(actor=actor, user=user), "unlinked"
        )

    def _each(self, request: HttpRequest, queryset: QuerySet[User], run: Any, done: str) -> None:
        try:
            for user in queryset:
                run(request.user, user)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{queryset.count()} account(s) {done}.", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.kind == User.Kind.FAMILY and not request.user.is_superuser:
            return False  # a family account is its owner's: look (and unlock) only
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions", "groups", "last_login", "date_joined"]
            if obj is not None:
                fields.append("kind")
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not (change and "email" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        # A new email goes through its service (history, emails to both addresses, sessions ended).
        new_email, obj.email = obj.email, form.initial["email"]
        super().save_model(request, obj, form, change)
        recovery.account_email_change(actor=request.user, user=obj, new_email=new_email)  # type: ignore[arg-type]
        obj.refresh_from_db(fields=["email", "email_changed_at", "session_generation"])

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        staff_admin_access_sync(user=form.instance)  # the role decides the admin permissions

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        # Setting someone else's password would let an administrator sign in as them.
        if not request.user.is_superuser:
            raise PermissionDenied("People set their own password, with the password reset page.")
        return super().user_change_password(request, id, form_url)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "email", "phone", "opens_at", "closes_at", "contact_is_demo"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["code", "name", "email"]}),
        (
            "How families reach the team",
            {
                "description": "Shown on the family pages (the nursing team's, as the family's contact "
                "between appointments). Open on working days: Monday to Friday, except bank holidays.",
                "fields": [
                    "phone",
                    ("opens_at", "closes_at"),
                    "out_of_hours_phone",
                    "out_of_hours_advice",
                    "contact_is_demo",
                ],
            },
        ),
    ]


@admin.register(StaffAbsence)
class StaffAbsenceAdmin(admin.ModelAdmin):
    """Clinic administrators record anyone's time away (HAZ-14); staff record their own at /account/absence/."""

    list_display = ["user", "starts_on", "ends_on", "reason", "recorded_by", "withdrawn_at"]
    list_filter = ["reason"]
    search_fields = ["user__full_name", "user__email"]
    date_hierarchy = "starts_on"
    autocomplete_fields = ["user"]
    readonly_fields = ["recorded_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
