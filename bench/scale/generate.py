"""Scale data generator: a hospital of N children with tasks, threads, appointments and audit rows.

Every row goes through bulk_create with valid values, so every constraint holds. The same actors exist at
every size (a nurse with a 300-child caseload, a family, one review policy), so a read's rows stay the same
while the hospital grows. Volumes per child come from env vars (BENCH_TASKS_PER_CHILD and friends).
"""

import datetime
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.audit.models import AccessEvent
from apps.messaging.models import Message, ReadState, Thread
from apps.pathways.models import DiagnosticAssessment
from apps.patients.models import CareTeamMember, Guardian, Patient
from apps.referrals.models import Referral
from apps.scheduling.models import Appointment, ReviewPolicy
from apps.tasks.models import Task

NURSE = "bench-nurse@example.org"
CONSULTANT = "bench-consultant@example.org"
FAMILY = "bench-family@example.org"
PASSWORD = "bench-password"
BATCH = 5000
Role = StaffProfile.Role


def _per_child(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.perf_counter() - started, 1e-6)
    sys.stdout.write(f"\r  {label:<22} {done:>9,}/{total:,} rows  {rate:>8,.0f} rows/s")
    if done >= total:
        sys.stdout.write("\n")
    sys.stdout.flush()


def _insert(model: type[models.Model], label: str, total: int, rows: Iterable[models.Model]) -> None:
    """bulk_create in batches, with a progress line."""
    started = time.perf_counter()
    done = 0
    it: Iterator[models.Model] = iter(rows)
    while batch := list(islice(it, BATCH)):
        model.objects.bulk_create(batch, batch_size=BATCH)
        done += len(batch)
        _progress(label, done, total, started)
    if total == 0:
        _progress(label, 0, 0, started)


def _staff(email: str, name: str, role: str, teams: list[Team]) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name, kind=User.Kind.STAFF)
    profile = StaffProfile.objects.create(user=user, role=role)
    profile.teams.set(teams)
    return user


def generated_size() -> int | None:
    """How many children the database already holds from a previous run (None: not generated)."""
    if not User.objects.filter(email=NURSE).exists():
        return None
    return Patient.objects.count()


CONSULTANT_CASELOAD = 2000  # the consultant is on the care team of the first 2,000 children at every size


def generate(children: int, caseload: int = 300, seed: int = 12) -> None:
    """Fill an empty, migrated database with ``children`` children (the first ``caseload`` are the nurse's,
    the first ``CONSULTANT_CASELOAD`` are on the consultant's care team)."""
    rng = random.Random(seed)
    caseload = min(caseload, children)
    now = timezone.now()
    today = timezone.localdate()
    print(f"generating {children:,} children (nurse caseload {caseload})", flush=True)
    with transaction.atomic():
        teams = {
            code: Team.objects.get_or_create(code=code, defaults={"name": code.label})[0]
            for code in Team.Code
        }
        nurse = _staff(NURSE, "Bench Nurse", Role.NURSE_SPECIALIST, [teams[Team.Code.NURSING]])
        others = [
            _staff(
                f"bench-nurse{i}@example.org",
                f"Other Nurse {i}",
                Role.NURSE_SPECIALIST,
                [teams[Team.Code.NURSING]],
            )
            for i in range(20)
        ]
        consultant = _staff(CONSULTANT, "Bench Consultant", Role.CONSULTANT, [teams[Team.Code.NEUROLOGY]])
        family = User.objects.create_user(FAMILY, PASSWORD, full_name="Bench Family", kind=User.Kind.FAMILY)
        ReviewPolicy.objects.get_or_create(
            name="Neuropsychology review (bench demo values)",
            defaults={
                "target_team": teams[Team.Code.NEUROPSYCHOLOGY],
                "appointment_kind": Appointment.Kind.NEUROPSYCHOLOGY,
                "baseline_within_months": 12,
                "interval_months": 12,
                "lead_time_days": 30,
            },
        )

    def nurse_of(i: int) -> User:
        return nurse if i < caseload else others[i % len(others)]

    _insert(
        Patient,
        "children",
        children,
        (
            Patient(
                hospital_number=f"B{i:07d}",
                given_name=f"Child{i}",
                family_name=f"Bench{i:06d}",
                date_of_birth=today - datetime.timedelta(days=365 + i % 3000),
                named_nurse=nurse_of(i),
                status=Patient.Status.ACTIVE,
            )
            for i in range(children)
        ),
    )
    patients = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    pid: Callable[[int], int] = patients.__getitem__
    consulted = min(children, CONSULTANT_CASELOAD)
    _insert(
        CareTeamMember,
        "care team",
        children + consulted,
        (
            CareTeamMember(patient_id=pid(i), user=u, role=r, start_date=today - datetime.timedelta(days=400))
            for i in range(children)
            for u, r in ((nurse_of(i), Role.NURSE_SPECIALIST), (consultant, Role.CONSULTANT))
            if u is not consultant or i < consulted
        ),
    )
    Guardian.objects.create(patient_id=pid(0), user=family, relationship=Guardian.Relationship.MOTHER)
    _insert(
        DiagnosticAssessment,
        "assessments",
        children,
        (
            DiagnosticAssessment(
                patient_id=pid(i), diagnosis_date=today - datetime.timedelta(days=700 + i % 300)
            )
            for i in range(children)
        ),
    )
    # One child in 15 has an open referral to nursing: the nurse sees them too, and their number grows
    # with the hospital (as a real service's referral queue does).
    referred = [i for i in range(caseload, children) if i % 15 == 0]
    _insert(
        Referral,
        "open referrals",
        len(referred),
        (
            Referral(
                patient_id=pid(i),
                source_team=teams[Team.Code.NEUROLOGY],
                source_user=consultant,
                target_team=teams[Team.Code.NURSING],
                reason="Bench referral",
                status=Referral.Status.SUBMITTED,
                submitted_at=now - datetime.timedelta(days=i % 20),
            )
            for i in referred
        ),
    )
    _tasks(children, pid, nurse_of, teams[Team.Code.NURSING], rng, now, today)
    _threads(children, pid, nurse_of, family, rng, now)
    _appointments(children, pid, consultant, teams[Team.Code.NEUROLOGY], rng, now)
    _audit(children, pid, nurse_of, now)


