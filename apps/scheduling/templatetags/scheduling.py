"""Template filters for appointment pages: what to offer comes from the one transition table."""

from django import template

from ..models import Appointment
from ..services import APPOINTMENT

register = template.Library()


@register.filter
def can_become(appointment: Appointment, status: str) -> bool:
    """``{% if a|can_become:"confirmed" %}``: the table allows this appointment to move to ``status`` now."""
    return APPOINTMENT.can(appointment.status, status)
