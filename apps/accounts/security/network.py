"""Who is asking, by network address: one answer shared by the lockout and the throttles."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry a trusted proxy added to X-Forwarded-For.

    Each of ``TRUSTED_PROXY_COUNT`` proxies appends the address it saw, so the client is that many
    entries from the right. Entries further left were written by the client and are ignored.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
