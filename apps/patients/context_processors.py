"""The family's line to the care team, for the portal's templates (its banner and contact cards)."""

import functools
from typing import Any

from django.http import HttpRequest

from apps.accounts import roles

from . import contact


def family_contact(request: HttpRequest) -> dict[str, Any]:
    """``family_contact`` for a family's pages: a callable, so the query runs only on a page that
    shows it, and once per request (templates call it when they read it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not roles.is_family(user):
        return {}
    return {"family_contact": functools.cache(contact.family_contact)}
