"""OperationOutcome: every FHIR refusal, in place of the REST API's error shape."""

from collections.abc import Sequence
from typing import Any

from rest_framework.response import Response

from carecoord.errors import exception_handler

from .inbound import Problems

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


def operation_outcome(status: int, message: str, details: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """One issue for the message, then one per problem (its FHIRPath or field, and its words)."""
    code = ISSUE_CODES.get(status, "exception")
    issues: list[dict[str, Any]] = [{"severity": "error", "code": code, "diagnostics": message}]
    issues += [
        {"severity": "error", "code": code, "diagnostics": text, **({"expression": [where]} if where else {})}
        for where, text in details
    ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def information(message: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "information", "code": "informational", "diagnostics": message}],
    }


def fhir_exception_handler(exc: Exception, context: dict) -> Response | None:
    """The project's one handler decides status and message; FHIR only changes the body's shape."""
    if isinstance(exc, Problems):  # a resource we were sent, with every problem in it
        return Response(operation_outcome(400, "The resource has problems.", exc.issues), status=400)
    response = exception_handler(exc, context)
    if response is None:
        return None
    error = (response.data or {}).get("error", {}) if isinstance(response.data, dict) else {}
    message = error.get("message") or "The request could not be completed."
    fields = error.get("fields") or {}
    details = [(name, " ".join(map(str, msgs))) for name, msgs in fields.items()]
    response.data = operation_outcome(response.status_code, message, details)
    return response
