"""What every pathway endpoint shares.

The child is resolved through ``selectors.pathway_patient_get`` first, so families and anyone out of
scope get a 404 before anything else happens. Reads are audited once per request. A role that may not
write gets a 403, and a service's refusal keeps its code (``illegal_transition``, ``stale``) in the
one error shape rather than becoming a bare "invalid".
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.audit.services import access_record
from apps.patients import access
from apps.patients.models import Patient
from carecoord.errors import ApplicationError

from .. import selectors

# A service's ValidationError code -> the HTTP status the API answers with.
_REFUSAL_STATUS = {"permission_denied": 403, "illegal_transition": 400, "stale": 409}


def require_role(allowed: bool, message: str) -> None:
    """Refuse a write the caller's role does not allow (403), before the service is called."""
    if not allowed:
        raise ApplicationError(message, code="permission_denied", status=403)


def as_refusal(exc: Exception) -> Exception:
    """A service refusal with a known code becomes an ApplicationError carrying that code."""
    code = getattr(exc, "code", None)
    if isinstance(exc, DjangoValidationError) and code in _REFUSAL_STATUS:
        return ApplicationError(exc.messages[0], code=code, status=_REFUSAL_STATUS[code])
    return exc


class IsClinicalStaff(permissions.BasePermission):
    """Any active staff member with a role; families and role-less accounts are refused."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.staff_role(request.user) is not None


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

    def handle_exception(self, exc: Exception) -> Response:
        return super().handle_exception(as_refusal(exc))


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