def _tasks(
    children: int, pid: Any, nurse_of: Any, team: Team, rng: random.Random, now: Any, today: Any
) -> None:
    per = _per_child("BENCH_TASKS_PER_CHILD", 20)

    def rows() -> Iterator[Task]:
        for i in range(children):
            for k in range(per):
                done = k >= max(1, per // 20)  # 95% of a child's tasks are done
                to_team = k % 7 == 3
                yield Task(
                    title=f"Bench task {k}",
                    patient_id=pid(i),
                    assignee=None if to_team else nurse_of(i),
                    team=team if to_team else None,
                    due_on=today + datetime.timedelta(days=rng.randint(-30, 30)),
                    status=Task.Status.DONE if done else Task.Status.OPEN,
                    created_at=now - datetime.timedelta(days=k * 10),
                    completed_at=now - datetime.timedelta(days=k * 9) if done else None,
                )

    _insert(Task, "tasks", children * per, rows())


def _threads(children: int, pid: Any, nurse_of: Any, family: User, rng: random.Random, now: Any) -> None:
    per = _per_child("BENCH_THREADS_PER_CHILD", 5)
    messages = _per_child("BENCH_MESSAGES_PER_THREAD", 4)
    _insert(
        Thread,
        "threads",
        children * per,
        (
            Thread(
                patient_id=pid(i),
                kind=Thread.Kind.FAMILY if k % 2 == 0 else Thread.Kind.STAFF_ONLY,
                subject=f"Bench thread {k}",
                status=Thread.Status.NEEDS_REPLY if k == 0 else Thread.Status.HANDLED,
                created_by=nurse_of(i),
                created_at=now - datetime.timedelta(days=30 * k + 1),
                last_message_at=now - datetime.timedelta(days=30 * k, minutes=rng.randint(0, 600)),
            )
            for i in range(children)
            for k in range(per)
        ),
    )
    threads = list(
        Thread.objects.order_by("pk").values_list("pk", "patient__named_nurse", "kind", "last_message_at")
    )
    _insert(
        Message,
        "messages",
        len(threads) * messages,
        (
            Message(
                thread_id=t,
                author_id=named if m % 2 or kind != Thread.Kind.FAMILY else family.pk,
                body="Bench message",
                from_family=kind == Thread.Kind.FAMILY and m % 2 == 0,
                created_at=last - datetime.timedelta(hours=messages - m),
            )
            for t, named, kind, last in threads
            for m in range(messages)
        ),
    )
    # The named nurse has read every other thread up to its last message.
    _insert(
        ReadState,
        "read states",
        len(threads[::2]),
        (ReadState(thread_id=t, user_id=named, last_read_at=last) for t, named, _, last in threads[::2]),
    )


def _appointments(children: int, pid: Any, clinician: User, team: Team, rng: random.Random, now: Any) -> None:
    per = _per_child("BENCH_APPOINTMENTS_PER_CHILD", 6)

    def rows() -> Iterator[Appointment]:
        for i in range(children):
            for _ in range(per):
                start = now + datetime.timedelta(days=rng.randint(-700, 60), hours=rng.randint(-4, 4))
                yield Appointment(
                    patient_id=pid(i),
                    kind=Appointment.Kind.NEUROLOGY_CLINIC,
                    team=team,
                    clinician=clinician,
                    starts_at=start,
                    ends_at=start + datetime.timedelta(minutes=30),
                    status=Appointment.Status.ATTENDED if start < now else Appointment.Status.BOOKED,
                )

    _insert(Appointment, "appointments", children * per, rows())


def _audit(children: int, pid: Any, nurse_of: Any, now: Any) -> None:
    per = _per_child("BENCH_AUDIT_PER_CHILD", 25)
    _insert(
        AccessEvent,
        "access events",
        children * per,
        (
            AccessEvent(
                user=nurse_of(i),
                patient_id=pid(i),
                what="patient record",
                channel=AccessEvent.Channel.PAGE,
                at=now - datetime.timedelta(hours=k * 13 + i % 13),
            )
            for i in range(children)
            for k in range(per)
        ),
    )
