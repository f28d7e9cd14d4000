"""A symptom report not reviewed within SYMPTOM_REVIEW_WORKING_HOURS (default 4) working hours escalates
to the Nursing queue and the child's named consultant, once (HAZ-03)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from apps.accounts import roles
from apps.accounts.models import StaffProfile, Team, User
from apps.patients import access
from apps.patients.models import CareTeamMember, Patient
from apps.tasks.models import Task
from apps.tasks.services import task_open
from apps.workingtime.working_time import holidays_between, working_hours_between

from ..models import SymptomReport
from .symptoms import escalation_keys


def named_consultant(patient: Patient) -> User | None:
    """The lead consultant on the child's current care team, else any current consultant."""
    member = (
        CareTeamMember.objects.filter(
            access.current_care_team(), patient=patient, role=StaffProfile.Role.CONSULTANT
        )
        .annotate(
            lead_first=Case(When(is_lead=True, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("lead_first", "start_date")
        .select_related("user")
        .first()
    )
    return member.user if member is not None and roles.staff_role(member.user) else None


def _escalate(report: SymptomReport, nursing: Team, now: datetime.datetime) -> None:
    patient = report.patient
    waited = f"sent {timezone.localtime(report.submitted_at):%H:%M on %d %b} and not yet reviewed"
    nursing_key, consultant_key = escalation_keys(report)
    link = f"/patients/{patient.pk}/pathway/#symptom-report-{report.pk}"
    task_open(
        title=f"Symptoms returning: family report {waited}",
        detail=f"Reported symptoms: {report.summary()}. Call the family and review the report.",
        source=Task.Source.SYMPTOM_REPORT,
        team=nursing,
        patient=patient,
        due_on=timezone.localdate(now),
        priority=Task.Priority.URGENT,
        source_key=nursing_key,
        link_url=link,
    )
    consultant = named_consultant(patient)
    if consultant is not None:
        task_open(
            title=f"Symptoms returning: a family report for {patient.full_name} is {waited}",
            detail=f"Reported symptoms: {report.summary()}. The Nursing queue has it too.",
            source=Task.Source.SYMPTOM_REPORT,
            assignee=consultant,
            patient=patient,
            due_on=timezone.localdate(now),
            priority=Task.Priority.URGENT,
            source_key=consultant_key,
            link_url=link,
        )


def symptom_reports_escalate(*, now: datetime.datetime | None = None) -> int:
    """Beat job: claimed once per report with a conditional UPDATE on escalated_at."""
    now = now or timezone.now()
    target = settings.SYMPTOM_REVIEW_WORKING_HOURS
    waiting = list(
        SymptomReport.objects.filter(
            reviewed_at__isnull=True,
            escalated_at__isnull=True,
            submitted_at__lte=now - datetime.timedelta(hours=target),
        ).select_related("patient")
    )
    if not waiting:
        return 0
    nursing, _ = Team.objects.get_or_create(
        code=Team.Code.NURSING, defaults={"name": Team.Code.NURSING.label}
    )
    holidays = holidays_between(
        timezone.localdate(min(r.submitted_at for r in waiting)), timezone.localdate(now)
    )
    escalated = 0
    for report in waiting:
        if working_hours_between(report.submitted_at, now, holidays=holidays) < target:
            continue
        with transaction.atomic():
            if not SymptomReport.objects.filter(
                pk=report.pk, escalated_at__isnull=True, reviewed_at__isnull=True
            ).update(escalated_at=now):
                continue
            _escalate(report, nursing, now)
        escalated += 1
    return escalated
