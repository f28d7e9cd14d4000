"""Treatment series: generate the appointments, move one or all following, end the rest when a course stops."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Team, User
from apps.pathways.models import TreatmentCourse
from apps.patients.models import Patient
from carecoord.errors import ApplicationError
from carecoord.transitions import Transitions

from ..models import Appointment, TreatmentSeries
from .appointments import _require_scheduler, appointment_create, appointment_end, appointment_shift

SeriesStatus = TreatmentSeries.Status
# A series ends once (stopped by hand, or its course ended). Each occurrence's cancellation is its event.
SERIES = Transitions(
    "series",
    {SeriesStatus.ACTIVE: {SeriesStatus.ENDED}, SeriesStatus.ENDED: set()},
    label=lambda state: SeriesStatus(state).label,
)


def series_create(
    *,
    actor: User,
    patient: Patient,
    title: str,
    interval_days: int,
    count: int,
    first_starts_at: datetime.datetime,
    duration_minutes: int = 240,
    kind: str = Appointment.Kind.INFUSION,
    team: Team | None = None,
    clinician: User | None = None,
    location: str = "",
    preparation_notes: str = "",
    course: TreatmentCourse | None = None,
    override_reason: str = "",
) -> TreatmentSeries:
    """Create the series and every appointment in it, all or nothing (a clash anywhere refuses the lot)."""
    _require_scheduler(actor)
    _check(
        patient,
        title=title,
        count=count,
        interval_days=interval_days,
        duration_minutes=duration_minutes,
        course=course,
    )
    with transaction.atomic(durable=True):
        series = TreatmentSeries.objects.create(
            patient=patient,
            course=course,
            title=title.strip(),
            kind=kind,
            interval_days=interval_days,
            count=count,
            first_starts_at=first_starts_at,
            duration_minutes=duration_minutes,
            team=team,
            clinician=clinician,
            location=location.strip(),
            preparation_notes=preparation_notes.strip(),
            created_by=actor,
        )
        _book_occurrences(
            actor,
            series,
            kind=kind,
            team=team,
            clinician=clinician,
            location=location,
            preparation_notes=preparation_notes,
            override_reason=override_reason,
        )
    return series


def _check(
    patient: Patient,
    *,
    title: str,
    count: int,
    interval_days: int,
    duration_minutes: int,
    course: TreatmentCourse | None,
) -> None:
    errors = {}
    if not (title or "").strip():
        errors["title"] = "Give the series a name, for example 'IVIG every 4 weeks'."
    if not 1 <= count <= 52:
        errors["count"] = "A series has between 1 and 52 appointments."
    if interval_days < 1:
        errors["interval_days"] = "The interval must be at least one day."
    if duration_minutes < 5:
        errors["duration_minutes"] = "An appointment lasts at least 5 minutes."
    if course is not None and getattr(course, "patient_id", None) != patient.pk:
        errors["course"] = "That course is for another child."
    if errors:
        raise ValidationError(errors)


def _book_occurrences(actor: User, series: TreatmentSeries, **details: Any) -> None:
    """Book every occurrence, collecting each one's problem so the refusal names them all."""
    problems: list[str] = []
    clashed = False
    for index in range(series.count):
        starts_at = _occurrence(series.first_starts_at, series.interval_days, index)
        try:
            appointment_create(
                actor=actor,
                patient=series.patient,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(minutes=series.duration_minutes),
                series_id=series.pk,
                series_index=index + 1,
                **details,
            )
        except ApplicationError as exc:
            clashed = clashed or exc.code == "clash"
            problems.append(
                f"Appointment {index + 1}: {' '.join(m for ms in exc.fields.values() for m in ms)}"
            )
        except ValidationError as exc:
            problems.append(f"Appointment {index + 1}: {' '.join(exc.messages)}")
    if problems and clashed:
        raise ApplicationError.clash({"first_starts_at": problems})
    if problems:
        raise ValidationError({"first_starts_at": problems})


def _occurrence(first: datetime.datetime, interval_days: int, index: int) -> datetime.datetime:
    """The same local clock time on each day, across clock changes (09:00 stays 09:00)."""
    local = timezone.localtime(first)
    day = local.date() + datetime.timedelta(days=interval_days * index)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


def _wall_clock(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def series_move(
    *,
    actor: User,
    appointment: Appointment,
    starts_at: datetime.datetime,
    and_following: bool = False,
    override_reason: str = "",
) -> list[Appointment]:
    """Move one occurrence, or it and every later active one in its series by the same amount."""
    _require_scheduler(actor)
    if appointment.series_id is None:
        raise ValidationError("This appointment is not part of a series.")
    # Measured on the local clock, so 10:00 stays 10:00 for occurrences on the other side of a clock change.
    delta = _wall_clock(starts_at) - _wall_clock(appointment.starts_at)
    with transaction.atomic(durable=True):
        targets = [appointment]
        if and_following:
            targets = list(
                Appointment.objects.filter(
                    series_id=appointment.series_id,
                    series_index__gte=appointment.series_index,
                    status__in=Appointment.ACTIVE_STATUSES,
                ).order_by("series_index")
            )
        moving = [t.pk for t in targets]
        # Latest first, so an occurrence never clashes with its own not-yet-moved neighbour.
        for target in sorted(targets, key=lambda a: a.starts_at, reverse=delta.total_seconds() > 0):
            new_start = (
                starts_at
                if target.pk == appointment.pk
                else timezone.make_aware(_wall_clock(target.starts_at) + delta)
            )
            appointment_shift(
                actor=actor,
                appointment=target,
                starts_at=new_start,
                ends_at=new_start + (target.ends_at - target.starts_at),
                override_reason=override_reason,
                exclude=moving,
            )
        return list(Appointment.objects.filter(pk__in=moving).order_by("series_index"))


def series_end(*, actor: User, series: TreatmentSeries, reason: str, expected: str | None = None) -> int:
    """Cancel the future appointments of a series and mark it ended (inside the caller's transaction).

    When a course ends, a series someone already stopped is left as it is. A person stopping it says it
    was active when they saw it (``expected``), so a second stop is refused as stale.
    """
    locked = TreatmentSeries.objects.select_for_update().get(pk=series.pk)
    if expected is None and not SERIES.can(locked.status, SeriesStatus.ENDED):
        return 0
    SERIES.move(locked, SeriesStatus.ENDED, actor=actor, expected=expected)
    remaining = Appointment.objects.filter(
        series=locked, status__in=Appointment.ACTIVE_STATUSES, starts_at__gt=timezone.now()
    )
    for appointment in remaining:
        appointment_end(
            actor=actor, appointment=appointment, cancelled_by=Appointment.CancelledBy.HOSPITAL, reason=reason
        )
    return len(remaining)


def series_stop(*, actor: User, series: TreatmentSeries, reason: str) -> int:
    _require_scheduler(actor)
    with transaction.atomic(durable=True):
        return series_end(actor=actor, series=series, reason=reason, expected=SeriesStatus.ACTIVE)
