"""Demo service levels, referrals in several states (one overdue for triage) and some tasks."""

import datetime

from django.utils import timezone

from apps.accounts.models import StaffProfile, Team, User
from apps.patients.models import Patient
from apps.tasks.models import Task
from apps.tasks.services import task_create
from apps.workingtime.working_time import add_working_days
from carecoord import demo

from . import services
from .models import Referral, ServiceLevelTarget

Role = StaffProfile.Role
# (triage working days, seen within calendar days) per urgency.
TARGETS = {"emergency": (1, 2), "urgent": (1, 14), "routine": (5, 42)}


def seed(staff: dict[str, User], patients: list[Patient]) -> None:
    for team in Team.objects.all():
        for urgency, (triage, seen) in TARGETS.items():
            ServiceLevelTarget.objects.get_or_create(
                team=team, urgency=urgency, defaults={"triage_working_days": triage, "seen_within_days": seen}
            )
    if Referral.objects.exists():
        return
    nurse, neuro = staff[Role.NURSE_SPECIALIST], staff[Role.CONSULTANT]
    teams = {t.code: t for t in Team.objects.all()}
    by_number = {p.hospital_number: p for p in patients}
    # Maya to psychology, routine, fresh; Leo to oncology, urgent and overdue for triage.
    services.referral_create(
        actor=nurse,
        patient=by_number["RCH100200"],
        target_team=teams["psychology"],
        urgency="routine",
        reason="Anxiety and sleep difficulties since the relapse; family asking for support.",
    )
    overdue = services.referral_create(
        actor=neuro,
        patient=by_number["RCH100201"],
        target_team=teams["oncology"],
        urgency="urgent",
        reason="Repeat abdominal imaging shows a possible new adrenal lesion.",
    )
    backdated = add_working_days(timezone.now() - datetime.timedelta(days=7), 0)
    Referral.objects.filter(pk=overdue.pk).update(submitted_at=backdated)  # demo only: an overdue example
    accepted = services.referral_create(
        actor=neuro,
        patient=by_number["RCH100205"],
        target_team=teams["neuropsychology"],
        urgency="routine",
        reason="Baseline neuropsychology assessment ahead of school entry.",
    )
    services.referral_accept(actor=staff[Role.NEUROPSYCHOLOGIST], referral=accepted)
    services.referral_receive_external(
        actor=nurse,
        target_team=teams["neurology"],
        external_source="gp",
        referrer_name="Dr Amara Lewis",
        referrer_organisation="Redland Green Surgery",
        urgency="urgent",
        reason="Two weeks of unsteady walking and jerky movements after a viral illness; rapid eye movements noted.",
        given_name="Ellis",
        family_name="Morgan",
        date_of_birth=timezone.localdate() - datetime.timedelta(days=620),
        hospital_number="RCH100300",
        nhs_number="",
        sex="male",
        postcode="BS6 6AB",
    )
    _seed_identity_queue(staff[f"{Role.NURSE_SPECIALIST}2"], patients, teams["therapies"])
    today = timezone.localdate()
    task_create(
        actor=nurse,
        title="Phone family about steroid side effects",
        assignee=nurse,
        patient=by_number["RCH100200"],
        due_on=today - datetime.timedelta(days=2),
        priority=Task.Priority.HIGH,
    )
    task_create(
        actor=nurse,
        title="Send school support letter",
        assignee=nurse,
        patient=by_number["RCH100201"],
        due_on=today + datetime.timedelta(days=5),
    )
    task_create(
        actor=nurse,
        title="Update IVIG consent form",
        team=teams["nursing"],
        patient=by_number["RCH100202"],
        due_on=today + datetime.timedelta(days=3),
    )
    services.referrals_check_service_levels()


def _seed_identity_queue(recorder: User, patients: list[Patient], team: Team) -> None:
    """A GP letter about a known child whom the recorder does not look after: it waits in the
    identity queue for the child's care team or the clinic administrator."""
    from apps.patients import access

    seen = set(access.routinely_visible_patients(recorder).values_list("pk", flat=True))
    child = next((p for p in patients if p.pk not in seen), None)
    if child is None:
        return
    services.referral_receive_external(
        actor=recorder,
        target_team=team,
        external_source="gp",
        referrer_name="Dr Sunil Rao",
        referrer_organisation="Hillside Medical Practice",
        urgency="routine",
        reason="Parents report speech has slowed; asking for speech and language therapy.",
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        hospital_number=child.hospital_number,
        nhs_number=child.nhs_number or "",
    )


# After pathways as before; targets are counted in working days, so bank holidays first.
demo.register("referrals", seed, uses=["accounts", "patients"], after=["workingtime", "pathways"])
