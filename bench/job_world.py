"""A hospital's worth of work for the beat jobs, built with bulk_create (shared by bench/jobs.py and tests/jobs).

Each child has one guardian, one appointment in the 7-day reminder window, one family thread waiting
for a reply for three working days, one submitted referral past its targets and one resulted,
unacknowledged investigation past its acknowledgement deadline: every job has one item per child.
"""

import datetime
from collections.abc import Callable

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from apps.accounts.models import StaffProfile, Team, User
from apps.messaging.models import Thread
from apps.pathways.models import Investigation
from apps.patients.models import Guardian, Patient
from apps.referrals.models import Referral, ServiceLevelTarget
from apps.scheduling.models import Appointment

BATCH = 2000


def build_world(
    children: int,
    *,
    now: datetime.datetime,
    prefix: str = "W",
    items: bool = True,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Create ``children`` children with one due item for each job; returns how many of each.

    ``items=False`` builds the children and guardians only (every job then has nothing to do: idle
    runs over a large hospital). ``progress`` is told how many children exist after each batch.
    """
    nurse, _ = User.objects.get_or_create(
        email=f"{prefix.lower()}-nurse@example.org", defaults={"full_name": "Job Nurse", "kind": "staff"}
    )
    StaffProfile.objects.get_or_create(user=nurse, defaults={"role": StaffProfile.Role.NURSE_SPECIALIST})
    neurology, _ = Team.objects.get_or_create(code=Team.Code.NEUROLOGY, defaults={"name": "Neurology"})
    ServiceLevelTarget.objects.get_or_create(
        team=neurology,
        urgency=Referral.Urgency.ROUTINE,
        defaults={"triage_working_days": 5, "seen_within_days": 14},
    )
    for start in range(0, children, BATCH):
        _build_batch(
            range(start, min(start + BATCH, children)),
            now=now,
            nurse=nurse,
            team=neurology,
            prefix=prefix,
            items=items,
        )
        if progress is not None:
            progress(min(start + BATCH, children))
    return {"children": children}


def _build_batch(
    numbers: range, *, now: datetime.datetime, nurse: User, team: Team, prefix: str, items: bool
) -> None:
    patients = Patient.objects.bulk_create(
        Patient(
            hospital_number=f"{prefix}{i:07d}",
            given_name="Child",
            family_name=f"Jobs{i:07d}",
            date_of_birth=datetime.date(2022, 1, 1),
            named_nurse=nurse,
            status=Patient.Status.ACTIVE,
        )
        for i in numbers
    )
    families = User.objects.bulk_create(
        User(
            email=f"{prefix.lower()}-family{i}@example.org",
            full_name=f"Parent {i}",
            kind=User.Kind.FAMILY,
            password=UNUSABLE_PASSWORD_PREFIX,  # nobody logs in as these
        )
        for i in numbers
    )
    Guardian.objects.bulk_create(
        Guardian(patient=p, user=f, relationship=Guardian.Relationship.MOTHER)
        for p, f in zip(patients, families, strict=True)
    )
    if not items:
        return
    starts = now + datetime.timedelta(days=3)
    Appointment.objects.bulk_create(
        Appointment(
            patient=p,
            kind=Appointment.Kind.NEUROLOGY_CLINIC,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=30),
            created_by=nurse,
        )
        for p in patients
    )
    waiting_since = now - datetime.timedelta(days=3)
    Thread.objects.bulk_create(
        Thread(
            patient=p,
            kind=Thread.Kind.FAMILY,
            subject="A question",
            status=Thread.Status.NEEDS_REPLY,
            created_by=f,
            last_message_at=waiting_since,
            awaiting_reply_since=waiting_since,
        )
        for p, f in zip(patients, families, strict=True)
    )
    Referral.objects.bulk_create(
        Referral(
            patient=p,
            source_user=nurse,
            target_team=team,
            reason="Re-evaluation",
            status=Referral.Status.SUBMITTED,
            submitted_at=now - datetime.timedelta(days=30),
        )
        for p in patients
    )
    Investigation.objects.bulk_create(
        Investigation(
            patient=p,
            kind=Investigation.Kind.MRI_BRAIN,
            status=Investigation.Status.RESULTED,
            requested_by=nurse,
            requested_on=(now - datetime.timedelta(days=40)).date(),
            done_on=(now - datetime.timedelta(days=35)).date(),
            resulted_at=now - datetime.timedelta(days=30),
            result_summary="Normal.",
        )
        for p in patients
    )
