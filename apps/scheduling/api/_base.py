"""What every scheduling endpoint shares.

As in apps/referrals/api.py: a service's refusal keeps its code (``permission_denied`` a 403,
``illegal_transition`` a 400, ``stale`` a 409), and a double booking is a 400 with code ``clash`` whose
field error names the appointment it clashes with. Staff-only endpoints refuse a family with a 403
before anything is read.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.types import request_user
from apps.patients import access
from carecoord.errors import as_refusal, require_role

CLASH_MESSAGE = "This clashes with another appointment. To book anyway, give an override_reason."


def is_clash(exc: Exception) -> bool:
    """A service refused a double booking (code ``clash``, on the whole error or on a field)."""
    if not isinstance(exc, DjangoValidationError):
        return False
    if getattr(exc, "code", None) == "clash":
        return True
    errors = getattr(exc, "error_dict", {})
    return any(error.code == "clash" for field in errors.values() for error in field)


class SchedulingViewSet(viewsets.GenericViewSet):
    filter_backends: list = []

    def handle_exception(self, exc: Exception) -> Response:
        clash = is_clash(exc)
        response = super().handle_exception(as_refusal(exc))
        if clash and response.status_code == 400:
            response.data["error"].update(code="clash", message=CLASH_MESSAGE)
        return response

    def staff(self, request: Request, message: str) -> User:
        """The caller, who must be staff (a family or a role-less account gets a 403)."""
        user = request_user(request)
        require_role(access.staff_role(user) is not None, message)
        return user
