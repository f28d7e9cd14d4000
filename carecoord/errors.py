"""The one refusal path, for the API and the HTML pages alike.

Services raise exactly one of three things:

- ``django.core.exceptions.ValidationError`` for bad input (field messages): 400, code ``invalid``;
- ``django.core.exceptions.PermissionDenied(message)`` for a role refusal: 403, code
  ``permission_denied`` (``refuse_unless`` below is the short way to raise it);
- ``ApplicationError(message, code=...)`` for a state conflict (a stale state, a clash, an illegal
  move): 409 unless the error says otherwise, with its stable code. Build them with the named
  constructors so each kind of message is written once.

Out of scope is never one of these: it is a 404 decided by ``visible_patients`` before any role check.

Every API 4xx has one shape:
{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"nhs_number": ["..."]}}}
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

ROLE_REFUSAL = "You do not have permission to do this."
CLASH_MESSAGE = "This clashes with another appointment. To book anyway, give an override_reason."


class ApplicationError(Exception):
    """A business rule refused the request: a stale state, a clash or a move the table forbids."""

    def __init__(
        self, message: str, *, code: str, status: int = 409, fields: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.fields = fields or {}

    @property
    def messages(self) -> list[str]:
        """The summary, then each field's detail (what a page shows when there is no field to put it by)."""
        return [self.message, *(m for ms in self.fields.values() for m in ms)]

    @classmethod
    def stale(cls, message: str) -> "ApplicationError":
        """Someone changed the record a moment ago (two people acting at once): 409."""
        return cls(message, code="stale", status=409)

    @classmethod
    def illegal_transition(cls, message: str) -> "ApplicationError":
        """The state table does not allow this move from where the record stands: 400."""
        return cls(message, code="illegal_transition", status=400)

    @classmethod
    def clash(cls, fields: dict[str, list[str]]) -> "ApplicationError":
        """A double booking. ``fields`` name what it clashes with; the override field books anyway: 400."""
        return cls(CLASH_MESSAGE, code="clash", status=400, fields=fields)


def refuse_unless(allowed: bool, message: str = ROLE_REFUSAL) -> None:
    """Refuse a write the caller's role does not allow (403), in plain words."""
    if not allowed:
        raise PermissionDenied(message)


def refusal_message(exc: PermissionDenied) -> str:
    return str(exc) or ROLE_REFUSAL


# What an HTML view catches around a service call, to show the refusal on its form or as a message.
# A role refusal (PermissionDenied) is not among them: it reaches Django's 403 page, because in scope
# without the role is 403 on every surface, and the pages offer only what the role may do.
SERVICE_REFUSALS = (DjangoValidationError, ApplicationError)


def refusal_messages(exc: Exception) -> list[str]:
    """The plain-words messages of any service refusal (for a flash message or a row's error)."""
    if isinstance(exc, PermissionDenied):
        return [refusal_message(exc)]
    if isinstance(exc, ApplicationError | DjangoValidationError):
        return list(exc.messages)
    return [str(exc)]


def _error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    """A 4xx in the one JSON shape, for the rare view that must answer one itself."""
    return Response(_error_body(status, code, message, fields), status=status)


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    return exc


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return [str(detail)]


TOO_LARGE = "The request body is too large."


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every refusal and error becomes the one JSON shape."""
    if isinstance(exc, RequestDataTooBig):  # Django would answer with its HTML 400 page
        return error_response(413, "request_too_large", TOO_LARGE)
    if isinstance(exc, ApplicationError):
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    if isinstance(exc, PermissionDenied):
        return error_response(403, "permission_denied", refusal_message(exc))
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
    response.data = _error_body(response.status_code, code, message, fields)
    return response


def form_add_service_errors(form: Any, exc: Exception) -> None:
    """Show a service's refusal next to the matching form fields (others at the top).

    A form whose field names differ from the service's can define ``field_for_service_error``.
    """
    translate = getattr(form, "field_for_service_error", lambda name: name)
    if isinstance(exc, PermissionDenied):
        form.add_error(None, refusal_message(exc))
    elif isinstance(exc, ApplicationError):
        for field, errors in exc.fields.items():
            name = translate(field)
            if name in form.fields:
                form.add_error(name, errors)
                return
        form.add_error(None, exc.message)
    elif isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = translate(field)
            form.add_error(name if name in form.fields else None, errors)
    elif isinstance(exc, DjangoValidationError):
        form.add_error(None, exc.messages)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 handler (``handler400``): the one JSON shape under /api/, the HTML page elsewhere.

    It catches what escapes DRF, such as a body over DATA_UPLOAD_MAX_MEMORY_SIZE read by middleware.
    """
    if request.path.startswith(("/api/", "/fhir/")):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(_error_body(413, "request_too_large", TOO_LARGE), status=413)
        return JsonResponse(_error_body(400, "bad_request", "The request could not be read."), status=400)
    from django.views.defaults import bad_request as html_bad_request

    return html_bad_request(request, exception or Exception())


class RefusalMiddleware:
    """HTML pages map an uncaught ApplicationError to its status with the message in plain words.

    (A PermissionDenied already reaches Django's 403 handler, which shows its message.)
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ApplicationError):
            return None
        response = TemplateResponse(request, "refused.html", {"message": exc.message}, status=exc.status)
        return response.render()


def json_error(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> JsonResponse:
    """The one error shape outside a DRF view, where a DRF Response cannot be rendered (middleware)."""
    return JsonResponse(_error_body(status, code, message), status=status, headers=headers)
