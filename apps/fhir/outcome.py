"""OperationOutcome: every FHIR refusal, in place of the REST API's error shape."""

from typing import Any

from rest_framework.response import Response

from carecoord.errors import exception_handler

ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    429: "throttled",
}


def operation_outcome(status: int, message: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": ISSUE_CODES.get(status, "exception"), "diagnostics": message}
        ],
    }


def fhir_exception_handler(exc: Exception, context: dict) -> Response | None:
    """The project's one handler decides status and message; FHIR only changes the body's shape."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    error = (response.data or {}).get("error", {}) if isinstance(response.data, dict) else {}
    message = error.get("message") or "The request could not be completed."
    fields = error.get("fields") or {}
    details = [f"{name}: {' '.join(map(str, msgs))}" for name, msgs in fields.items()]
    if details:
        message = " ".join([message, *details])
    response.data = operation_outcome(response.status_code, message)
    return response
