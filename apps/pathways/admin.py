from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from carecoord.errors import SERVICE_REFUSALS, refusal_messages

from . import services
from .models import ScaleItem, SeverityScale, SurveillancePolicy, SurveillanceStep


class ScaleItemInline(admin.TabularInline):
    model = ScaleItem
    extra = 0
    fields = ["position", "code", "label", "minimum", "maximum"]

    def _locked(self, obj: SeverityScale | None) -> bool:
        return obj is not None and services.scale_is_locked(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self._locked(obj) and super().has_delete_permission(request, obj)


@admin.register(SeverityScale)
class SeverityScaleAdmin(admin.ModelAdmin):
    """Scales are data. A version that has scores is read-only: make a new version to change it."""

    list_display = ["name", "version", "is_demo", "is_active", "created_at"]
    list_filter = ["is_active", "is_demo"]
    search_fields = ["name"]
    inlines = [ScaleItemInline]
    actions = ["new_version"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and services.scale_is_locked(obj):
            return ["name", "version", "description", "is_demo", "created_at"]
        return ["version", "created_at"]

    @admin.action(description="Make a new editable version of the selected scales")
    def new_version(self, request: HttpRequest, queryset: QuerySet[SeverityScale]) -> None:
        for scale in queryset:
            items = [
                services.ItemSpec(label=i.label, minimum=i.minimum, maximum=i.maximum, code=i.code)
                for i in scale.items.all()
            ]
            try:
                new = services.scale_create(
                    actor=request.user,  # type: ignore[arg-type]
                    name=scale.name,
                    items=items,
                    description=scale.description,
                    is_demo=scale.is_demo,
                )
            except SERVICE_REFUSALS as exc:
                messages.error(request, " ".join(refusal_messages(exc)))
                return
            messages.success(request, f"Created {new}. Edit its items, then mark the old version inactive.")


class SurveillanceStepInline(admin.TabularInline):
    model = SurveillanceStep
    extra = 0
    fields = ["kind", "every_months", "until_months"]


@admin.register(SurveillancePolicy)
class SurveillancePolicyAdmin(admin.ModelAdmin):
    """Tumour surveillance after resection is clinic policy, kept as data (HAZ-09)."""

    list_display = ["name", "lead_time_days", "is_demo", "is_active"]
    list_filter = ["is_active", "is_demo"]
    inlines = [SurveillanceStepInline]
