"""The scheduling REST API: appointments, the clinic list, treatment series, review policies and the
overdue re-evaluations report.

Thin, as in apps/referrals/api.py: the child or appointment is resolved in scope first (404), writes
check the role (403) and call services, reads go through selectors and are audited once per request.
"""

from .appointments import AppointmentViewSet, ClinicViewSet, PatientAppointmentViewSet
from .reviews import OverdueReviewViewSet, ReviewPolicyViewSet
from .series import PatientSeriesViewSet, SeriesViewSet

__all__ = [
    "AppointmentViewSet",
    "ClinicViewSet",
    "OverdueReviewViewSet",
    "PatientAppointmentViewSet",
    "PatientSeriesViewSet",
    "ReviewPolicyViewSet",
    "SeriesViewSet",
]
