import uuid

from django import template
from django.utils.html import format_html

from apps.ops.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag
def once_key() -> str:
    """A hidden one-time key: a double click or a retry after a timeout posts the form once."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4().hex)
