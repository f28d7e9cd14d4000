"""Fill the stored re-evaluation dates (ReviewSchedule) for the children already registered.

The same rules as services/reviews.py at the time of writing, on the historical models: for each
active policy, each active child not discharged from its specialty is due ``interval`` months (their
own, or the policy's) after the last assessment attended or recorded, or ``baseline`` months after the
diagnosis. The daily job's repair step puts right anything this leaves out.
"""

from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.db import migrations
from django.db.models import Max, Min
from django.utils import timezone


def _last_dates(apps, policy) -> dict[int, object]:
    Appointment = apps.get_model("scheduling", "Appointment")
    ReviewDue = apps.get_model("scheduling", "ReviewDue")
    last: dict[int, object] = {}
    attended = (
        Appointment.objects.filter(kind=policy.appointment_kind, status="attended")
        .values("patient_id")
        .annotate(m=Max("starts_at"))
    )
    for row in attended:
        last[row["patient_id"]] = timezone.localdate(row["m"])
    recorded = (
        ReviewDue.objects.filter(policy=policy, completed_on__isnull=False)
        .values("patient_id")
        .annotate(m=Max("completed_on"))
    )
    for row in recorded:
        last[row["patient_id"]] = max(last.get(row["patient_id"], row["m"]), row["m"])
    return last


def fill(apps, schema_editor) -> None:
    Patient = apps.get_model("patients", "Patient")
    SpecialtyTrack = apps.get_model("pathways", "SpecialtyTrack")
    DiagnosticAssessment = apps.get_model("pathways", "DiagnosticAssessment")
    ReviewPolicy = apps.get_model("scheduling", "ReviewPolicy")
    ReviewOverride = apps.get_model("scheduling", "ReviewOverride")
    ReviewDue = apps.get_model("scheduling", "ReviewDue")
    ReviewSchedule = apps.get_model("scheduling", "ReviewSchedule")
    active = set(Patient.objects.filter(status="active").values_list("pk", flat=True))
    diagnosed = dict(
        DiagnosticAssessment.objects.filter(diagnosis_date__isnull=False).values_list(
            "patient_id", "diagnosis_date"
        )
    )
    still = defaultdict(dict)
    for row in (
        ReviewDue.objects.filter(completed_on__isnull=True)
        .values("patient_id", "policy_id")
        .annotate(first=Min("due_on"))
    ):
        still[row["policy_id"]][row["patient_id"]] = row["first"]
    opened = set(ReviewDue.objects.values_list("patient_id", "policy_id", "due_on"))
    rows = []
    for policy in ReviewPolicy.objects.filter(is_active=True).select_related("target_team"):
        discharged = set(
            SpecialtyTrack.objects.filter(specialty=policy.target_team.code, stage="discharged").values_list(
                "patient_id", flat=True
            )
        )
        own = dict(ReviewOverride.objects.filter(policy=policy).values_list("patient_id", "interval_months"))
        last = _last_dates(apps, policy)
        for patient_id in sorted((active - discharged) | set(still[policy.pk])):
            due = None
            if patient_id in active and patient_id not in discharged:
                if patient_id in last:
                    due = last[patient_id] + relativedelta(
                        months=own.get(patient_id) or policy.interval_months
                    )
                elif patient_id in diagnosed:
                    due = diagnosed[patient_id] + relativedelta(months=policy.baseline_within_months)
            first = still[policy.pk].get(patient_id)
            if due is None and first is None:
                continue
            if due is None:
                status = "not_applicable"
            elif first is not None or (patient_id, policy.pk, due) in opened:
                status = "opened"
            else:
                status = "waiting"
            rows.append(
                ReviewSchedule(
                    patient_id=patient_id, policy=policy, due_on=due, still_due_on=first, status=status
                )
            )
    ReviewSchedule.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0005_jobs_review_schedule"),
        ("pathways", "0005_safety_guards"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
