"""Tumour surveillance after resection, as a policy (HAZ-09), and investigations that get stuck.

A ``SurveillancePolicy`` lists investigations with their interval and how long they continue after
resection. A daily job requests each one ``lead_time_days`` before it is due and gives the Oncology
queue a task to book it; one not done by its due date is flagged and escalated once. Nothing more
is requested once oncology discharges the child. Separately, any investigation left at requested or
booked past its target is flagged on the caseload and the pathway page.
"""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import Team, User
from apps.accounts.services import system_user
from apps.patients.models import Patient
from apps.tasks.models import Task
from apps.tasks.services import task_open

from ..models import Investigation, SurveillanceDue, SurveillanceStep, Tumour
from ..safety_flags import SafetyFlag, safety_flag_source
from .investigations import INVESTIGATION

NOT_DONE = (Investigation.Status.REQUESTED, Investigation.Status.BOOKED)


def schedule(tumour: Tumour, step: SurveillanceStep) -> list[datetime.date]:
    """The due dates of one step after this tumour's resection."""
    if tumour.resected_on is None:
        return []
    months = range(step.every_months, step.until_months + 1, step.every_months)
    return [tumour.resected_on + relativedelta(months=m) for m in months]


def _oncology() -> Team:
    team, _ = Team.objects.get_or_create(code=Team.Code.ONCOLOGY, defaults={"name": Team.Code.ONCOLOGY.label})
    return team


def _requester(tumour: Tumour, fallback: User) -> User:
    return tumour.recorded_by if roles.can_manage_investigations(tumour.recorded_by) else fallback


def _under_surveillance() -> list[Tumour]:
    return list(
        Tumour.objects.filter(resected_on__isnull=False, patient__status=Patient.Status.ACTIVE)
        .exclude(oncology_status=Tumour.OncologyStatus.DISCHARGED)
        .select_related("patient", "recorded_by__staff_profile")
    )


def _request(
    tumour: Tumour, step: SurveillanceStep, due: datetime.date, actor: User, today: datetime.date
) -> bool:
    with transaction.atomic():
        investigation = Investigation(
            patient=tumour.patient,
            kind=step.kind,
            description=f"Surveillance after resection ({step.policy.name}), due {due:%d %b %Y}"[:200],
            requested_by=_requester(tumour, actor),
            requested_on=today,
        )
        INVESTIGATION.create(
            investigation, actor=actor
        )  # its "requested" event row and history, as a person's
        due_row = SurveillanceDue.objects.create(
            tumour=tumour, step=step, due_on=due, investigation=investigation
        )
        task_open(
            title=f"Book surveillance {investigation.label}, due {due:%d %b %Y}",
            detail=f"Requested automatically by the surveillance policy {step.policy}.",
            source=Task.Source.TUMOUR_SURVEILLANCE,
            team=_oncology(),
            patient=tumour.patient,
            due_on=max(today, due - datetime.timedelta(days=7)),
            source_key=f"surveillance:{due_row.pk}",
            link_url=f"/patients/{tumour.patient_id}/pathway/#investigation-{investigation.pk}",
        )
    return True


def _escalate_overdue(today: datetime.date, now: datetime.datetime) -> int:
    overdue = SurveillanceDue.objects.filter(
        Q(investigation__isnull=True) | Q(investigation__status__in=NOT_DONE),
        due_on__lt=today,
        overdue_flagged_at__isnull=True,
    ).exclude(tumour__oncology_status=Tumour.OncologyStatus.DISCHARGED)
    escalated = 0
    for row in overdue.select_related("tumour__patient", "step", "investigation"):
        with transaction.atomic():
            if not SurveillanceDue.objects.filter(pk=row.pk, overdue_flagged_at__isnull=True).update(
                overdue_flagged_at=now
            ):
                continue
            task_open(
                title=f"Surveillance {row.step.get_kind_display()} was due {row.due_on:%d %b %Y} and is not done",
                source=Task.Source.TUMOUR_SURVEILLANCE,
                team=_oncology(),
                patient=row.tumour.patient,
                due_on=today,
                priority=Task.Priority.URGENT,
                source_key=f"surveillance:{row.pk}:overdue",
                link_url=f"/patients/{row.tumour.patient_id}/pathway/#investigations",
            )
            escalated += 1
    return escalated


