"""What every pathway endpoint shares.

The child is resolved through ``selectors.pathway_patient_get`` first, so families and anyone out of
scope get a 404 before anything else happens. Reads are audited once per request. A role that may not
write gets a 403, and a service's refusal keeps its code (``illegal_transition``, ``stale``) in the
one error shape rather than becoming a bare "invalid".
"""

from typing import Any

from rest_framework import mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts import roles
from apps.audit.services import access_record
from apps.patients.models import Patient

from .. import selectors


class IsClinicalStaff(permissions.BasePermission):
    """Any active staff member with a role; families and role-less accounts are refused."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.staff_role(request.user) is not None


class PathwayPatientViewSet(viewsets.GenericViewSet):
    """An endpoint about one child's clinical record (staff only)."""

    audit_what = ""

    def get_patient(self) -> Patient:
        if not hasattr(self, "_patient"):
            self._patient = selectors.pathway_patient_get(
                user=self.request.user, pk=self.kwargs["patient_pk"]
            )
        return self._patient

    def audit(self, request: Request) -> None:
        access_record(request=request, patients=self.get_patient(), what=self.audit_what)


class PathwayChildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PathwayPatientViewSet):
    """Rows that belong to one child: list (paginated) and retrieve, both audited."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        self.audit(request)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        self.audit(request)
        return response
