"""One error shape for every API 4xx.

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"nhs_number": ["..."]}}}
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A business rule refused the request (for example an illegal state transition)."""

    def __init__(self, message: str, *, code: str = "refused", status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


# A service's ValidationError code -> the HTTP status the API answers with.
REFUSAL_STATUS = {"permission_denied": 403, "illegal_transition": 400, "stale": 409}


def require_role(allowed: bool, message: str) -> None:
    """Refuse a write the caller's role does not allow (403), before the service is called."""
    if not allowed:
        raise ApplicationError(message, code="permission_denied", status=403)


def as_refusal(exc: Exception) -> Exception:
    """A service refusal with a known code becomes an ApplicationError carrying that code.

    API views pass every exception through this in ``handle_exception``, so a service's
    ``illegal_transition`` stays a 400 with that code, ``stale`` a 409 and ``permission_denied`` a 403,
    rather than a bare "invalid".
    """
    code = getattr(exc, "code", None)
    if isinstance(exc, DjangoValidationError) and code in REFUSAL_STATUS:
        return ApplicationError(exc.messages[0], code=code, status=REFUSAL_STATUS[code])
    return exc


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = {"status": exc.status, "code": exc.code, "message": exc.message, "fields": {}}
        return Response({"error": body}, status=exc.status)
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    fields: dict = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = _flatten(detail) if isinstance(detail, dict) else {"non_field_errors": _flatten(detail)}
        message = "Please correct the highlighted fields."
        code = "invalid"
    else:
        message = str(exc.detail)
        code = exc.default_code
        if isinstance(exc.detail, dict | list):
            message = str(exc.default_detail)
    response.data = {
        "error": {
            "status": response.status_code,
            "code": code,
            "message": message,
            "fields": fields,
        }
    }
    return response


def form_add_service_errors(form: Any, exc: DjangoValidationError) -> None:
    """Show a service's ValidationError next to the matching form fields (others at the top).

    A form whose field names differ from the service's can define ``field_for_service_error``.
    """
    translate = getattr(form, "field_for_service_error", lambda name: name)
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = translate(field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
