"""Writes that happen once however often they are sent: the ``Idempotency-Key`` header on API POSTs,
and a hidden one-time ``_once`` field in every HTML form (``{% once_key %}``).

The first request with a key reserves it, runs, and keeps its answer when it succeeded (2xx or 3xx).
A repeat with the same key gets that answer back (``Idempotent-Replayed: true``); the same key with a
different body gets a 422. A refused or failed first attempt changed nothing, so its key is released
and a retry runs normally. A repeat while the first is still running (or was cut off before it could
answer) gets a 409 rather than a second write.
"""

import datetime
import hashlib
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
FORM_FIELD = "_once"
_HASHED_BODY_LIMIT = 1024 * 1024  # larger bodies (uploads) are compared by length, not read twice
KEEP_FOR = datetime.timedelta(hours=24)


def _error(status: int, code: str, message: str) -> JsonResponse:
    body = {"error": {"status": status, "code": code, "message": message, "fields": {}}}
    return JsonResponse(body, status=status)


def _scope(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    auth = request.headers.get("Authorization", "")
    if auth:
        return "token:" + hashlib.sha256(auth.encode()).hexdigest()[:64]
    return None


def _key(request: HttpRequest, is_api: bool) -> str | None:
    if is_api:
        value = request.headers.get(HEADER, "")
    else:
        value = (
            request.POST.get(FORM_FIELD, "")
            if request.content_type
            in (
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            )
            else ""
        )
    value = value.strip()
    return value[:100] if value else None


def _body_hash(request: HttpRequest, is_api: bool) -> str:
    if not is_api:
        return ""  # the form's own one-time key identifies the submission
    length = int(request.headers.get("Content-Length") or 0)
    if length > _HASHED_BODY_LIMIT:
        return f"length:{length}"
    return hashlib.sha256(request.body).hexdigest()


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        key, scope = _key(request, is_api), _scope(request)
        if key is None or scope is None:
            return self.get_response(request)
        body_hash = _body_hash(request, is_api)
        record = IdempotentRequest.objects.filter(scope=scope, key=key).first()
        if record is not None:
            return self._repeat(record, request.path, body_hash)
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    scope=scope, key=key, path=request.path[:300], body_hash=body_hash
                )
        except IntegrityError:  # the same key, at the same moment
            return _error(409, "idempotency_in_progress", "This request is already being processed.")
        response = self.get_response(request)
        self._finish(record, response)
        return response

    @staticmethod
    def _repeat(record: IdempotentRequest, path: str, body_hash: str) -> HttpResponse:
        if record.path != path[:300] or record.body_hash != body_hash:
            return _error(422, "idempotency_key_reused", "This key was already used for a different request.")
        if record.state == IdempotentRequest.State.IN_PROGRESS:
            return _error(
                409,
                "idempotency_in_progress",
                "The first request with this key has not finished. Check whether it was saved before "
                "sending it again with a new key.",
            )
        return _replay(record)

    @staticmethod
    def _finish(record: IdempotentRequest, response: HttpResponse) -> None:
        if not 200 <= response.status_code < 400 or getattr(response, "streaming", False):
            record.delete()  # refused or failed: nothing was written, so a retry may run
            return
        record.state = IdempotentRequest.State.DONE
        record.status_code = response.status_code
        record.content_type = response.get("Content-Type", "")[:100]
        record.location = response.get("Location", "")[:300]
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        record.body = response.content
        record.save(update_fields=["state", "status_code", "content_type", "location", "body"])


def idempotent_requests_prune(*, now: datetime.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - KEEP_FOR
    return IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()[0]
