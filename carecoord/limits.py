"""Length limits on text people type: shown on the field, refused in plain words, never cut.

A browser's ``maxlength`` silently drops what is typed or pasted past the limit, and a service's
``value[:300]`` silently drops the rest of a reason, so neither is used for text a person writes.
HTML fields show the limit as a hint (``carecoord.forms.LimitedBoundField``); forms, the API and
services refuse longer text with ``too_long_message`` naming the field and the limit.
"""

import re

from django.core.exceptions import ValidationError

# Shorter limits belong to identifiers and codes (hospital number, postcode, a two-step code), whose
# own format says how long they are: no hint, though they are refused in the same words.
HINT_FROM = 50


def plain_label(label: object) -> str:
    """'Preferred name (optional)' -> 'Preferred name', for use inside a sentence."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", str(label)).strip() or "This"


def limit_hint(limit: int) -> str:
    return f"Up to {limit:,} characters."


def too_long_message(label: object, limit: int, length: int | None = None) -> str:
    """'Reason must be 300 characters or fewer. It has 312.'"""
    has = f" It has {length:,}." if length is not None else ""
    return f"{plain_label(label)} must be {limit:,} characters or fewer.{has}"


def within(value: str | None, *, field: str, limit: int, label: str) -> str:
    """``value`` stripped, or a field error when it is longer than ``limit`` (never shortened)."""
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationError({field: too_long_message(label, limit, len(text))}, code="max_length")
    return text
