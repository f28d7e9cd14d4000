"""Re-evaluation inputs for the beat-job benchmark: a (demo-valued) neuropsychology policy and a
diagnosis date for every child, spread so that about 1 child in 40 falls due within the lead time.

Written with bulk_create, then the stored dates are filled as the data migration fills them
(``review_schedules_refresh_all``), so the daily job finds them in its index.
"""

import datetime

from apps.accounts.models import Team, User
from apps.pathways.models import DiagnosticAssessment
from apps.patients.models import Patient
from apps.scheduling.models import Appointment, ReviewDue, ReviewPolicy
from apps.scheduling.services import review_schedules_refresh_all

BATCH = 5000


def build_reviews(*, today: datetime.date, prefix: str) -> ReviewPolicy:
    team, _ = Team.objects.get_or_create(code=Team.Code.NEUROPSYCHOLOGY, defaults={"name": "Neuropsychology"})
    policy, _ = ReviewPolicy.objects.get_or_create(
        name="Neuropsychology re-evaluation (bench, demo values)",
        defaults={
            "target_team": team,
            "appointment_kind": Appointment.Kind.NEUROPSYCHOLOGY,
            "baseline_within_months": 6,
            "interval_months": 24,
            "lead_time_days": 84,
        },
    )
    # Every child was diagnosed years ago and had a review recorded in the last two years, so is due
    # 24 months after it: four in five within the next 500 days (not yet due), one in five spread over
    # two years, of whom about 84/730 fall within the lead time (some 2% of the hospital).
    nurse = User.objects.filter(staff_profile__isnull=False).order_by("pk").first()
    ids = (
        Patient.objects.filter(hospital_number__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )
    assessments, reviews = [], []
    for n, pk in enumerate(ids):
        ago = (n * 7) % 730 if n % 5 == 0 else n % 500
        done = today - datetime.timedelta(days=ago)
        assessments.append(
            DiagnosticAssessment(patient_id=pk, diagnosis_date=done - datetime.timedelta(days=900))
        )
        reviews.append(
            ReviewDue(
                patient_id=pk,
                policy=policy,
                due_on=done,
                completed_on=done,
                completed_by=nurse,
                completion_recorded_by=nurse,
            )
        )
    DiagnosticAssessment.objects.bulk_create(assessments, batch_size=BATCH, ignore_conflicts=True)
    ReviewDue.objects.bulk_create(reviews, batch_size=BATCH, ignore_conflicts=True)
    review_schedules_refresh_all()
    return policy
