"""SMART backend-services scopes (``system/<Type>.read``, ``system/*.read``, ``system/ServiceRequest.write``).

django-oauth-toolkit asks this backend which scopes exist and which a client may be granted: a client
gets at most the scopes written on its IntegrationClient row, and by default all of them.
"""

from typing import Any

from oauth2_provider.scopes import BaseScopes

from .sources import SOURCES

WRITE_SCOPES = {"system/ServiceRequest.write": "Send referrals (ServiceRequest)"}


def all_scopes() -> dict[str, str]:
    reads = {f"system/{t}.read": f"Read {t}" for t in SOURCES}
    return {"system/*.read": "Read every resource type", **reads, **WRITE_SCOPES}


def allows(granted: set[str], resource_type: str, action: str) -> bool:
    """Does a token with ``granted`` scopes allow ``action`` (read or write) on ``resource_type``?"""
    return f"system/{resource_type}.{action}" in granted or f"system/*.{action}" in granted


def _client_scopes(application: Any, *, narrower: bool = False) -> list[str]:
    client = getattr(application, "integration_client", None)
    if client is None or not client.is_active:
        return []
    known = all_scopes()
    granted = [scope for scope in client.scopes.split() if scope in known]
    if narrower and "system/*.read" in granted:  # a client may ask for any narrower read
        granted += [s for s in known if s.endswith(".read") and s not in granted]
    return granted


class ClientScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return all_scopes()

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return _client_scopes(application, narrower=True)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        return _client_scopes(application)
