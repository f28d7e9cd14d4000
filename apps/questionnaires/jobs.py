"""The daily assignment job: each active policy row gives the children it covers their questionnaire.

Before a clinic (``days_before`` an appointment of ``appointment_kind``), monthly while the neurology
track is monitoring (follow-up), and weekly while a watch is open (``carecoord.watch``, answered by
the watch app). Set-based: one query per policy finds the children, one INSERT ... ON CONFLICT DO
NOTHING on ``source_key`` claims their assignments and says which were new, and only those are
reminded (in bulk, in the same transaction). A second run, or a second worker, adds nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from apps.pathways.models import Specialty, SpecialtyTrack
from apps.patients.models import Patient
from apps.scheduling.models import Appointment
from carecoord import watch
from carecoord.claims import claims_insert

from .models import Assignment, AssignmentPolicy, QuestionnaireVersion
from .services import reminders_write

Kind = AssignmentPolicy.Kind


def _before_clinic(policy: AssignmentPolicy, today: datetime.date) -> list[tuple[str, int, datetime.date]]:
    until = today + datetime.timedelta(days=policy.days_before)
    rows = Appointment.objects.filter(
        kind=policy.appointment_kind,
        status__in=Appointment.ACTIVE_STATUSES,
        starts_at__date__gt=today,
        starts_at__date__lte=until,
        patient__status=Patient.Status.ACTIVE,
    ).values_list("pk", "patient_id", "starts_at")
    return [
        (f"clinic:{policy.pk}:{pk}", patient_id, timezone.localdate(starts_at))
        for pk, patient_id, starts_at in rows
    ]


def _monthly(policy: AssignmentPolicy, today: datetime.date) -> list[tuple[str, int, datetime.date]]:
    ids = Patient.objects.filter(
        status=Patient.Status.ACTIVE,
        tracks__specialty=Specialty.NEUROLOGY,
        tracks__stage=SpecialtyTrack.Stage.MONITORING,
    ).values_list("pk", flat=True)
    due = today + datetime.timedelta(days=policy.days_to_answer)
    return [(f"monthly:{policy.pk}:{pk}:{today:%Y-%m}", pk, due) for pk in ids]


def _weekly_in_watch(
    policy: AssignmentPolicy, today: datetime.date, in_watch: set[int]
) -> list[tuple[str, int, datetime.date]]:
    year, week, _ = today.isocalendar()
    due = today + datetime.timedelta(days=policy.days_to_answer)
    return [(f"watch:{policy.pk}:{pk}:{year}-W{week:02d}", pk, due) for pk in sorted(in_watch)]


def assignments_create_due(*, today: datetime.date | None = None) -> int:
    """The beat job: create every assignment the policies call for today; return how many were new."""
    today = today or timezone.localdate()
    policies = list(AssignmentPolicy.objects.filter(is_active=True, questionnaire__is_active=True))
    if not policies:
        return 0
    versions = {
        v.questionnaire_id: v
        for v in QuestionnaireVersion.objects.filter(
            is_current=True, questionnaire_id__in={p.questionnaire_id for p in policies}
        )
    }
    in_watch: set[int] = set()
    if any(p.kind == Kind.WEEKLY_IN_WATCH for p in policies):
        watched = watch.patients_in_watch(today)
        in_watch = (
            set(
                Patient.objects.filter(pk__in=watched, status=Patient.Status.ACTIVE).values_list(
                    "pk", flat=True
                )
            )
            if watched
            else set()
        )
    wanted: list[Assignment] = []
    for policy in policies:
        version = versions.get(policy.questionnaire_id)
        if version is None:
            continue
        if policy.kind == Kind.BEFORE_CLINIC:
            rows = _before_clinic(policy, today)
        elif policy.kind == Kind.MONTHLY_FOLLOW_UP:
            rows = _monthly(policy, today)
        else:
            rows = _weekly_in_watch(policy, today, in_watch)
        wanted += [
            Assignment(patient_id=pk, version=version, reason=policy.kind, due_on=due, source_key=key)
            for key, pk, due in rows
        ]
    with transaction.atomic():
        won = [pk for (pk,) in claims_insert(wanted, returning=("id",))]
        if won:
            reminders_write(Assignment.objects.filter(pk__in=won))
    return len(won)
