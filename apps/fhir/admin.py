"""Integration clients are created and revoked here (clinic administrators); the secret is shown once."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import BulkExport, IntegrationClient


class IntegrationClientForm(forms.ModelForm):
    class Meta:
        model = IntegrationClient
        fields = ["name", "teams", "scopes"]

    def clean_scopes(self) -> str:
        try:
            return services.check_scopes(self.cleaned_data["scopes"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["scopes"]) from exc  # shown by the field


@admin.register(IntegrationClient)
class IntegrationClientAdmin(admin.ModelAdmin):
    form = IntegrationClientForm
    list_display = ["name", "scopes", "created_at", "revoked_at"]
    list_filter = ["revoked_at", "teams"]
    filter_horizontal = ["teams"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Once made, a client changes only by being revoked (and another made): its grants are its audit trail.
        return (
            ["name", "teams", "scopes", "client_id", "created_by", "created_at", "revoked_at"] if obj else []
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj) if obj else ["name", "teams", "scopes"]

    @admin.display(description="Client id")
    def client_id(self, obj: IntegrationClient) -> str:
        return obj.application.client_id

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its reads are audited under its service user: revoke, never delete

    def save_model(self, request: HttpRequest, obj: IntegrationClient, form: Any, change: bool) -> None:
        if change:
            return
        client, client_id, secret = services.integration_client_create(
            actor=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            teams=list(form.cleaned_data["teams"]),
            scopes=form.cleaned_data["scopes"],
        )
        obj.pk = client.pk
        messages.warning(
            request, f"Client id: {client_id}  Client secret: {secret}  (copy it now: it is not shown again)."
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the service set the teams

    @admin.action(description="Revoke the selected clients (their tokens stop working at once)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[IntegrationClient]) -> None:
        for client in queryset:
            services.integration_client_revoke(actor=request.user, client=client)  # type: ignore[arg-type]
        messages.success(request, f"Revoked {queryset.count()} client(s).")


@admin.register(BulkExport)
class BulkExportAdmin(admin.ModelAdmin):
    """Who exported which team, when, and what became of it: read only (the job and the sweep write)."""

    list_display = ["created_at", "client", "team", "status", "finished_at", "expires_at"]
    list_filter = ["status", "team"]
    search_fields = ["client__name"]
    readonly_fields = [f.name for f in BulkExport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
