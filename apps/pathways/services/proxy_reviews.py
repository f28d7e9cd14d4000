"""Age-based review of family (proxy) access, following NHS proxy-access practice (HAZ-10).

At 11, 13 and 16 (``PROXY_ACCESS_REVIEW_AGES``) the care team is asked, once per birthday, to review
who has access to the young person's record; the task opens ``PROXY_ACCESS_REVIEW_LEAD_DAYS`` before
it. From 16 the young person's own consent is recorded, or the family's access ends.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.patients.models import YOUNG_PERSON_CONSENT_AGE, Guardian, Patient
from apps.patients.services import named_nurse_or_nursing_queue
from apps.patients.services.guardianship import guardians_end_without_consent
from apps.tasks.models import Task
from apps.tasks.services import task_open


def birthday(patient: Patient, age: int) -> datetime.date:
    """The day the child turns ``age`` (a 29 February birthday falls on 1 March in other years)."""
    born = patient.date_of_birth
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return datetime.date(born.year + age, 3, 1)


def review_age_due(patient: Patient, today: datetime.date) -> int | None:
    """The latest review age whose task should be open by now (from the lead time before the birthday)."""
    lead = datetime.timedelta(days=settings.PROXY_ACCESS_REVIEW_LEAD_DAYS)
    reached = [
        age for age in sorted(settings.PROXY_ACCESS_REVIEW_AGES) if birthday(patient, age) - lead <= today
    ]
    return reached[-1] if reached else None


def _detail(patient: Patient, age: int, on: datetime.date) -> str:
    text = (
        f"{patient.given_name} turns {age} on {on:%d %B %Y}. Review who has access to their record through "
        "the family portal: speak with the young person on their own where you can, and check each "
        "family member's parental responsibility or authorisation on the child's page."
    )
    if age >= YOUNG_PERSON_CONSENT_AGE:
        text += (
            f" From {YOUNG_PERSON_CONSENT_AGE}, each family member's access needs {patient.given_name}'s "
            "recorded consent; without it, access ends on their birthday."
        )
    return text + f" {patient.given_name} can also be given their own portal account."


def proxy_access_reviews_open(*, today: datetime.date | None = None) -> int:
    """Daily job: one task per child and review age, for the named nurse (or the Nursing queue)."""
    today = today or timezone.localdate()
    youngest = min(settings.PROXY_ACCESS_REVIEW_AGES)
    lead = datetime.timedelta(days=settings.PROXY_ACCESS_REVIEW_LEAD_DAYS)
    with_family = Guardian.objects.filter(patient=OuterRef("pk"), is_active=True).exclude(
        relationship=Guardian.Relationship.SELF
    )
    children = Patient.objects.filter(
        Exists(with_family),
        status=Patient.Status.ACTIVE,
        date_of_birth__lte=today + lead - datetime.timedelta(days=365 * youngest - 3),
    ).select_related("named_nurse")
    opened = 0
    for patient in children:
        age = review_age_due(patient, today)
        if age is None:
            continue
        key = f"proxy-review:{patient.pk}:{age}"
        if Task.objects.filter(source_key=key).exists():
            continue
        on = birthday(patient, age)
        nurse, queue = named_nurse_or_nursing_queue(patient)
        task_open(
            title=f"Review family access to {patient.full_name}'s record: {patient.given_name} turns {age}",
            detail=_detail(patient, age, on),
            source=Task.Source.PROXY_ACCESS_REVIEW,
            assignee=nurse,
            team=queue,
            patient=patient,
            due_on=max(on, today),
            priority=Task.Priority.HIGH if age >= YOUNG_PERSON_CONSENT_AGE else Task.Priority.NORMAL,
            source_key=key,
            link_url=f"/patients/{patient.pk}/",
        )
        opened += 1
    return opened


def proxy_access_review_daily(*, today: datetime.date | None = None) -> tuple[int, int]:
    """The beat job: (review tasks opened, links ended at 16 without the young person's consent)."""
    return proxy_access_reviews_open(today=today), guardians_end_without_consent(today=today)
