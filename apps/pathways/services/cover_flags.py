"""The caseload and pathway page say when a child's named nurse is away and her team is covering (HAZ-14)."""

from django.utils import timezone

from apps.accounts.models import StaffAbsence
from apps.patients.models import Patient

from ..safety_flags import SafetyFlag, safety_flag_source


@safety_flag_source("named-nurse-away")
def named_nurse_away_flags(patient_ids: list[int]) -> dict[int, list[SafetyFlag]]:
    """Two queries: the children's named nurses, and which of them are away today."""
    nurses = dict(
        Patient.objects.filter(pk__in=patient_ids, named_nurse__isnull=False).values_list("pk", "named_nurse")
    )
    if not nurses:
        return {}
    away = {
        a.user_id: a
        for a in StaffAbsence.objects.on(timezone.localdate())
        .filter(user_id__in=set(nurses.values()))
        .select_related("user")
        .order_by("ends_on")
    }
    return {
        patient_id: [
            SafetyFlag(
                f"Named nurse {away[nurse].user.full_name} is away until {away[nurse].ends_on:%d %b %Y}: "
                "the Nursing team is covering",
                "warning",
            )
        ]
        for patient_id, nurse in nurses.items()
        if nurse in away
    }
