"""Caseload reads: the nurse specialist's children, most in need of attention first.

``attention`` holds the model and its weights, ``flags`` one helper per flag (and its words),
``rows`` the query and the rows as the page shows them, ``words`` plain-words times.
"""

from .attention import STALE_CONTACT_DAYS, WEIGHTS, Tier, Weight, weights_in_words
from .flags import FLAGS, days_since
from .rows import CaseloadRow, Reason, caseload_row, caseload_rows, caseload_table, flagged_patients
from .words import Clock

__all__ = [
    "FLAGS",
    "STALE_CONTACT_DAYS",
    "WEIGHTS",
    "CaseloadRow",
    "Clock",
    "Reason",
    "Tier",
    "Weight",
    "caseload_row",
    "caseload_rows",
    "caseload_table",
    "days_since",
    "flagged_patients",
    "weights_in_words",
]
