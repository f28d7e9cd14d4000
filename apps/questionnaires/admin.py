"""Questionnaires are data the clinic administrator keeps. A version that families have answered is
read-only here (its questions and answer options too): "Make a new version" copies it to edit."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from carecoord.errors import SERVICE_REFUSALS, refusal_messages

from . import definitions
from .models import AnswerOption, AssignmentPolicy, Questionnaire, QuestionnaireItem, QuestionnaireVersion
from .scoring import max_of


def _locked_version(obj: Any) -> bool:
    version = obj if isinstance(obj, QuestionnaireVersion) else getattr(obj, "version", None)
    return version is not None and definitions.version_is_locked(version)


class _LockedInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked_version(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked_version(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked_version(obj) and super().has_delete_permission(request, obj)


class ItemInline(_LockedInline):
    model = QuestionnaireItem
    fields = ["position", "link_id", "text", "type", "required", "min_value", "max_value", "reverse_scored"]
    show_change_link = True


class OptionInline(_LockedInline):
    model = AnswerOption
    fields = ["position", "code", "display", "score"]


class VersionInline(admin.TabularInline):
    model = QuestionnaireVersion
    extra = 0
    fields = ["version", "is_current", "max_score", "created_at"]
    readonly_fields = ["version", "is_current", "max_score", "created_at"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PolicyInline(admin.TabularInline):
    model = AssignmentPolicy
    extra = 0
    fields = ["kind", "days_before", "appointment_kind", "days_to_answer", "is_demo", "is_active"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["title", "code", "change_threshold", "is_demo", "is_active"]
    list_filter = ["is_active", "is_demo"]
    search_fields = ["title", "code"]
    inlines = [VersionInline, PolicyInline]


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(admin.ModelAdmin):
    list_display = ["questionnaire", "version", "is_current", "max_score"]
    list_filter = ["is_current"]
    inlines = [ItemInline]
    actions = ["new_version"]
    readonly_fields = ["questionnaire", "version", "is_current", "max_score", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # versions come from the service (a new questionnaire, or "Make a new version")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        version = form.instance
        version.max_score = max_of(list(version.items.prefetch_related("options")))
        version.save(update_fields=["max_score"])

    @admin.action(description="Make a new editable version of the selected questionnaire versions")
    def new_version(self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]) -> None:
        for version in queryset.select_related("questionnaire"):
            try:
                new = definitions.version_copy(actor=request.user, version=version)  # type: ignore[arg-type]
            except SERVICE_REFUSALS as exc:
                messages.error(request, " ".join(refusal_messages(exc)))
                return
            messages.success(request, f"Created {new}. Edit its questions; new assignments use it.")


@admin.register(QuestionnaireItem)
class QuestionnaireItemAdmin(admin.ModelAdmin):
    list_display = ["link_id", "text", "type", "version"]
    inlines = [OptionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _locked_version(obj):
            return [f.name for f in QuestionnaireItem._meta.fields]
        return ["version"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked_version(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # add questions from their version's page