def surveillance_request_due(*, today: datetime.date | None = None) -> tuple[int, int]:
    """Daily job: (investigations requested, overdue ones escalated). Idempotent: one row per due date.

    Only each step's latest due date within the lead time is requested, so a child who joins late gets
    the next scan, not every one they missed.
    """
    today = today or timezone.localdate()
    actor = system_user()
    steps = list(SurveillanceStep.objects.filter(policy__is_active=True).select_related("policy"))
    tumours = _under_surveillance()
    existing = set(
        SurveillanceDue.objects.filter(tumour__in=tumours).values_list("tumour_id", "step_id", "due_on")
    )
    requested = 0
    for tumour in tumours:
        for step in steps:
            lead = datetime.timedelta(days=step.policy.lead_time_days)
            due_dates = [d for d in schedule(tumour, step) if d - lead <= today]
            if not due_dates or (tumour.pk, step.pk, due_dates[-1]) in existing:
                continue
            try:
                requested += _request(tumour, step, due_dates[-1], actor, today)
            except IntegrityError:
                continue  # a racing run requested it first
    return requested, _escalate_overdue(today, timezone.now())


@safety_flag_source("tumour-surveillance")
def surveillance_flags(patient_ids: list[int]) -> dict[int, list[SafetyFlag]]:
    """Surveillance investigations requested and not yet done: due soon, or overdue. One query."""
    today = timezone.localdate()
    rows = (
        SurveillanceDue.objects.filter(
            Q(investigation__isnull=True) | Q(investigation__status__in=NOT_DONE),
            tumour__patient_id__in=patient_ids,
        )
        .exclude(tumour__oncology_status=Tumour.OncologyStatus.DISCHARGED)
        .select_related("tumour", "step")
    )
    flags: dict[int, list[SafetyFlag]] = {}
    for row in rows:
        what = f"Surveillance {row.step.get_kind_display()}"
        if row.due_on < today:
            flag = SafetyFlag(
                f"{what} was due {row.due_on:%d %b %Y} and is not done", "danger", "investigations"
            )
        else:
            flag = SafetyFlag(
                f"{what} due {row.due_on:%d %b %Y}: requested, not yet done", "warning", "investigations"
            )
        flags.setdefault(row.tumour.patient_id, []).append(flag)
    return flags


@safety_flag_source("investigation-stuck")
def stuck_investigation_flags(patient_ids: list[int]) -> dict[int, list[SafetyFlag]]:
    """Requested and not booked past INVESTIGATION_BOOKING_TARGET_DAYS, or booked and not done
    INVESTIGATION_DONE_GRACE_DAYS after the booked date. Surveillance has its own flag. One query."""
    today = timezone.localdate()
    booking_target = settings.INVESTIGATION_BOOKING_TARGET_DAYS
    grace = settings.INVESTIGATION_DONE_GRACE_DAYS
    stuck = Investigation.objects.filter(
        Q(
            status=Investigation.Status.REQUESTED,
            requested_on__lt=today - datetime.timedelta(days=booking_target),
        )
        | Q(status=Investigation.Status.BOOKED, booked_for__lt=today - datetime.timedelta(days=grace)),
        patient_id__in=patient_ids,
        surveillance__isnull=True,
    )
    flags: dict[int, list[SafetyFlag]] = {}
    for inv in stuck:
        if inv.status == Investigation.Status.REQUESTED:
            text = f"{inv.label} requested {inv.requested_on:%d %b %Y} and not yet booked (target {booking_target} days)"
        else:
            text = f"{inv.label} booked for {inv.booked_for:%d %b %Y} and not yet marked done"
        flags.setdefault(inv.patient_id, []).append(SafetyFlag(text, "warning", "investigations"))
    return flags
